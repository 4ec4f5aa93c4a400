import { MlflowException } from "@pyfunc/core";
import {
  type Column,
  columnToTensor,
  DataFrame,
  dataFrameToTensor,
  dtypeOfTypedArray,
  flattenNested,
  frameDType,
  isNumericDType,
  isTensor,
  isTypedArray,
  type NumpyDType,
  type Tensor,
  TYPED_ARRAY_FOR_DTYPE,
  type TypedArray,
} from "@pyfunc/core/inputs";
import "./runtime-check.js"; // first: a binding that cannot load says what to do
import ort from "onnxruntime-node";

/** onnxruntime-node tensor element types. */
export type OrtType = ort.Tensor.Type;

/** MLflow/onnxruntime-python type string for an ORT element type, e.g. float32 → "tensor(float)". */
const ORT_PY_TYPE: Record<string, string> = {
  float32: "tensor(float)",
  float64: "tensor(double)",
  float16: "tensor(float16)",
  int8: "tensor(int8)",
  int16: "tensor(int16)",
  int32: "tensor(int32)",
  int64: "tensor(int64)",
  uint8: "tensor(uint8)",
  uint16: "tensor(uint16)",
  uint32: "tensor(uint32)",
  uint64: "tensor(uint64)",
  bool: "tensor(bool)",
  string: "tensor(string)",
};

export function pythonTypeName(type: OrtType): string {
  return ORT_PY_TYPE[type] ?? `tensor(${type})`;
}

/** numpy dtype of an ORT element type (what onnxruntime-python hands back). Strings map to `str`. */
export function numpyDTypeOf(type: OrtType): NumpyDType {
  switch (type) {
    case "string":
      return "str";
    case "bool":
    case "int8":
    case "int16":
    case "int32":
    case "int64":
    case "uint8":
    case "uint16":
    case "uint32":
    case "uint64":
    case "float16":
    case "float32":
    case "float64":
      return type;
    default:
      throw new MlflowException(`ONNX tensor type '${type}' is not supported.`, "NOT_IMPLEMENTED");
  }
}

/** ORT element type for a numpy dtype (for input data). */
function ortTypeOfNumpy(dtype: string): OrtType | undefined {
  switch (dtype) {
    case "str":
    case "bytes":
    case "object":
    case "string":
      return "string";
    case "bool":
    case "int8":
    case "int16":
    case "int32":
    case "int64":
    case "uint8":
    case "uint16":
    case "uint32":
    case "uint64":
    case "float32":
    case "float64":
      return dtype;
    default:
      return undefined;
  }
}

/**
 * The typed array onnxruntime-node takes for a numeric ORT element type: core's table (the ORT names are numpy's),
 * except float16, which ORT holds as raw IEEE half bits and core as widened float32 values.
 */
function typedArrayFor(type: OrtType): (new (n: number) => TypedArray) | undefined {
  return type !== "float16" && isNumericDType(type) ? TYPED_ARRAY_FOR_DTYPE[type] : undefined;
}

function typedArrayMatches(type: OrtType, data: TypedArray): boolean {
  const ctor = typedArrayFor(type);
  return ctor !== undefined && data.constructor === ctor;
}

/** One model input: its name and ORT element type (undefined for non-tensor inputs). */
export interface InputInfo {
  readonly name: string;
  readonly type: OrtType | undefined;
}

function badInput(message: string): MlflowException {
  return MlflowException.invalidParameter(message);
}

