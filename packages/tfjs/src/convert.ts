/**
 * Core inputs ↔ tfjs values. The generic parts are core's (`@pyfunc/core/inputs`): the nesting walk of nested
 * lists (`flattenNested`), a DataFrame as one row-major matrix (`dataFrameToTensor`, numpy's `frameDType`);
 * what stays here is tfjs's: its four input dtypes with their checks, shapes against the model's, and tfjs
 * tensors back to core tensors.
 */
import { MlflowException } from "@pyfunc/core";
import {
  type DataFrame,
  dataFrameToTensor,
  flattenNested,
  isNumericDType,
  isTensor,
  type NumpyDType,
  type Tensor,
} from "@pyfunc/core/inputs";
import type * as tf from "@tensorflow/tfjs";

/** One model input as a conversion needs it. */
export interface FeedSpec {
  readonly name: string;
  readonly dtype: tf.DataType;
  /** Dimensions; null (or -1 in graph models) = any size. Undefined when the model does not say. */
  readonly shape: readonly (number | null)[] | undefined;
}

/** An input matched to one model input: a tensor, a nested list, a whole frame or one column. */
export type InputValue = Tensor | unknown[] | { frame: DataFrame } | { column: ArrayLike<unknown> };

/** The flat data, shape and tfjs dtype `tf.tensor` is built from. */
export interface Feed {
  data: Float32Array | Int32Array | Uint8Array | string[];
  shape: number[];
  dtype: tf.DataType;
}

export function badInput(message: string): MlflowException {
  return MlflowException.badRequest(message);
}

export function wrapTfError(err: unknown): MlflowException {
  if (err instanceof MlflowException) return err;
  const message = err instanceof Error ? err.message : String(err);
  return badInput(`TensorFlow.js could not run the model on this input: ${message}`);
}

const TF_TO_NUMPY: Record<string, NumpyDType> = {
  float32: "float32",
  int32: "int32",
  bool: "bool",
  string: "str",
};

export function toCoreTensor(t: tf.Tensor): Tensor {
  const dtype = TF_TO_NUMPY[t.dtype];
  if (dtype === undefined)
    throw new MlflowException(`Unsupported tfjs output dtype '${t.dtype}'.`, "INTERNAL_ERROR");
  const data = t.dataSync() as Float32Array | Int32Array | Uint8Array | string[];
  return { dtype, shape: t.shape.slice(), data: dtype === "str" ? Array.from(data as string[]) : data };
}

/** Convert one input value into the flat data tfjs needs for `spec`, with the model's dtype. */
export function toFeed(value: InputValue, spec: FeedSpec): Feed {
  let flat: ArrayLike<unknown>;
  let shape: number[];
  if (isTensor(value)) {
    flat = value.data;
    shape = value.shape.slice();
    if (flat.length !== shapeSize(shape)) {
      throw badInput(
        `Input '${spec.name}': shape [${shape}] needs ${shapeSize(shape)} values, got ${flat.length}.`,
      );
    }
  } else if (Array.isArray(value)) {
    ({ flat, shape } = nestedToFlat(value, spec.name));
  } else if ("frame" in value) {
    ({ flat, shape } = frameToFlat(value.frame, spec));
  } else {
    ({ flat, shape } = columnToFlat(value.column, spec.name));
  }
  shape = fitShape(shape, spec);
  return { data: convert(flat, spec.dtype, spec.name), shape, dtype: spec.dtype };
}

function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) return Number.NaN;
    n *= d;
  }
  return n;
}

/** Check the input shape against the model's and add a trailing 1 to a 1-D column for a [n, 1] input. */
function fitShape(shape: number[], spec: FeedSpec): number[] {
  const want = spec.shape;
  if (want === undefined) return shape;
  if (shape.length === want.length - 1 && want[want.length - 1] === 1) shape = [...shape, 1];
  const ok =
    shape.length === want.length &&
    want.every((d, i) => d === null || d === undefined || d < 0 || d === shape[i]);
  if (!ok) {
    const pretty = want.map((d) => (d === null || d === undefined || d < 0 ? -1 : d));
    throw badInput(`Input '${spec.name}' must have shape [${pretty}] (-1 = any size), got [${shape}].`);
  }
  return shape;
}

