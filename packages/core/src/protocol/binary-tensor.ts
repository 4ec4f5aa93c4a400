/**
 * The Open Inference Protocol's binary tensor data extension (Triton's `binary_tensor_data`), and the one
 * raw-bytes ↔ tensor codec of the repo (the gRPC service's `raw_input_contents` / `raw_output_contents` use it
 * too).
 *
 * A framed body is a JSON inference header of N bytes (N from the `Inference-Header-Content-Length` HTTP
 * header) followed by the raw contents of every input whose `parameters.binary_data_size` is set, in input
 * order. Raw contents are a tensor's elements flattened row-major, little-endian, without padding; BOOL is one
 * byte per element (0 or 1), BYTES elements are a 4-byte little-endian length then the bytes (UTF-8 text).
 *
 * Bounds (the body is untrusted): the header length is a decimal integer no larger than the body; every
 * `binary_data_size` is a non-negative integer and they sum exactly to the bytes after the header; each
 * tensor's shape × element width equals its `binary_data_size` (BYTES: every length prefix stays inside the
 * tensor's bytes); nothing is allocated before the byte count that backs it has been checked, so no request
 * makes the decoder allocate more than a small multiple of its body. Failures are MlflowException BAD_REQUEST
 * (malformed framing or contents) or INVALID_PARAMETER_VALUE (a bad parameter value), both HTTP 400.
 */
import { MlflowException } from "../errors/mlflow-exception.js";
import { badRequest } from "./errors.js";

/** The HTTP header giving the JSON header's length in bytes (lower case, as Node presents headers). */
export const INFERENCE_HEADER_CONTENT_LENGTH = "inference-header-content-length";

/** The media type of a framed body (Triton's). */
export const BINARY_TENSOR_CONTENT_TYPE = "application/octet-stream";

/** v2 datatype → numpy dtype of the decoded tensor (BYTES become str). */
export const NUMPY_DTYPE_FOR_V2: Readonly<Record<string, string>> = {
  BOOL: "bool",
  UINT8: "uint8",
  UINT16: "uint16",
  UINT32: "uint32",
  UINT64: "uint64",
  INT8: "int8",
  INT16: "int16",
  INT32: "int32",
  INT64: "int64",
  FP16: "float16",
  FP32: "float32",
  FP64: "float64",
  BYTES: "str",
};

/** Bytes per element of each fixed-width v2 datatype. */
export const V2_ELEMENT_WIDTH: Readonly<Record<string, number>> = {
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

/** Most dimensions a tensor may have (the v2 JSON decoder's nesting limit; numpy's is 64). */
export const MAX_TENSOR_DIMS = 32;

const shortName = (name: string): string => (name.length > 200 ? `${name.slice(0, 200)}…` : name);
const hasOwn = (o: object, k: string) => Object.hasOwn(o, k);

/** A tensor's shape, checked: at most MAX_TENSOR_DIMS non-negative integer dimensions. */
export function tensorShape(name: string, shape: unknown): number[] {
  if (!Array.isArray(shape))
    throw badRequest(`Input '${shortName(name)}' needs a 'shape' of non-negative integers`);
  if (shape.length > MAX_TENSOR_DIMS)
    throw badRequest(
      `Input '${shortName(name)}' has ${shape.length} dimensions (at most ${MAX_TENSOR_DIMS})`,
    );
  return shape.map((d) => {
    const n = typeof d === "number" || typeof d === "string" ? Number(d) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < 0)
      throw badRequest(`Input '${shortName(name)}' needs a 'shape' of non-negative integers`);
    return n;
  });
}