/** Fill a typed array of `type` from JS values, with the checks numpy's `np.asarray(values, dtype)` does. */
function fromJsValues(values: ArrayLike<unknown>, type: OrtType, what: string): TypedArray | string[] {
  const n = values.length;
  if (type === "string") {
    const out = new Array<string>(n);
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (typeof v !== "string")
        throw badInput(`${what}: expected strings for a tensor(string) input, got ${describe(v)}.`);
      out[i] = v;
    }
    return out;
  }
  const Ctor = typedArrayFor(type);
  if (Ctor === undefined)
    throw new MlflowException(`${what}: ONNX input type '${type}' is not supported.`, "NOT_IMPLEMENTED");
  const out = new Ctor(n);
  if (out instanceof BigInt64Array || out instanceof BigUint64Array) {
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (typeof v === "bigint") out[i] = v;
      else if (typeof v === "number" && Number.isInteger(v)) out[i] = BigInt(v);
      else if (typeof v === "boolean") out[i] = v ? 1n : 0n;
      else
        throw badInput(`${what}: expected integers for a ${pythonTypeName(type)} input, got ${describe(v)}.`);
    }
    return out;
  }
  const isInt = type !== "float32" && type !== "float64";
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (typeof v === "number") {
      if (isInt && !Number.isInteger(v)) {
        throw badInput(`${what}: expected integers for a ${pythonTypeName(type)} input, got ${v}.`);
      }
      out[i] = v;
    } else if (typeof v === "boolean") out[i] = v ? 1 : 0;
    else if (typeof v === "bigint") out[i] = Number(v);
    else if ((v === null || v === undefined) && !isInt) out[i] = Number.NaN;
    else throw badInput(`${what}: expected numbers for a ${pythonTypeName(type)} input, got ${describe(v)}.`);
  }
  return out;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "string") return `string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return typeof v;
}

/**
 * numpy dtype of a typed array / JS array as `np.asarray` would see it (for the dtype check against the
 * model input). JS number arrays are float64 unless every value is an integer (int64); booleans are bool.
 */
function dataKind(data: TypedArray | readonly unknown[], declared: string): string {
  if (isTypedArray(data))
    return declared === "bool" && data instanceof Uint8Array ? "bool" : dtypeOfTypedArray(data);
  return declared;
}

/**
 * Turn one Tensor into an ORT tensor for `input`. Where the data's typed array already has the input's
 * element type it is handed to ORT as is (no copy). The only conversion is MLflow's: float64 data for a
 * `tensor(float)` input is cast to float32 (mlflow#1286). Other dtype mismatches are refused, as
 * onnxruntime refuses them in Python.
 */
export function tensorToOrt(tensor: Tensor, input: InputInfo): ort.Tensor {
  const target = input.type;
  const what = `Input '${input.name}'`;
  if (target === undefined) {
    throw new MlflowException(
      `${what} is not a tensor input; only tensor inputs are supported.`,
      "NOT_IMPLEMENTED",
    );
  }
  const shape = tensor.shape;
  let size = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw badInput(`${what}: invalid shape ${JSON.stringify(shape)}.`);
    size *= d;
  }
  const data = tensor.data;
  if (data.length !== size) {
    throw badInput(`${what}: shape ${JSON.stringify(shape)} needs ${size} values, got ${data.length}.`);
  }
  const dims = shape.slice();
  if (
    target === "float16" &&
    tensor.dtype === "float16" &&
    (data instanceof Float32Array || Array.isArray(data))
  ) {
    return new ort.Tensor("float16", floatToHalf(Float32Array.from(data as ArrayLike<number>)), dims);
  }
  const kind = ortTypeOfNumpy(dataKind(data, tensor.dtype));
  if (kind === undefined) throw badInput(`${what}: unsupported dtype '${tensor.dtype}'.`);
  if (kind === target) {
    if (isTypedArray(data)) {
      if (typedArrayMatches(target, data)) return new ort.Tensor(target, data as never, dims);
      return new ort.Tensor(
        target,
        fromJsValues(data as unknown as ArrayLike<unknown>, target, what) as never,
        dims,
      );
    }
    return new ort.Tensor(target, fromJsValues(data, target, what) as never, dims);
  }
  if (kind === "float64" && target === "float32") {
    // MLflow's _cast_float64_to_float32
    const out = isTypedArray(data)
      ? Float32Array.from(data as Float64Array)
      : fromJsValues(data, "float32", what);
    return new ort.Tensor("float32", out as Float32Array, dims);
  }
  throw badInput(
    `${what} has dtype ${dataKind(data, tensor.dtype)} but the model expects ${pythonTypeName(target)}; ` +
      "cast the data (only float64 → float32 is converted automatically, as in MLflow).",
  );
}

/** A list / typed array value in a feed dict, turned into a Tensor of the model input's type. */
export function valueToTensor(value: unknown, input: InputInfo): Tensor {
  const what = `Input '${input.name}'`;
  if (isTensor(value)) return value;
  if (isTypedArray(value))
    return { dtype: dtypeOfTypedArray(value) as NumpyDType, shape: [value.length], data: value };
  if (Array.isArray(value)) {
    const nested = flattenNested(value); // core's np.asarray layout; a ragged list is refused, as onnxruntime does
    if (nested === undefined) throw badInput(`${what}: ragged nested list (not a rectangular array).`);
    const { shape, flat } = nested;
    const target = input.type ?? "float32";
    if (target === "float32" && flat.some((v) => typeof v === "number")) {
      // plain JS numbers are float64, as np.asarray gives; MLflow then casts them for a float input
      return { dtype: "float64", shape, data: fromJsValues(flat, "float64", what) };
    }
    return { dtype: numpyDTypeOf(target), shape, data: fromJsValues(flat, target, what) };
  }
  if (
    typeof value === "number" ||
    typeof value === "string" ||
    typeof value === "boolean" ||
    typeof value === "bigint"
  ) {
    return valueToTensor([value], input);
  }
  throw badInput(
    `${what}: expected a tensor ({dtype, shape, data}), a typed array or a list, got ${describe(value)}.`,
  );
}

/* ------------------------------------------------------------------------------------------------ */
/* DataFrame → feeds                                                                                */

/**
 * `df.values` for a single-input model: the whole frame as one row-major 2-D tensor of numpy's common dtype of
 * the columns (core's `frameDType`, numpy's `result_type`), written by core's `dataFrameToTensor`. For a
 * `tensor(float)` input a float64 result is written straight into a Float32Array (the same values as MLflow's
 * float64 → float32 cast, without the intermediate float64 copy). Non-numeric frames give an object tensor.
 */
export function frameToInputTensor(df: DataFrame, target?: OrtType): Tensor {
  let dtype = frameDType(df);
  if (dtype === "float64" && target === "float32") dtype = "float32";
  return dataFrameToTensor(df, (isNumericDType(dtype) ? dtype : "object") as NumpyDType);
}

/**
 * `df[name].values` for one input of a multi-input model: core's `columnToTensor`, sharing the column's typed
 * array when it already has the column's dtype (onnxruntime only reads its feeds). Datetime columns are objects.
 */
export function columnToInputTensor(column: Column): Tensor {
  return columnToTensor(column, column.dtype === "datetime64[ns]" ? "object" : undefined, { copy: false });
}

/* ------------------------------------------------------------------------------------------------ */
/* ORT outputs → results                                                                            */

/** An ORT output tensor as a core Tensor, sharing the output's buffer. */
export function ortToTensor(t: ort.Tensor): Tensor {
  const dtype = numpyDTypeOf(t.type);
  if (t.type === "float16") {
    // core holds float16 widened to float32 (no Float16Array on Node 20)
    return { dtype, shape: t.dims.slice(), data: halfToFloat(t.data as unknown as Uint16Array) };
  }
  const data = t.data as TypedArray | string[];
  return { dtype, shape: t.dims.slice(), data: dtype === "str" ? (data as string[]) : (data as TypedArray) };
}

/**
 * MLflow's DataFrame result: `DataFrame({name: np.asarray(out).reshape(-1)})`, one column per output,
 * each flattened (an (N, k) output becomes N*k rows, mlflow#12539). Outputs of different sizes cannot
 * share a frame: MLflow raises pandas' "All arrays must be of the same length"; so do we, with context.
 */
export function outputsToDataFrame(names: readonly string[], outputs: Record<string, ort.Tensor>): DataFrame {
  const columns: Column[] = [];
  let length: number | undefined;
  for (const name of names) {
    const t = outputs[name]!;
    const size = t.data.length;
    if (length !== undefined && size !== length) {
      throw MlflowException.invalidParameter(
        `All arrays must be of the same length: the ONNX outputs ${JSON.stringify(names)} have different sizes ` +
          `(${names.map((n) => outputs[n]!.data.length).join(", ")}) and cannot be flattened into one DataFrame ` +
          "(MLflow behaves the same, mlflow#12539). Pass a tensor or a dict of tensors to get each output as a tensor.",
      );
    }
    length = size;
    columns.push(outputColumn(name, t));
  }
  return new DataFrame(columns);
}

function outputColumn(name: string, t: ort.Tensor): Column {
  switch (t.type) {
    case "string":
      return { name, dtype: "object", values: t.data as string[] };
    case "bool":
      return { name, dtype: "bool", values: Array.from(t.data as Uint8Array, (b) => b !== 0) };
    default:
      return { name, dtype: numpyDTypeOf(t.type), values: t.data as TypedArray };
  }
}

/* ------------------------------------------------------------------------------------------------ */
/* float16 <-> float32 (IEEE 754 binary16, round to nearest even)                                   */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function halfToFloat(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) {
    const h = bits[i]!;
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) out[i] = sign * frac * 2 ** -24;
    else if (exp === 31) out[i] = frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
    else out[i] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  return out;
}

export function floatToHalf(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    f32[0] = values[i]!;
    const x = u32[0]!;
    const sign = (x >>> 16) & 0x8000;
    const exp = (x >>> 23) & 0xff;
    let mant = x & 0x7fffff;
    if (exp === 0xff) {
      out[i] = sign | 0x7c00 | (mant ? 0x200 : 0);
      continue;
    }
    const e = exp - 127 + 15;
    if (e >= 0x1f) {
      out[i] = sign | 0x7c00;
      continue;
    }
    if (e <= 0) {
      if (e < -10) {
        out[i] = sign;
        continue;
      }
      mant |= 0x800000;
      const shift = 14 - e;
      let half = mant >>> shift;
      const rem = mant & ((1 << shift) - 1);
      const mid = 1 << (shift - 1);
      if (rem > mid || (rem === mid && half & 1)) half++;
      out[i] = sign | half;
      continue;
    }
    let half = (e << 10) | (mant >>> 13);
    const rem = mant & 0x1fff;
    if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
    out[i] = sign | half;
  }
  return out;
}
