/**
 * Open Inference Protocol v2 (KServe / MLServer REST): request decoding to pyfunc inputs and output encoding.
 * Decoding follows MLServer's MLflow runtime: named TensorSpecs → dict of tensors, one unnamed TensorSpec →
 * one tensor, ColSpecs → a DataFrame; `parameters.content_type` ("np", "pd", "dict") overrides it.
 */
import {
  type Column,
  isTensor,
  isTypedArray,
  MlflowException,
  type NumpyDType,
  type PyFuncInput,
  type Tensor,
} from "@pyfunc/core";
import { TYPED_ARRAY_FOR_DTYPE } from "@pyfunc/core/inputs";
import {
  BINARY_TENSOR_CONTENT_TYPE,
  binaryOutputChoice,
  castValues,
  dataFrameFromColumns,
  decodeBinaryTensorBody,
  encodeRawTensor,
  type FramedOutput,
  frameBinaryTensorBody,
  INFERENCE_HEADER_CONTENT_LENGTH,
  isDataFrameInstance,
  NUMPY_DTYPE_FOR_V2,
  ndarrayFromJson,
  signatureSpecs,
} from "@pyfunc/core/protocol";
import { bounded } from "./bounded.js";
import type { InvocationResponse } from "./invocation.js";
import type { ServableModel } from "./model-types.js";

export const V2_DATATYPE_FOR_DTYPE: Record<string, string> = {
  bool: "BOOL",
  uint8: "UINT8",
  uint16: "UINT16",
  uint32: "UINT32",
  uint64: "UINT64",
  int8: "INT8",
  int16: "INT16",
  int32: "INT32",
  int64: "INT64",
  float16: "FP16",
  float32: "FP32",
  float64: "FP64",
  str: "BYTES",
  bytes: "BYTES",
  object: "BYTES",
};

const DTYPE_FOR_V2 = NUMPY_DTYPE_FOR_V2; // one datatype map, core's
const TYPED_FOR_DTYPE: Record<string, unknown> = TYPED_ARRAY_FOR_DTYPE;

/** Column (ColSpec) DataType → v2 datatype, as MLServer maps it. */
export const V2_DATATYPE_FOR_COLTYPE: Record<string, string> = {
  boolean: "BOOL",
  integer: "INT32",
  long: "INT64",
  float: "FP32",
  double: "FP64",
  string: "BYTES",
  binary: "BYTES",
  datetime: "BYTES",
};

export class V2Error extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

interface V2Input {
  name: string;
  shape: number[];
  datatype: string;
  data: unknown;
  parameters?: Record<string, unknown>;
}

interface SpecJson {
  type: string;
  name?: string;
  "tensor-spec"?: { dtype: string; shape: number[] };
}

function specsOf(json: string | null | undefined): SpecJson[] | undefined {
  return signatureSpecs(json) as SpecJson[] | undefined; // core's one signature view
}

/** `{name, datatype, shape}` entries for `GET /v2/models/{name}` from a signature schema. */
export function v2MetadataTensors(
  json: string | null | undefined,
  /** Unnamed entries are called `<prefix>-0`, `<prefix>-1` …: "input" for inputs, "output" for outputs. */
  prefix: "input" | "output" = "input",
): { name: string; datatype: string; shape: number[] }[] {
  const specs = specsOf(json);
  if (specs === undefined) return [];
  return specs.map((s, i) => {
    if (s.type === "tensor" && s["tensor-spec"]) {
      return {
        name: s.name ?? `${prefix}-${i}`,
        datatype: V2_DATATYPE_FOR_DTYPE[s["tensor-spec"].dtype] ?? "BYTES",
        shape: s["tensor-spec"].shape,
      };
    }
    return {
      name: s.name ?? `${prefix}-${i}`,
      datatype: V2_DATATYPE_FOR_COLTYPE[s.type] ?? "BYTES",
      shape: [-1, 1],
    };
  });
}