/** Core's nesting walk; a Uint8Array is a list of numbers here (tfjs has no bytes values), a ragged list an error. */
function nestedToFlat(value: ArrayLike<unknown>, name: string): { flat: unknown[]; shape: number[] } {
  const nested = flattenNested(value, { bytesAreScalars: false });
  if (nested === undefined) throw badInput(`Input '${name}' is a ragged nested list.`);
  return nested;
}

/** A column of scalars → [n]; a column of equal-length lists → [n, ...]. */
function columnToFlat(
  values: ArrayLike<unknown>,
  name: string,
): { flat: ArrayLike<unknown>; shape: number[] } {
  if (ArrayBuffer.isView(values)) return { flat: values, shape: [values.length] };
  const arr = values as unknown[];
  if (arr.length > 0 && (Array.isArray(arr[0]) || ArrayBuffer.isView(arr[0]))) return nestedToFlat(arr, name);
  return { flat: arr, shape: [arr.length] };
}

/**
 * A whole DataFrame as one [rows, columns] matrix (row-major), for a single-input model: core's
 * `dataFrameToTensor`. Numeric frames for a float32 input are written straight into float32; otherwise the
 * matrix has the frame's numpy dtype and `convert` casts it with tfjs's checks. A one-column frame of lists is
 * that column's tensor.
 */
function frameToFlat(df: DataFrame, spec: FeedSpec): { flat: ArrayLike<unknown>; shape: number[] } {
  const cols = df.columnList;
  if (cols.length === 1) {
    const only = columnToFlat(cols[0]!.values, spec.name);
    if (only.shape.length > 1) return only;
  }
  let target: NumpyDType | undefined;
  if (spec.dtype === "string") target = "object";
  else if (spec.dtype === "float32" && cols.every((c) => isNumericDType(c.dtype))) target = "float32";
  const t = dataFrameToTensor(df, target);
  return { flat: t.data, shape: t.shape };
}

function convert(values: ArrayLike<unknown>, dtype: tf.DataType, name: string): Feed["data"] {
  switch (dtype) {
    case "float32": {
      if (values instanceof Float32Array) return values;
      const out = new Float32Array(values.length);
      if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
        for (let i = 0; i < values.length; i++) out[i] = Number(values[i]);
      } else if (ArrayBuffer.isView(values)) {
        out.set(values as unknown as ArrayLike<number>);
      } else {
        for (let i = 0; i < values.length; i++) out[i] = toNumber(values[i], name);
      }
      return out;
    }
    case "int32": {
      if (values instanceof Int32Array) return values;
      const out = new Int32Array(values.length);
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        const n = typeof v === "bigint" ? Number(v) : toNumber(v, name);
        if (!Number.isInteger(n) || n < -2147483648 || n > 2147483647) {
          throw badInput(`Input '${name}' needs int32 values; ${String(v)} is not one.`);
        }
        out[i] = n;
      }
      return out;
    }
    case "bool": {
      const out = new Uint8Array(values.length);
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        out[i] =
          v === true || (typeof v === "number" && v !== 0) || (typeof v === "bigint" && v !== 0n) ? 1 : 0;
      }
      return out;
    }
    case "string": {
      const out: string[] = new Array(values.length);
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        if (v === null || v === undefined) throw badInput(`Input '${name}' has a missing string value.`);
        out[i] = v instanceof Uint8Array ? Buffer.from(v).toString("utf8") : String(v);
      }
      return out;
    }
    default:
      throw badInput(`Input '${name}' has dtype '${dtype}', which this package cannot feed.`);
  }
}

function toNumber(v: unknown, name: string): number {
  if (typeof v === "number") return v;
  if (v === null || v === undefined) return Number.NaN;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "bigint") return Number(v);
  throw badInput(`Input '${name}' needs numbers; got ${typeof v} ${JSON.stringify(v)?.slice(0, 40)}.`);
}
