import { DataFrame, isTensor, type PyFuncInput, type SparseMatrix } from "@pyfunc/core";
import { isSparseMatrix } from "@pyfunc/core/inputs";
import { ZERO_THRESHOLD } from "@pyfunc/forest";
import type { PandasCategories } from "./categorical.js";
import { inputError } from "./errors.js";

/*
 * pyfunc input → the dense double matrix LightGBM's predictor reads. The Python package takes a DataFrame's
 * columns by position (validate_features=False), builds one numpy matrix whose dtype (float32 or float64)
 * holds every value exactly, recodes pandas category columns against `pandas_categorical`, and while
 * building dense rows turns every |x| <= 1e-35 (and -0.0) into 0.0. NaN is kept: the trees' missing rules
 * decide what it means.
 */

/** A row-major double matrix with the model's column count. */
export interface FeatureMatrix {
  X: Float64Array;
  numRows: number;
  numCols: number;
}

const MAX_CELLS = 2 ** 31 - 1;

/** LightGBM's dense-row rule: |x| <= kZeroThreshold becomes exactly 0. */
function clean(x: number): number {
  return x >= -ZERO_THRESHOLD && x <= ZERO_THRESHOLD ? 0 : x;
}

function numeric(v: unknown, column: string, dtype: string): number {
  if (typeof v === "number") return v;
  if (v === null || v === undefined) return Number.NaN;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "bigint") return Number(v);
  throw inputError(
    `pandas dtypes must be int, float or bool.\nFields with bad pandas dtypes: ${column}: ${dtype === "object" || dtype === "str" ? "object" : dtype}`,
  );
}

function shapeError(got: number, want: number): never {
  throw inputError(
    `The number of features in data (${got}) is not the same as it was in training data (${want}).`,
  );
}

function allocate(rows: number, cols: number): Float64Array {
  if (!Number.isSafeInteger(rows) || rows < 0 || rows * cols > MAX_CELLS) {
    throw inputError(`Input of ${rows} rows x ${cols} features is too large`);
  }
  return new Float64Array(rows * cols);
}

/** The caller's one-row buffer when the input is one row that fills it, else a new matrix. */
function rowsBuffer(rows: number, cols: number, row: Float64Array | undefined): Float64Array {
  return row !== undefined && rows === 1 && row.length === cols ? row : allocate(rows, cols);
}

function fromFrame(
  df: DataFrame,
  numFeatures: number,
  cats: PandasCategories | null,
  row: Float64Array | undefined,
): FeatureMatrix {
  const cols = df.columnList;
  if (cols.length !== numFeatures) shapeError(cols.length, numFeatures);
  if (cats?.problem) throw inputError(cats.problem);
  const n = df.numRows;
  const X = rowsBuffer(n, numFeatures, row);
  for (let c = 0; c < numFeatures; c++) {
    const col = cols[c]!;
    const v = col.values;
    if (cats?.isCategorical(c)) {
      // a pandas category column: the value's index in the training category list
      for (let r = 0; r < n; r++) X[r * numFeatures + c] = cats.code(c, v[r]);
    } else if (ArrayBuffer.isView(v) && !(v instanceof BigInt64Array) && !(v instanceof BigUint64Array)) {
      const a = v as unknown as ArrayLike<number>;
      for (let r = 0; r < n; r++) X[r * numFeatures + c] = clean(a[r]!);
    } else {
      for (let r = 0; r < n; r++) X[r * numFeatures + c] = clean(numeric(v[r], col.name, col.dtype));
    }
  }
  return { X, numRows: n, numCols: numFeatures };
}

function fromDense(
  data: ArrayLike<unknown>,
  rows: number,
  cols: number,
  numFeatures: number,
  row: Float64Array | undefined,
): FeatureMatrix {
  if (cols !== numFeatures) shapeError(cols, numFeatures);
  const X = rowsBuffer(rows, cols, row);
  const typed =
    ArrayBuffer.isView(data) && !(data instanceof BigInt64Array) && !(data instanceof BigUint64Array);
  const n = rows * cols;
  if (typed) {
    const a = data as ArrayLike<number>;
    for (let i = 0; i < n; i++) X[i] = clean(a[i]!);
  } else {
    for (let i = 0; i < n; i++) {
      const v = data[i];
      if (typeof v === "string") throw inputError("Cannot predict on a matrix of strings: use a DataFrame");
      X[i] = clean(numeric(v, "the input", "object"));
    }
  }
  return { X, numRows: rows, numCols: cols };
}

