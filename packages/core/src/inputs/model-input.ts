import type { DataFrame } from "./dataframe.js";
import type { Tensor, TensorDict } from "./tensor.js";

/** Params passed next to the data, as MLflow's `predict(data, params)`. */
export type Params = Record<string, unknown>;

/**
 * Everything `PyFuncModel.predict` accepts, mirroring MLflow's Inference API in JavaScript terms.
 * Plain shapes work everywhere: a tensor as `{dtype, shape, data}`, a DataFrame as an array of records
 * or a dict of columns. Apache Arrow `Table`s and sparse matrices are accepted too (see SparseMatrix).
 */
export type PyFuncInput =
  | DataFrame
  | Tensor
  | TensorDict
  | SparseMatrix
  | Record<string, unknown>[]
  | Record<string, unknown>
  | unknown[]
  | string
  | number
  | boolean
  | null;

/** What a model returns; the same families as the input (a DataFrame, a tensor, a dict, a list, a scalar). */
export type PyFuncOutput = PyFuncInput | undefined;

/** A scipy.sparse csr_matrix / csc_matrix. */
export interface SparseMatrix {
  format: "csr" | "csc";
  shape: [number, number];
  indptr: Int32Array | number[];
  indices: Int32Array | number[];
  values: Float32Array | Float64Array | number[];
}

export function isSparseMatrix(value: unknown): value is SparseMatrix {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Partial<SparseMatrix>;
  return (v.format === "csr" || v.format === "csc") && Array.isArray(v.shape) && v.indptr !== undefined;
}
