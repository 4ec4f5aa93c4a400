import { isTypedArray, type NumpyDType, type TypedArray } from "./dtype.js";

/**
 * A dense n-dimensional array: flat row-major `data`, a `shape`, and a numpy dtype name.
 * Any plain object of this shape is a Tensor; no class is needed to pass one in.
 * Numeric dtypes hold a typed array (int64 → BigInt64Array); str/bytes/object hold a JS array.
 */
export interface Tensor<D extends NumpyDType = NumpyDType> {
  dtype: D;
  shape: number[];
  data: TypedArray | unknown[];
}

/** A dict of named tensors, as a multi-input model takes or a multi-output model returns. */
export type TensorDict = Record<string, Tensor>;

export function isTensor(value: unknown): value is Tensor {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Partial<Tensor>;
  return (
    typeof v.dtype === "string" && Array.isArray(v.shape) && (isTypedArray(v.data) || Array.isArray(v.data))
  );
}

export function isTensorDict(value: unknown): value is TensorDict {
  if (typeof value !== "object" || value === null || Array.isArray(value) || isTensor(value)) return false;
  const entries = Object.values(value);
  return entries.length > 0 && entries.every(isTensor);
}

export function tensorSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