/** scipy.sparse input: entries a sparse matrix does not store are 0 for LightGBM (not missing). */
function fromSparse(s: SparseMatrix, numFeatures: number): FeatureMatrix {
  const [rows, cols] = s.shape;
  if (!Number.isSafeInteger(rows) || !Number.isSafeInteger(cols) || rows < 0 || cols < 0) {
    throw inputError("Invalid sparse matrix shape");
  }
  if (cols !== numFeatures) shapeError(cols, numFeatures);
  const X = allocate(rows, cols);
  const outer = s.format === "csr" ? rows : cols;
  if (s.indptr.length !== outer + 1) throw inputError("Invalid sparse matrix: indptr length");
  for (let o = 0; o < outer; o++) {
    const a = s.indptr[o]!;
    const b = s.indptr[o + 1]!;
    if (!(a >= 0 && b >= a && b <= s.indices.length && b <= s.values.length)) {
      throw inputError("Invalid sparse matrix");
    }
    for (let k = a; k < b; k++) {
      const inner = s.indices[k]!;
      const r = s.format === "csr" ? o : inner;
      const c = s.format === "csr" ? inner : o;
      if (!(Number.isInteger(r) && Number.isInteger(c) && r >= 0 && r < rows && c >= 0 && c < cols)) {
        throw inputError("Invalid sparse matrix: index out of range");
      }
      X[r * cols + c] = clean(s.values[k]!);
    }
  }
  return { X, numRows: rows, numCols: cols };
}

/**
 * Any pyfunc input as the matrix `Booster.predict` builds: a DataFrame (also records or a dict of columns;
 * columns by position; pandas category columns recoded when the model has `pandas_categorical`), a 2-D
 * tensor or list of rows (numpy: values used as they are, category codes included), or a scipy-style sparse
 * matrix. `row` (numFeatures values), when given, receives a one-row dense input or DataFrame instead of a new
 * array (every value is written, so nothing of an earlier row remains): the returned matrix then shares it.
 */
export function toFeatureMatrix(
  input: PyFuncInput,
  numFeatures: number,
  cats: PandasCategories | null,
  row?: Float64Array,
): FeatureMatrix {
  if (input instanceof DataFrame) return fromFrame(input, numFeatures, cats, row);
  if (isTensor(input)) {
    if (input.shape.length !== 2) throw inputError("Input numpy.ndarray or list must be 2 dimensional");
    const [rows, cols] = input.shape as [number, number];
    if (!Number.isSafeInteger(rows) || !Number.isSafeInteger(cols) || rows < 0 || cols < 0) {
      throw inputError(`Invalid tensor shape [${input.shape.join(", ")}]`);
    }
    if (input.data.length !== rows * cols) throw inputError("Tensor data length does not match its shape");
    if (input.dtype === "str" || input.dtype === "bytes" || input.dtype === "object") {
      throw inputError(`Cannot predict on a ${input.dtype} tensor: LightGBM needs numbers`);
    }
    return fromDense(input.data, rows, cols, numFeatures, row);
  }
  if (isSparseMatrix(input)) return fromSparse(input, numFeatures);
  if (Array.isArray(input)) {
    if (input.length === 0) return { X: new Float64Array(0), numRows: 0, numCols: numFeatures };
    if (
      input.every((r) => typeof r === "object" && r !== null && !Array.isArray(r) && !ArrayBuffer.isView(r))
    ) {
      return fromFrame(DataFrame.fromRecords(input as Record<string, unknown>[]), numFeatures, cats, row);
    }
    if (input.every((r) => Array.isArray(r) || ArrayBuffer.isView(r))) {
      const rows = input as ArrayLike<unknown>[];
      const cols = rows[0]!.length;
      const flat: unknown[] = new Array(rows.length * cols);
      rows.forEach((row, i) => {
        if (row.length !== cols) throw inputError("All rows must have the same number of values");
        for (let c = 0; c < cols; c++) flat[i * cols + c] = row[c];
      });
      return fromDense(flat, rows.length, cols, numFeatures, row);
    }
    throw inputError("Input numpy.ndarray or list must be 2 dimensional");
  }
  if (typeof input === "object" && input !== null) {
    const values = Object.values(input);
    if (values.length > 0 && values.every((v) => Array.isArray(v) || ArrayBuffer.isView(v))) {
      return fromFrame(
        DataFrame.fromColumns(input as Parameters<typeof DataFrame.fromColumns>[0]),
        numFeatures,
        cats,
        row,
      );
    }
    return fromFrame(DataFrame.fromRecords([input as Record<string, unknown>]), numFeatures, cats, row);
  }
  throw inputError(`Cannot predict on ${input === null ? "null" : typeof input} input with a LightGBM model`);
}
