/**
 * Open Inference Protocol gRPC tensors ↔ the REST v2 request and answer shapes. A gRPC request becomes the
 * request the REST route's JSON body stands for (`{id, parameters, inputs: [{name, datatype, shape, data,
 * parameters}], outputs}`), with flat typed arrays as the data of raw numeric tensors, so it is decoded by the
 * one v2 decoder (`decodeV2Request`, in the worker that predicts) and runs the same path; the REST answer's
 * outputs become gRPC tensors, as typed `contents` or as `raw_output_contents`.
 *
 * Raw contents are each tensor's elements flattened in row-major order, little-endian, without padding; BYTES
 * elements are a 4-byte little-endian length then the bytes.
 */
import {
  bytesElementText,
  decodeRawTensor,
  encodeRawTensor,
  tensorShape,
  wireValue,
} from "@pyfunc/core/protocol";
import { V2Error } from "../v2.js";

/** InferParameter as @grpc/proto-loader gives it (keepCase, longs as strings, oneofs). */
export interface GrpcParameter {
  bool_param?: boolean;
  int64_param?: string | number;
  string_param?: string;
  parameter_choice?: string;
}

export interface GrpcContents {
  bool_contents?: boolean[];
  int_contents?: number[];
  int64_contents?: (string | number)[];
  uint_contents?: number[];
  uint64_contents?: (string | number)[];
  fp32_contents?: number[];
  fp64_contents?: number[];
  bytes_contents?: Uint8Array[];
}

export interface GrpcInputTensor {
  name?: string;
  datatype?: string;
  shape?: (string | number)[];
  parameters?: Record<string, GrpcParameter>;
  contents?: GrpcContents | null;
}

export interface GrpcInferRequest {
  model_name?: string;
  model_version?: string;
  id?: string;
  parameters?: Record<string, GrpcParameter>;
  inputs?: GrpcInputTensor[];
  outputs?: { name?: string; parameters?: Record<string, GrpcParameter> }[];
  raw_input_contents?: Uint8Array[];
}

export interface GrpcOutputTensor {
  name: string;
  datatype: string;
  shape: number[];
  contents?: GrpcContents;
}

export interface GrpcInferResponse {
  model_name: string;
  model_version: string;
  id: string;
  outputs: GrpcOutputTensor[];
  raw_output_contents: Buffer[];
}

/** An input as the REST v2 decoder takes it: JSON values, or a flat typed array. */
export interface V2RequestInput {
  name: string;
  datatype: string;
  shape: number[];
  data: unknown[] | ArrayBufferView;
  parameters?: Record<string, unknown>;
}

/** An output as the REST v2 route answers it. */
export interface V2JsonOutput {
  name: string;
  datatype: string;
  shape: number[];
  data: unknown[];
}

const bad = (message: string): V2Error => new V2Error(400, message);
const shortName = (name: string): string => (name.length > 200 ? `${name.slice(0, 200)}…` : name);

/** Element count of a shape, checked: non-negative integer dimensions, at most 32 of them (core's check). */
export function shapeOf(name: string, shape: readonly (string | number)[] | undefined): number[] {
  return tensorShape(name, shape ?? []);
}

/**
 * One tensor's raw contents → its flat elements: core's one raw-bytes → tensor codec (also the REST binary
 * tensor extension's), which throws MlflowException (400) when the bytes do not fit the shape and datatype.
 */
export const decodeRawContents = decodeRawTensor;

const text = bytesElementText;

/** One tensor's typed `contents` → its flat elements (64-bit integers as BigInt64Array / BigUint64Array). */
export function decodeTypedContents(
  name: string,
  datatype: string,
  contents: GrpcContents,
): unknown[] | ArrayBufferView {
  switch (datatype) {
    case "BOOL":
      return contents.bool_contents ?? [];
    case "INT8":
    case "INT16":
      return contents.int_contents ?? [];
    // 32- and 64-bit numbers as the typed arrays raw contents give (exact: the wire types are these widths):
    // cheap to hand to a worker thread, and counted at their width by the fast path's size limit
    case "INT32":
      return Int32Array.from(contents.int_contents ?? []);
    case "UINT8":
    case "UINT16":
      return contents.uint_contents ?? [];
    case "UINT32":
      return Uint32Array.from(contents.uint_contents ?? []);
    case "INT64":
      return BigInt64Array.from(contents.int64_contents ?? [], (v) => BigInt.asIntN(64, BigInt(v)));
    case "UINT64":
      return BigUint64Array.from(contents.uint64_contents ?? [], (v) => BigInt.asUintN(64, BigInt(v)));
    case "FP32":
      return Float32Array.from(contents.fp32_contents ?? []);
    case "FP64":
      return Float64Array.from(contents.fp64_contents ?? []);
    case "BYTES":
      return (contents.bytes_contents ?? []).map((b) => text(name, b));
    case "FP16":
      throw bad(`Input '${shortName(name)}': FP16 tensors can only be sent as raw_input_contents`);
    default:
      throw bad(`Input '${shortName(name)}' has an unsupported datatype '${shortName(datatype)}'`);
  }
}