function flatten(data: unknown, out: unknown[], depth = 0): void {
  if (depth > 32) throw new V2Error(400, "Tensor data is nested too deeply");
  if (Array.isArray(data)) for (const d of data) flatten(d, out, depth + 1);
  else out.push(data);
}

function decodeInput(input: V2Input): Tensor {
  if (typeof input !== "object" || input === null) throw new V2Error(400, "Each input must be an object");
  if (typeof input.name !== "string") throw new V2Error(400, "Each input needs a string 'name'");
  if (!Array.isArray(input.shape) || !input.shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new V2Error(400, `Input '${input.name}' needs a 'shape' of non-negative integers`);
  }
  const dtype = Object.hasOwn(DTYPE_FOR_V2, input.datatype) ? DTYPE_FOR_V2[input.datatype] : undefined;
  if (dtype === undefined)
    throw new V2Error(400, `Input '${input.name}' has an unsupported datatype '${String(input.datatype)}'`);
  // a typed array is a flat tensor already (the gRPC service's raw contents); JSON data is nested lists
  let flat: ArrayLike<unknown>;
  if (ArrayBuffer.isView(input.data)) flat = input.data as unknown as ArrayLike<unknown>;
  else {
    const values: unknown[] = [];
    flatten(input.data, values);
    flat = values;
  }
  const size = input.shape.reduce((a, b) => a * b, 1);
  if (flat.length !== size) {
    throw new V2Error(
      400,
      `Input '${input.name}' has ${flat.length} values but shape [${input.shape.join(", ")}] needs ${size}`,
    );
  }
  // raw contents (binary or gRPC) of the tensor's own type are used as they are: no per-element cast
  if (ArrayBuffer.isView(flat) && dtype !== "bool" && flat.constructor === TYPED_FOR_DTYPE[dtype])
    return {
      dtype: dtype as NumpyDType,
      shape: input.shape.slice(),
      data: flat as unknown as Tensor["data"],
    };
  let data: Tensor["data"];
  try {
    const cast = castValues(flat as readonly unknown[], dtype);
    data = dtype === "bool" ? Uint8Array.from(cast as boolean[], (b) => (b ? 1 : 0)) : cast;
  } catch (error) {
    throw new V2Error(
      400,
      `Input '${input.name}': ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return { dtype: dtype as NumpyDType, shape: input.shape.slice(), data };
}

/** Decode a v2 inference request body into a pyfunc input. */
export function decodeV2Request(
  body: unknown,
  model: ServableModel,
): { input: PyFuncInput; id?: string; outputs?: string[] } {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new V2Error(400, "The inference request must be a JSON object");
  }
  const req = body as {
    id?: unknown;
    inputs?: unknown;
    outputs?: unknown;
    parameters?: Record<string, unknown>;
  };
  if (!Array.isArray(req.inputs) || req.inputs.length === 0) {
    throw new V2Error(400, "The inference request needs a non-empty 'inputs' list");
  }
  const tensors = (req.inputs as V2Input[]).map((i) => ({ name: i?.name, tensor: decodeInput(i) }));
  const specs = specsOf(model.metadata?.signature?.inputs);
  let contentType =
    typeof req.parameters?.content_type === "string" ? req.parameters.content_type : undefined;
  if (contentType === undefined) {
    if (specs === undefined) contentType = tensors.length === 1 ? "np" : "dict";
    else if (specs.every((s) => s.type === "tensor"))
      contentType = specs.every((s) => s.name) ? "dict" : "np";
    else contentType = "pd";
  }
  let input: PyFuncInput;
  if (contentType === "np") {
    input = tensors[0]!.tensor;
  } else if (contentType === "dict") {
    input = Object.fromEntries(tensors.map((t) => [t.name, t.tensor]));
  } else if (contentType === "pd") {
    const columns: Column[] = tensors.map(({ name, tensor }) => {
      const rows = tensor.shape[0] ?? 1;
      const width = rows === 0 ? 0 : tensor.data.length / rows;
      if (width !== 1) {
        // one conversion of the whole tensor, then a slice per row (linear in the tensor's size)
        const all = Array.isArray(tensor.data) ? tensor.data : Array.from(tensor.data as ArrayLike<unknown>);
        const values: unknown[] = new Array(rows);
        for (let r = 0; r < rows; r++) values[r] = all.slice(r * width, (r + 1) * width);
        return { name, dtype: "object", values };
      }
      const values =
        tensor.dtype === "bool" ? Array.from(tensor.data as Uint8Array, (b) => b === 1) : tensor.data;
      return { name, dtype: tensor.dtype === "str" ? "object" : tensor.dtype, values } as Column;
    });
    try {
      input = dataFrameFromColumns(columns);
    } catch (error) {
      throw new V2Error(400, error instanceof Error ? error.message : String(error));
    }
  } else {
    throw new V2Error(400, `Unsupported content_type '${contentType}' (use np, pd or dict)`);
  }
  const outputs = Array.isArray(req.outputs)
    ? (req.outputs as { name?: unknown }[]).map((o) => String(o?.name))
    : undefined;
  return { input, id: typeof req.id === "string" ? req.id : undefined, outputs };
}

interface V2Output {
  name: string;
  shape: number[];
  datatype: string;
  data: unknown[];
}

/** The typed array an output's JSON `data` came from: a binary answer writes it (64-bit integers exactly). */
const typedSource = new WeakMap<V2Output, ArrayLike<unknown>>();

function tensorOutput(name: string, t: Tensor): V2Output {
  const data = Array.from(t.data as ArrayLike<unknown>, (v) =>
    typeof v === "bigint" ? Number(v) : t.dtype === "bool" ? v === 1 || v === true : v,
  );
  const out = { name, shape: t.shape.slice(), datatype: V2_DATATYPE_FOR_DTYPE[t.dtype] ?? "BYTES", data };
  if (isTypedArray(t.data)) typedSource.set(out, t.data);
  return out;
}

function listOutput(name: string, value: unknown): V2Output {
  let t: Tensor;
  try {
    t = ndarrayFromJson(value);
  } catch {
    t = ndarrayFromJson(value, "object");
  }
  if (t.dtype === "object") {
    return {
      name,
      shape: t.shape,
      datatype: "BYTES",
      data: (t.data as unknown[]).map((v) => (typeof v === "string" ? v : JSON.stringify(v))),
    };
  }
  return tensorOutput(name, t);
}

/** Encode a model output as v2 outputs: DataFrame columns, tensors, dict entries, or one "output-0". */
export function encodeV2Outputs(output: unknown): V2Output[] {
  if (isDataFrameInstance(output)) {
    return output.columnList.map((c) => {
      const dtype = c.dtype === "datetime64[ns]" ? "object" : c.dtype;
      if (isTypedArray(c.values))
        return tensorOutput(c.name, { dtype, shape: [output.numRows], data: c.values });
      return listOutput(c.name, c.values);
    });
  }
  if (isTensor(output)) return [tensorOutput("output-0", output)];
  if (
    Array.isArray(output) &&
    output.length > 0 &&
    output.every((r) => typeof r === "object" && r !== null && !Array.isArray(r))
  ) {
    // a list of records (what pandas' to_dict(orient="records") gives): one output per field
    const seen = new Set<string>();
    for (const r of output as Record<string, unknown>[]) for (const k of Object.keys(r)) seen.add(k);
    return [...seen].map((k) =>
      listOutput(
        k,
        (output as Record<string, unknown>[]).map((r) => r[k] ?? null),
      ),
    );
  }
  if (isTypedArray(output)) return [listOutput("output-0", Array.from(output as ArrayLike<unknown>))];
  if (typeof output === "object" && output !== null && !Array.isArray(output)) {
    return Object.entries(output).map(([k, v]) => (isTensor(v) ? tensorOutput(k, v) : listOutput(k, v)));
  }
  return [listOutput("output-0", Array.isArray(output) ? output : [output])];
}

function v2Error(status: number, message: string): InvocationResponse {
  return { status, contentType: "application/json", body: JSON.stringify({ error: bounded(message) }) };
}

/**
 * Answer `POST /v2/models/{name}/infer` (never throws): a JSON body, or with `headerLength` (the request's
 * Inference-Header-Content-Length) a binary tensor body (core's `decodeBinaryTensorBody`). Either may ask for
 * binary outputs.
 */
export async function handleV2Infer(
  model: ServableModel,
  modelName: string,
  body: Uint8Array,
  headerLength?: string,
): Promise<InvocationResponse> {
  let json: unknown;
  if (headerLength !== undefined) {
    try {
      json = decodeBinaryTensorBody(body, headerLength);
    } catch (error) {
      return v2Error(400, error instanceof Error ? error.message : String(error));
    }
    return handleV2InferRequest(model, modelName, json, true);
  }
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(body));
  } catch (error) {
    return v2Error(
      400,
      `Invalid JSON in request body: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return handleV2InferRequest(model, modelName, json, true);
}

const finiteOrNull = (_k: string, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? null : v);

/**
 * Answer a v2 inference request already read from its wire format: the JSON body's value (REST), or the same
 * shape built from a gRPC ModelInferRequest, whose tensors' `data` may be flat typed arrays (never throws).
 * `values`: a 200 answer's outputs come back as values in `v2` instead of a JSON body (the gRPC service
 * encodes them as protobuf: no JSON text made and parsed again per request); errors are JSON as ever.
 */
export async function handleV2InferRequest(
  model: ServableModel,
  modelName: string,
  request: unknown,
  /** The answer may be a binary tensor body when the request asks (REST only: gRPC has raw contents). */
  allowBinary = false,
  /** A 200 answer's outputs as values in `v2`, no body (the gRPC service's; errors stay JSON). */
  values = false,
): Promise<InvocationResponse> {
  let decoded: ReturnType<typeof decodeV2Request>;
  try {
    decoded = decodeV2Request(request, model);
  } catch (error) {
    return v2Error(
      error instanceof V2Error ? error.status : 400,
      error instanceof Error ? error.message : String(error),
    );
  }
  let outputs: V2Output[];
  try {
    outputs = encodeV2Outputs(await model.predict(decoded.input));
  } catch (error) {
    const status = error instanceof MlflowException ? error.httpStatus : 400;
    return v2Error(status, error instanceof Error ? error.message : String(error));
  }
  if (decoded.outputs !== undefined) {
    const wanted = new Set(decoded.outputs);
    outputs = outputs.filter((o) => wanted.has(o.name));
  }
  if (values)
    return {
      status: 200,
      contentType: "application/json",
      body: "",
      v2: decoded.id !== undefined ? { id: decoded.id, outputs } : { outputs },
    };
  const response: Record<string, unknown> = { model_name: modelName, outputs };
  if (decoded.id !== undefined) response.id = decoded.id;
  if (allowBinary) {
    const choice = binaryOutputChoice(request);
    const binary = (name: string) => choice.byName.get(name) ?? choice.all;
    if (outputs.some((o) => binary(o.name))) {
      const framed: FramedOutput[] = outputs.map((o) => {
        if (!binary(o.name)) return { entry: { ...o } };
        // float16 goes out as FP32, as the JSON answer widens it
        const datatype = o.datatype === "FP16" ? "FP32" : o.datatype;
        const { data, ...entry } = o;
        return { entry: { ...entry, datatype }, raw: encodeRawTensor(datatype, typedSource.get(o) ?? data) };
      });
      const { outputs: _json, ...header } = response;
      const { body, headerLength } = frameBinaryTensorBody(header, framed, finiteOrNull);
      return {
        status: 200,
        contentType: BINARY_TENSOR_CONTENT_TYPE,
        body,
        headers: { [INFERENCE_HEADER_CONTENT_LENGTH]: String(headerLength) },
      };
    }
  }
  return { status: 200, contentType: "application/json", body: JSON.stringify(response, finiteOrNull) };
}
