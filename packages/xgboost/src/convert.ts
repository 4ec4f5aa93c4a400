import {
  type ColumnValues,
  DataFrame,
  MlflowException,
  type PyFuncInput,
  type SparseMatrix,
} from "@pyfunc/core";
import { inputError } from "./errors.js";
import type { DenseMatrix } from "./matrix.js";

interface ColumnLike {
  name: string;
  dtype: string;
  values: ArrayLike<unknown>;
}

interface FrameLike {
  numRows: number;
  columnList: readonly ColumnLike[];
}

function isFrame(v: unknown): v is FrameLike {
  return (
    typeof v === "object" &&
    v !== null &&
    typeof (v as FrameLike).numRows === "number" &&
    Array.isArray((v as FrameLike).columnList)
  );
}

function isTensorLike(v: unknown): v is { dtype: string; shape: number[]; data: ArrayLike<unknown> } {
  if (typeof v !== "object" || v === null) return false;
  const t = v as { dtype?: unknown; shape?: unknown; data?: unknown };
  return (
    typeof t.dtype === "string" &&
    Array.isArray(t.shape) &&
    (ArrayBuffer.isView(t.data) || Array.isArray(t.data))
  );
}

function isSparse(v: unknown): v is SparseMatrix {
  if (typeof v !== "object" || v === null) return false;
  const s = v as Partial<SparseMatrix>;
  return (s.format === "csr" || s.format === "csc") && Array.isArray(s.shape) && s.indptr !== undefined;
}

function num(v: unknown, what: string): number {
  if (typeof v === "number") return v;
  if (v === null || v === undefined) return Number.NaN;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "bigint") return Number(v);
  throw inputError(
    `DataFrame.dtypes for data must be int, float or bool; ${what} holds a ${typeof v} value (${JSON.stringify(String(v)).slice(0, 40)})`,
  );
}

/** The feature matrix MLflow's wrapper builds (xgb.DMatrix(data)) plus the column names it carries. */
export interface FeatureMatrix {
  matrix: DenseMatrix;
  /** column names when the input was a DataFrame (DMatrix.feature_names), else null */
  names: string[] | null;
}

function fromFrame(df: FrameLike, numFeature: number, featureNames: string[] | null): FeatureMatrix {
  const cols = df.columnList;
  const names = cols.map((c) => c.name);
  let order: readonly ColumnLike[] = cols;
  if (featureNames !== null) {
    const missing = featureNames.filter((n) => !names.includes(n));
    const extra = names.filter((n) => !featureNames.includes(n));
    if (missing.length > 0 || extra.length > 0) {
      let msg = `feature_names mismatch: ${pyList(featureNames)} ${pyList(names)}`;
      if (missing.length > 0) msg += `\nexpected ${missing.join(", ")} in input data`;
      if (extra.length > 0) msg += `\ntraining data did not have the following fields: ${extra.join(", ")}`;
      throw inputError(msg);
    }
    const byName = new Map(cols.map((c) => [c.name, c] as const));
    order = featureNames.map((n) => byName.get(n)!);
  }
  const nCols = order.length;
  if (nCols > numFeature) throw inputError(`Feature shape mismatch, expected: ${numFeature}, got ${nCols}`);
  const n = df.numRows;
  if (n * numFeature > 2 ** 31 - 1) throw inputError("Input is too large");
  const X = new Float32Array(n * numFeature);
  if (nCols < numFeature) X.fill(Number.NaN);
  for (let c = 0; c < nCols; c++) {
    const col = order[c]!;
    const v = col.values;
    if (
      v instanceof Float64Array ||
      v instanceof Float32Array ||
      v instanceof Int32Array ||
      v instanceof Uint8Array ||
      v instanceof Int16Array ||
      v instanceof Int8Array ||
      v instanceof Uint16Array ||
      v instanceof Uint32Array
    ) {
      for (let r = 0; r < n; r++) X[r * numFeature + c] = v[r]!;
    } else {
      for (let r = 0; r < n; r++) X[r * numFeature + c] = num(v[r], `column '${col.name}'`);
    }
  }
  return { matrix: { X, numRows: n, numCols: numFeature }, names };
}

function pyList(a: readonly string[]): string {
  return `[${a.map((s) => `'${s}'`).join(", ")}]`;
}

function fromDense(data: ArrayLike<unknown>, rows: number, cols: number, numFeature: number): FeatureMatrix {
  if (cols > numFeature) throw inputError(`Feature shape mismatch, expected: ${numFeature}, got ${cols}`);
  if (rows * numFeature > 2 ** 31 - 1) throw inputError("Input is too large");
  const typed =
    ArrayBuffer.isView(data) && !(data instanceof BigInt64Array) && !(data instanceof BigUint64Array);
  if (typed && cols === numFeature && !(data instanceof DataView)) {
    // as Booster.predict's matrix: float32 data is used as it is (the kernels only read it), other typed arrays
    // are converted in one call (the same float32 rounding as assigning each value)
    if (data instanceof Float32Array)
      return { matrix: { X: data, numRows: rows, numCols: cols }, names: null };
    const X = new Float32Array(rows * cols);
    X.set(data as unknown as ArrayLike<number>);
    return { matrix: { X, numRows: rows, numCols: cols }, names: null };
  }
  const X = new Float32Array(rows * numFeature);
  if (cols < numFeature) X.fill(Number.NaN);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = data[r * cols + c];
      X[r * numFeature + c] = typed ? (v as number) : num(v, "the input");
    }
  }
  return { matrix: { X, numRows: rows, numCols: numFeature }, names: null };
}

