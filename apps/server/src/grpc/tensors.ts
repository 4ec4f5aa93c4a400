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

/** Most dimensions a tensor may have (the REST v2 decoder's nesting limit, numpy's is 64). */
const MAX_ARRAY_DIMS = 32;

const WIDTH: Record<string, number> = {
  BOOL: 1,
  UINT8: 1,
  INT8: 1,
  UINT16: 2,
  INT16: 2,
  FP16: 2,
  UINT32: 4,
  INT32: 4,
  FP32: 4,
  UINT64: 8,
  INT64: 8,
  FP64: 8,
};

const bad = (message: string): V2Error => new V2Error(400, message);
const shortName = (name: string): string => (name.length > 200 ? `${name.slice(0, 200)}…` : name);

/** Element count of a shape, checked: non-negative integer dimensions, at most MAX_ARRAY_DIMS of them. */
export function shapeOf(name: string, shape: readonly (string | number)[] | undefined): number[] {
  const dims = shape ?? [];
  if (dims.length > MAX_ARRAY_DIMS)
    throw bad(`Input '${shortName(name)}' has ${dims.length} dimensions (at most ${MAX_ARRAY_DIMS})`);
  return dims.map((d) => {
    const n = Number(d);
    if (!Number.isSafeInteger(n) || n < 0)
      throw bad(`Input '${shortName(name)}' needs a 'shape' of non-negative integers`);
    return n;
  });
}

function elementCount(name: string, shape: readonly number[]): number {
  let size = 1;
  for (const d of shape) {
    size *= d;
    if (!Number.isSafeInteger(size)) throw bad(`Input '${shortName(name)}' has a shape too large`);
  }
  return size;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

type Typed = Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | Uint16Array | Uint32Array;
type TypedCtor<T> = { new (buffer: ArrayBuffer): T; new (length: number): T };

/** `size` elements of `width` bytes as a typed array (a copy: aligned, owned, transferable). */
function typedCopy<T extends Typed | BigInt64Array | BigUint64Array>(
  Ctor: TypedCtor<T>,
  bytes: Uint8Array,
  size: number,
  read: (view: DataView, i: number) => number | bigint,
): T {
  if (LITTLE_ENDIAN) return new Ctor(new Uint8Array(bytes).buffer);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Ctor(size);
  for (let i = 0; i < size; i++) (out as unknown as (number | bigint)[])[i] = read(view, i);
  return out;
}

/** IEEE 754 half precision → number. */
function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function text(name: string, bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw bad(`Input '${shortName(name)}': BYTES elements must be UTF-8 text`);
  }
}

/**
 * One tensor's raw contents → its flat elements: a typed array of the datatype (BOOL: booleans, BYTES: strings,
 * FP16: float32). Throws V2Error (400) when the byte length does not fit the shape and datatype; allocates at
 * most one value per element the bytes hold.
 */