function hasValues(contents: GrpcContents | null | undefined): boolean {
  if (contents === null || contents === undefined) return false;
  return Object.values(contents).some((v) => Array.isArray(v) && v.length > 0);
}

/** InferParameter map → plain values (`{content_type: "pd"}`). */
export function parametersOf(
  parameters: Record<string, GrpcParameter> | undefined,
): Record<string, unknown> | undefined {
  if (parameters === undefined) return undefined;
  const entries = Object.entries(parameters);
  if (entries.length === 0) return undefined;
  return Object.fromEntries(
    entries.map(([k, p]) => {
      const choice = p.parameter_choice;
      if (choice === "bool_param" || (choice === undefined && p.bool_param !== undefined))
        return [k, p.bool_param === true];
      if (choice === "int64_param" || (choice === undefined && p.int64_param !== undefined))
        return [k, Number(p.int64_param)];
      return [k, p.string_param ?? ""];
    }),
  );
}

const byteSize = (data: unknown[] | ArrayBufferView): number =>
  ArrayBuffer.isView(data)
    ? data.byteLength
    : data.reduce<number>((n, v) => n + (typeof v === "string" ? v.length + 3 : 8), 0);

/**
 * A gRPC ModelInferRequest → the REST v2 request it stands for, whether it used raw contents, and its payload
 * size in bytes. Throws V2Error (400) for requests the protocol forbids (raw and typed contents mixed, a raw
 * entry count other than the input count) or raw contents that do not fit their tensors.
 */
export function v2RequestOf(request: GrpcInferRequest): {
  request: Record<string, unknown>;
  raw: boolean;
  size: number;
} {
  const inputs = request.inputs ?? [];
  const rawContents = request.raw_input_contents ?? [];
  const raw = rawContents.length > 0;
  if (raw && rawContents.length !== inputs.length)
    throw bad(
      `raw_input_contents has ${rawContents.length} entries for ${inputs.length} inputs (one per input, in order)`,
    );
  let size = 0;
  const v2Inputs: V2RequestInput[] = inputs.map((input, i) => {
    const name = input.name ?? "";
    const datatype = input.datatype ?? "";
    const shape = shapeOf(name, input.shape);
    let data: unknown[] | ArrayBufferView;
    if (raw) {
      if (hasValues(input.contents))
        throw bad(
          `Input '${shortName(name)}' has contents while the request uses raw_input_contents (use one or the other)`,
        );
      data = decodeRawContents(name, datatype, shape, rawContents[i]!);
    } else {
      data = decodeTypedContents(name, datatype, input.contents ?? {});
    }
    size += byteSize(data);
    const parameters = parametersOf(input.parameters);
    return { name, datatype, shape, data, ...(parameters !== undefined ? { parameters } : {}) };
  });
  const body: Record<string, unknown> = { inputs: v2Inputs };
  if (request.id !== undefined && request.id !== "") body.id = request.id;
  const parameters = parametersOf(request.parameters);
  if (parameters !== undefined) body.parameters = parameters;
  if (request.outputs !== undefined && request.outputs.length > 0)
    body.outputs = request.outputs.map((o) => ({ name: o.name ?? "" }));
  return { request: body, raw, size };
}

const { num, bigint, str, bool } = wireValue;

/** One output's values as raw little-endian contents (core's codec). */
export const encodeRawContents = (datatype: string, data: readonly unknown[]): Buffer =>
  encodeRawTensor(datatype, data);

/** One output's values as typed contents. */
export function encodeTypedContents(datatype: string, data: readonly unknown[]): GrpcContents {
  switch (datatype) {
    case "BOOL":
      return { bool_contents: data.map(bool) };
    case "INT8":
    case "INT16":
    case "INT32":
      return { int_contents: data.map(num) };
    case "UINT8":
    case "UINT16":
    case "UINT32":
      return { uint_contents: data.map(num) };
    case "INT64":
      return { int64_contents: data.map((v) => BigInt.asIntN(64, bigint(v)).toString()) };
    case "UINT64":
      return { uint64_contents: data.map((v) => BigInt.asUintN(64, bigint(v)).toString()) };
    case "FP32":
    case "FP16":
      return { fp32_contents: data.map(num) };
    case "FP64":
      return { fp64_contents: data.map(num) };
    default:
      return { bytes_contents: data.map((v) => Buffer.from(str(v), "utf8")) };
  }
}

/**
 * The REST v2 answer's outputs → gRPC output tensors: typed contents, or raw contents in
 * `raw_output_contents` (the request used raw inputs, as Triton answers).
 */
export function grpcOutputsOf(
  outputs: readonly V2JsonOutput[],
  raw: boolean,
): { outputs: GrpcOutputTensor[]; raw_output_contents: Buffer[] } {
  const tensors: GrpcOutputTensor[] = [];
  const rawContents: Buffer[] = [];
  for (const o of outputs) {
    const datatype = o.datatype === "FP16" ? "FP32" : o.datatype;
    const tensor: GrpcOutputTensor = { name: o.name, datatype, shape: o.shape };
    if (raw) rawContents.push(encodeRawContents(datatype, o.data));
    else tensor.contents = encodeTypedContents(datatype, o.data);
    tensors.push(tensor);
  }
  return { outputs: tensors, raw_output_contents: rawContents };
}