/** The element count of a checked shape (refused when it passes 2^53). */
export function elementCount(name: string, shape: readonly number[]): number {
  let size = 1;
  for (const d of shape) {
    size *= d;
    if (!Number.isSafeInteger(size)) throw badRequest(`Input '${shortName(name)}' has a shape too large`);
  }
  return size;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

type Typed =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint16Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;
type TypedCtor<T> = { new (buffer: ArrayBuffer): T; new (length: number): T };

/** `size` elements as a typed array: a copy (aligned, owned, transferable to a worker). */
function typedCopy<T extends Typed>(
  Ctor: TypedCtor<T>,
  bytes: Uint8Array,
  size: number,
  read: (view: DataView, i: number) => number | bigint,
): T {
  if (LITTLE_ENDIAN) return new Ctor(new Uint8Array(bytes).buffer as ArrayBuffer);
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

/** UTF-8 bytes of a BYTES element → its text. */
export function bytesElementText(name: string, bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw badRequest(`Input '${shortName(name)}': BYTES elements must be UTF-8 text`);
  }
}

/**
 * One tensor's raw contents → its flat elements: a typed array of the datatype (BOOL: booleans, BYTES: strings,
 * FP16: float32). Throws MlflowException BAD_REQUEST (400) when the byte length does not fit the shape and
 * datatype; allocates at most one value per element the bytes hold.
 */
export function decodeRawTensor(
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
      throw badRequest(
        `Input '${shortName(name)}' has ${bytes.byteLength} raw bytes, too few for ${size} BYTES elements`,
      );
    const out: string[] = new Array(size);
    let at = 0;
    for (let i = 0; i < size; i++) {
      if (at + 4 > bytes.byteLength)
        throw badRequest(`Input '${shortName(name)}': raw BYTES contents end inside element ${i}'s length`);
      const length = view.getUint32(at, true);
      at += 4;
      if (length > bytes.byteLength - at)
        throw badRequest(
          `Input '${shortName(name)}': raw BYTES element ${i} runs past the end of its contents`,
        );
      out[i] = bytesElementText(name, bytes.subarray(at, at + length));
      at += length;
    }
    if (at !== bytes.byteLength)
      throw badRequest(
        `Input '${shortName(name)}' has ${bytes.byteLength - at} raw bytes after its ${size} BYTES elements`,
      );
    return out;
  }
  const width = hasOwn(V2_ELEMENT_WIDTH, datatype) ? V2_ELEMENT_WIDTH[datatype] : undefined;
  if (width === undefined)
    throw badRequest(`Input '${shortName(name)}' has an unsupported datatype '${shortName(datatype)}'`);
  if (bytes.byteLength !== size * width)
    throw badRequest(
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

/**
 * One output element as the wire's element kinds take it (raw contents here, gRPC's typed contents in the
 * server): a number (null → NaN), a 64-bit integer, text, a boolean.
 */
export const wireValue = {
  num: (v: unknown): number => (typeof v === "number" ? v : v === null ? Number.NaN : Number(v)),
  bigint: (v: unknown): bigint => {
    if (typeof v === "bigint") return v;
    if (typeof v === "string") return BigInt(v);
    const n = wireValue.num(v);
    return Number.isFinite(n) ? BigInt(Math.trunc(n)) : 0n;
  },
  str: (v: unknown): string => (typeof v === "string" ? v : JSON.stringify(v)),
  bool: (v: unknown): boolean => v === true || v === 1,
};
const { num, bigint, str, bool } = wireValue;

/**
 * One tensor's flat values → raw little-endian contents (FP16 is written as 4-byte floats: callers relabel
 * such outputs FP32, as the JSON answers widen float16).
 */
export function encodeRawTensor(datatype: string, data: ArrayLike<unknown>): Buffer {
  const n = data.length;
  if (datatype === "BYTES") {
    const parts = Array.from(data, (v) => Buffer.from(str(v), "utf8"));
    const out = Buffer.allocUnsafe(parts.reduce((a, p) => a + 4 + p.byteLength, 0));
    let at = 0;
    for (const p of parts) {
      out.writeUInt32LE(p.byteLength, at);
      p.copy(out, at + 4);
      at += 4 + p.byteLength;
    }
    return out;
  }
  const width =
    datatype === "FP16" ? 4 : (hasOwn(V2_ELEMENT_WIDTH, datatype) && V2_ELEMENT_WIDTH[datatype]) || 8;
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
      case "FP16":
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

/** The `Inference-Header-Content-Length` value → the JSON header's byte length, checked against the body. */
export function inferenceHeaderLength(value: string | number, bodyLength: number): number {
  const text = String(value).trim();
  const n = /^\d{1,16}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n))
    throw MlflowException.invalidParameter(
      `Inference-Header-Content-Length must be a non-negative integer, got '${shortName(text)}'`,
    );
  if (n > bodyLength)
    throw badRequest(
      `Inference-Header-Content-Length (${n}) is larger than the request body (${bodyLength} bytes)`,
    );
  return n;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * A framed body → its JSON header, in which every binary input's `data` is its decoded flat elements (a typed
 * array, or booleans / strings) and `binary_data_size` is gone from its parameters: the shape a JSON v2 request
 * has, with flat data, which the v2 decoders take as they take the gRPC service's. Inputs without
 * `binary_data_size` keep their JSON `data`. Throws MlflowException (HTTP 400) for every framing fault.
 */
export function decodeBinaryTensorBody(
  body: Uint8Array,
  headerLengthValue: string | number,
): Record<string, unknown> {
  const headerLength = inferenceHeaderLength(headerLengthValue, body.byteLength);
  let header: unknown;
  try {
    header = JSON.parse(utf8.decode(body.subarray(0, headerLength)));
  } catch (error) {
    throw badRequest(
      `The inference header (the first ${headerLength} bytes of the body) is not valid UTF-8 JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (!isPlainObject(header)) throw badRequest("The inference header must be a JSON object");
  const inputs = header.inputs;
  if (!Array.isArray(inputs) || inputs.length === 0)
    throw badRequest("The inference header needs a non-empty 'inputs' list");
  // every size is checked, and their sum against the bytes present, before any tensor is decoded
  const remaining = body.byteLength - headerLength;
  const sizes: (number | undefined)[] = [];
  let total = 0;
  for (const input of inputs) {
    if (!isPlainObject(input)) throw badRequest("Each input must be an object");
    const name = typeof input.name === "string" ? input.name : "";
    const parameters = input.parameters;
    if (parameters !== undefined && parameters !== null && !isPlainObject(parameters))
      throw MlflowException.invalidParameter(`Input '${shortName(name)}': 'parameters' must be an object`);
    const size = isPlainObject(parameters) ? parameters.binary_data_size : undefined;
    if (size === undefined || size === null) {
      if (input.data === undefined)
        throw badRequest(`Input '${shortName(name)}' has neither 'data' nor binary_data_size`);
      sizes.push(undefined);
      continue;
    }
    if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0)
      throw MlflowException.invalidParameter(
        `Input '${shortName(name)}': binary_data_size must be a non-negative integer`,
      );
    if (input.data !== undefined)
      throw badRequest(
        `Input '${shortName(name)}' has both 'data' and binary_data_size (use one or the other)`,
      );
    total += size;
    if (total > remaining)
      throw badRequest(
        `The inputs' binary_data_size values pass the ${remaining} bytes after the inference header`,
      );
    sizes.push(size);
  }
  if (total !== remaining)
    throw badRequest(
      `The inputs' binary_data_size values sum to ${total} bytes but ${remaining} bytes follow the inference header`,
    );
  let at = headerLength;
  const decoded = inputs.map((input: Record<string, unknown>, i) => {
    const size = sizes[i];
    if (size === undefined) return input;
    const name = typeof input.name === "string" ? input.name : "";
    if (typeof input.datatype !== "string")
      throw badRequest(`Input '${shortName(name)}' needs a string 'datatype'`);
    const shape = tensorShape(name, input.shape);
    const data = decodeRawTensor(name, input.datatype, shape, body.subarray(at, at + size));
    at += size;
    const { binary_data_size: _size, ...parameters } = input.parameters as Record<string, unknown>;
    const out: Record<string, unknown> = { ...input, shape, data };
    if (Object.keys(parameters).length > 0) out.parameters = parameters;
    else delete out.parameters;
    return out;
  });
  return { ...header, inputs: decoded };
}

/** One output of a framed answer: its JSON entry, and its raw bytes when it is sent as binary data. */
export interface FramedOutput {
  entry: Record<string, unknown>;
  raw?: Uint8Array;
}

/**
 * A framed answer: the JSON header (`header` with `outputs` set to the entries, each binary one carrying
 * `parameters.binary_data_size`) followed by the binary outputs' bytes in output order. `headerLength` is the
 * `Inference-Header-Content-Length` to send.
 */
export function frameBinaryTensorBody(
  header: Record<string, unknown>,
  outputs: readonly FramedOutput[],
  replacer?: (key: string, value: unknown) => unknown,
): { body: Uint8Array; headerLength: number } {
  const entries = outputs.map((o) => {
    if (o.raw === undefined) return o.entry;
    const parameters = isPlainObject(o.entry.parameters) ? o.entry.parameters : {};
    return { ...o.entry, parameters: { ...parameters, binary_data_size: o.raw.byteLength } };
  });
  const json = Buffer.from(JSON.stringify({ ...header, outputs: entries }, replacer), "utf8");
  let total = json.byteLength;
  for (const o of outputs) total += o.raw?.byteLength ?? 0;
  const body = Buffer.allocUnsafe(total);
  json.copy(body, 0);
  let at = json.byteLength;
  for (const o of outputs) {
    if (o.raw === undefined) continue;
    body.set(o.raw, at);
    at += o.raw.byteLength;
  }
  return { body, headerLength: json.byteLength };
}

/**
 * Which outputs a request wants as binary data: an output's own `parameters.binary_data` when given, else the
 * request's `parameters.binary_data_output` (Triton's rule). `name` → binary or not; `all` covers the rest.
 */
export function binaryOutputChoice(request: unknown): { all: boolean; byName: Map<string, boolean> } {
  const byName = new Map<string, boolean>();
  if (!isPlainObject(request)) return { all: false, byName };
  const all = isPlainObject(request.parameters) && request.parameters.binary_data_output === true;
  if (Array.isArray(request.outputs)) {
    for (const o of request.outputs) {
      if (!isPlainObject(o) || typeof o.name !== "string") continue;
      const flag = isPlainObject(o.parameters) ? o.parameters.binary_data : undefined;
      if (typeof flag === "boolean") byName.set(o.name, flag);
    }
  }
  return { all, byName };
}