export function decodeRawContents(
  name: string,
  datatype: string,
  shape: readonly number[],
  bytes: Uint8Array,
): unknown[] | ArrayBufferView {
  const size = elementCount(name, shape);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (datatype === "BYTES") {
    // each element takes at least its 4-byte length: checked before anything is allocated
    if (size > bytes.byteLength / 4)
      throw bad(
        `Input '${shortName(name)}' has ${bytes.byteLength} raw bytes, too few for ${size} BYTES elements`,
      );
    const out: string[] = new Array(size);
    let at = 0;
    for (let i = 0; i < size; i++) {
      if (at + 4 > bytes.byteLength)
        throw bad(`Input '${shortName(name)}': raw BYTES contents end inside element ${i}'s length`);
      const length = view.getUint32(at, true);
      at += 4;
      if (length > bytes.byteLength - at)
        throw bad(`Input '${shortName(name)}': raw BYTES element ${i} runs past the end of its contents`);
      out[i] = text(name, bytes.subarray(at, at + length));
      at += length;
    }
    if (at !== bytes.byteLength)
      throw bad(
        `Input '${shortName(name)}' has ${bytes.byteLength - at} raw bytes after its ${size} BYTES elements`,
      );
    return out;
  }
  const width = WIDTH[datatype];
  if (width === undefined)
    throw bad(`Input '${shortName(name)}' has an unsupported datatype '${shortName(datatype)}'`);
  if (bytes.byteLength !== size * width)
    throw bad(
      `Input '${shortName(name)}' has ${bytes.byteLength} raw bytes but shape [${shape.join(", ")}] of ${datatype} needs ${size * width}`,
    );
  switch (datatype) {
    case "BOOL": {
      const out: boolean[] = new Array(size);
      for (let i = 0; i < size; i++) out[i] = bytes[i] !== 0;
      return out;
    }
    case "UINT8":
      return new Uint8Array(bytes);
    case "INT8":
      return new Int8Array(new Uint8Array(bytes).buffer);
    case "UINT16":
      return typedCopy(Uint16Array, bytes, size, (v, i) => v.getUint16(i * 2, true));
    case "INT16":
      return typedCopy(Int16Array, bytes, size, (v, i) => v.getInt16(i * 2, true));
    case "FP16": {
      const out = new Float32Array(size);
      for (let i = 0; i < size; i++) out[i] = halfToNumber(view.getUint16(i * 2, true));
      return out;
    }
    case "UINT32":
      return typedCopy(Uint32Array, bytes, size, (v, i) => v.getUint32(i * 4, true));
    case "INT32":
      return typedCopy(Int32Array, bytes, size, (v, i) => v.getInt32(i * 4, true));
    case "FP32":
      return typedCopy(Float32Array, bytes, size, (v, i) => v.getFloat32(i * 4, true));
    case "INT64":
      return typedCopy(BigInt64Array, bytes, size, (v, i) => v.getBigInt64(i * 8, true));
    case "UINT64":
      return typedCopy(BigUint64Array, bytes, size, (v, i) => v.getBigUint64(i * 8, true));
    default:
      return typedCopy(Float64Array, bytes, size, (v, i) => v.getFloat64(i * 8, true));
  }
}

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
    case "INT32":
      return contents.int_contents ?? [];
    case "UINT8":
    case "UINT16":
    case "UINT32":
      return contents.uint_contents ?? [];
    case "INT64":
      return BigInt64Array.from(contents.int64_contents ?? [], (v) => BigInt.asIntN(64, BigInt(v)));
    case "UINT64":
      return BigUint64Array.from(contents.uint64_contents ?? [], (v) => BigInt.asUintN(64, BigInt(v)));
    case "FP32":
      return contents.fp32_contents ?? [];
    case "FP64":
      return contents.fp64_contents ?? [];
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

const num = (v: unknown): number => (typeof v === "number" ? v : v === null ? Number.NaN : Number(v));
const bigint = (v: unknown): bigint => {
  if (typeof v === "bigint") return v;
  if (typeof v === "string") return BigInt(v);
  const n = num(v);
  return Number.isFinite(n) ? BigInt(Math.trunc(n)) : 0n;
};
const str = (v: unknown): string => (typeof v === "string" ? v : JSON.stringify(v));
const bool = (v: unknown): boolean => v === true || v === 1;

/** One output's values as raw little-endian contents. */
export function encodeRawContents(datatype: string, data: readonly unknown[]): Buffer {
  const n = data.length;
  if (datatype === "BYTES") {
    const parts = data.map((v) => Buffer.from(str(v), "utf8"));
    const out = Buffer.allocUnsafe(parts.reduce((a, p) => a + 4 + p.byteLength, 0));
    let at = 0;
    for (const p of parts) {
      out.writeUInt32LE(p.byteLength, at);
      p.copy(out, at + 4);
      at += 4 + p.byteLength;
    }
    return out;
  }
  const width = datatype === "FP16" ? 4 : (WIDTH[datatype] ?? 8);
  const out = Buffer.alloc(n * width);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let i = 0; i < n; i++) {
    const v = data[i];
    switch (datatype) {
      case "BOOL":
        out[i] = bool(v) ? 1 : 0;
        break;
      case "UINT8":
        view.setUint8(i, num(v));
        break;
      case "INT8":
        view.setInt8(i, num(v));
        break;
      case "UINT16":
        view.setUint16(i * 2, num(v), true);
        break;
      case "INT16":
        view.setInt16(i * 2, num(v), true);
        break;
      case "UINT32":
        view.setUint32(i * 4, num(v), true);
        break;
      case "INT32":
        view.setInt32(i * 4, num(v), true);
        break;
      case "FP16": // (the REST answer never says FP16: float16 outputs are widened)
      case "FP32":
        view.setFloat32(i * 4, num(v), true);
        break;
      case "INT64":
        view.setBigInt64(i * 8, BigInt.asIntN(64, bigint(v)), true);
        break;
      case "UINT64":
        view.setBigUint64(i * 8, BigInt.asUintN(64, bigint(v)), true);
        break;
      default:
        view.setFloat64(i * 8, num(v), true);
    }
  }
  return out;
}

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