function fromSparse(s: SparseMatrix, numFeature: number): FeatureMatrix {
  const [rows, cols] = s.shape;
  if (!Number.isSafeInteger(rows) || !Number.isSafeInteger(cols) || rows < 0 || cols < 0) {
    throw inputError("Invalid sparse matrix shape");
  }
  if (cols > numFeature) throw inputError(`Feature shape mismatch, expected: ${numFeature}, got ${cols}`);
  if (rows * numFeature > 2 ** 31 - 1) throw inputError("Input is too large");
  // entries absent from a scipy sparse matrix are missing values for XGBoost
  const X = new Float32Array(rows * numFeature).fill(Number.NaN);
  const outer = s.format === "csr" ? rows : cols;
  if (s.indptr.length !== outer + 1) throw inputError("Invalid sparse matrix: indptr length");
  for (let o = 0; o < outer; o++) {
    const a = s.indptr[o]!;
    const b = s.indptr[o + 1]!;
    if (!(a >= 0 && b >= a && b <= s.indices.length && b <= s.values.length))
      throw inputError("Invalid sparse matrix");
    for (let k = a; k < b; k++) {
      const inner = s.indices[k]!;
      const r = s.format === "csr" ? o : inner;
      const c = s.format === "csr" ? inner : o;
      if (!(r >= 0 && r < rows && c >= 0 && c < cols))
        throw inputError("Invalid sparse matrix: index out of range");
      X[r * numFeature + c] = s.values[k]!;
    }
  }
  return { matrix: { X, numRows: rows, numCols: numFeature }, names: null };
}

/**
 * pyfunc input → the float32 matrix `xgb.DMatrix(data)` would hold: a DataFrame (columns matched
 * to the model's feature names when it has them), records, a dict of columns, a 2-D tensor, a list
 * of rows or a scipy-style sparse matrix. NaN/null are missing values.
 */
export function toFeatureMatrix(
  input: PyFuncInput,
  numFeature: number,
  featureNames: string[] | null,
): FeatureMatrix {
  if (isFrame(input)) return fromFrame(input, numFeature, featureNames);
  if (isTensorLike(input)) {
    if (input.shape.length !== 2) {
      throw inputError(
        `Expecting 2 dimensional numpy.ndarray, got: (${input.shape.join(", ")}${input.shape.length === 1 ? "," : ""})`,
      );
    }
    const [rows, cols] = input.shape as [number, number];
    if (input.data.length !== rows * cols) throw inputError("Tensor data length does not match its shape");
    if (input.dtype === "str" || input.dtype === "bytes" || input.dtype === "object") {
      throw inputError(`Tensor dtype ${input.dtype} is not supported by XGBoost`);
    }
    return fromDense(input.data, rows, cols, numFeature);
  }
  if (isSparse(input)) return fromSparse(input, numFeature);
  if (Array.isArray(input)) {
    if (
      input.length > 0 &&
      input.every((r) => typeof r === "object" && r !== null && !Array.isArray(r) && !ArrayBuffer.isView(r))
    ) {
      return fromFrame(DataFrame.fromRecords(input as Record<string, unknown>[]), numFeature, featureNames);
    }
    if (input.length === 0) return fromDense([], 0, numFeature, numFeature);
    const rows = input as unknown[];
    if (rows.every((r) => Array.isArray(r) || ArrayBuffer.isView(r))) {
      const cols = (rows[0] as ArrayLike<unknown>).length;
      const flat: unknown[] = new Array(rows.length * cols);
      rows.forEach((r, i) => {
        const a = r as ArrayLike<unknown>;
        if (a.length !== cols) throw inputError("All rows must have the same number of values");
        for (let c = 0; c < cols; c++) flat[i * cols + c] = a[c];
      });
      return fromDense(flat, rows.length, cols, numFeature);
    }
    throw inputError("Expecting 2 dimensional input (a list of rows)");
  }
  if (typeof input === "object" && input !== null) {
    const values = Object.values(input);
    if (values.length > 0 && values.every((v) => Array.isArray(v) || ArrayBuffer.isView(v))) {
      return fromFrame(
        DataFrame.fromColumns(input as Record<string, ColumnValues>),
        numFeature,
        featureNames,
      );
    }
    // a single record
    return fromFrame(DataFrame.fromRecords([input as Record<string, unknown>]), numFeature, featureNames);
  }
  throw inputError(`Unsupported input type for an XGBoost model: ${input === null ? "null" : typeof input}`);
}

/**
 * xgb.DMatrix's check (XGBoost data.cc: "Input data contains `inf` or `nan`"): a value that is infinite once
 * stored as float32 (±Infinity, or a double beyond float32's range such as 1e308) is refused, NaN is missing.
 * MLflow's scoring server answers such a request 400 BAD_REQUEST.
 */
export function assertFiniteForDMatrix(matrix: DenseMatrix): void {
  const X = matrix.X;
  for (let i = 0; i < X.length; i++) {
    const v = X[i]!;
    if (v === Number.POSITIVE_INFINITY || v === Number.NEGATIVE_INFINITY) {
      const row = Math.floor(i / matrix.numCols);
      throw new MlflowException(
        `Input data contains \`inf\` or \`nan\`: row ${row}, column ${i - row * matrix.numCols} is ${v} as float32 ` +
          "(xgboost.DMatrix refuses infinite values; a value beyond float32's range is infinite once stored)",
        "BAD_REQUEST",
      );
    }
  }
}
