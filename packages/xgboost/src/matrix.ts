import { inputError } from "./errors.js";

/** A dense row-major matrix: `{data, shape: [rows, cols]}` (a core Tensor fits), or a list of rows. */
export type MatrixLike =
  | { data: ArrayLike<number | bigint | null | boolean> | readonly unknown[]; shape: readonly number[] }
  | readonly (ArrayLike<number | null> | readonly unknown[])[];

export interface DenseMatrix {
  X: Float32Array;
  numRows: number;
  numCols: number;
}

const MAX_CELLS = 2 ** 31 - 1;

function cell(v: unknown): number {
  if (typeof v === "number") return v;
  if (v === null || v === undefined) return Number.NaN;
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "boolean") return v ? 1 : 0;
  throw inputError(`Cannot use a ${typeof v} value as an XGBoost feature value`);
}

/**
 * Converts input to the float32 row-major matrix XGBoost predicts on: values are rounded to
 * float32 (as a DMatrix stores them), `missing` (and null/NaN) becomes NaN, and a matrix with
 * fewer columns than the model's features is padded with missing values.
 * `alloc` lets the caller place the matrix in shared memory.
 */
export function toDenseMatrix(
  input: MatrixLike,
  numFeature: number,
  missing: number,
  alloc?: (n: number) => Float32Array,
): DenseMatrix {
  const allocate = alloc ?? ((n: number) => new Float32Array(n));
  let numRows: number;
  let numCols: number;
  let get: (r: number, c: number) => number;
  if (Array.isArray(input)) {
    const rows = input as readonly ArrayLike<unknown>[];
    numRows = rows.length;
    numCols = numRows === 0 ? numFeature : (rows[0]?.length ?? 0);
    for (let r = 0; r < numRows; r++) {
      const row = rows[r];
      if (row === null || typeof row !== "object" || row.length !== numCols) {
        throw inputError(
          `Row ${r} has ${row?.length ?? 0} values, expected ${numCols} (rows must have equal length).`,
        );
      }
    }
    get = (r, c) => cell(rows[r]![c]);
  } else {
    const m = input as { data: ArrayLike<unknown>; shape: readonly number[] };
    if (!m || m.data === undefined || !Array.isArray(m.shape))
      throw inputError("Expected a matrix {data, shape}");
    if (m.shape.length === 1) {
      numRows = 1;
      numCols = m.shape[0]!;
    } else if (m.shape.length === 2) {
      numRows = m.shape[0]!;
      numCols = m.shape[1]!;
    } else throw inputError(`Expected a 2-D matrix, got shape [${m.shape.join(", ")}]`);
    if (!Number.isSafeInteger(numRows) || !Number.isSafeInteger(numCols) || numRows < 0 || numCols < 0) {
      throw inputError(`Invalid matrix shape [${m.shape.join(", ")}]`);
    }
    if (m.data.length !== numRows * numCols) {
      throw inputError(
        `Matrix data has ${m.data.length} values but shape [${m.shape.join(", ")}] needs ${numRows * numCols}`,
      );
    }
    const d = m.data;
    if (
      numCols === numFeature &&
      Number.isNaN(missing) &&
      (d instanceof Float32Array || d instanceof Float64Array || d instanceof Int32Array)
    ) {
      // float32 input is used as it is (the kernels only read it), unless the caller wants its own copy
      if (alloc === undefined && d instanceof Float32Array) return { X: d, numRows, numCols };
      const X = allocate(numRows * numCols);
      X.set(d as ArrayLike<number>);
      return { X, numRows, numCols };
    }
    get = (r, c) => cell(d[r * numCols + c]);
  }
  if (numCols > numFeature) {
    throw inputError(`Feature shape mismatch, expected: ${numFeature}, got ${numCols}`);
  }
  if (numRows * numFeature > MAX_CELLS) throw inputError("Input matrix is too large");
  const X = allocate(numRows * numFeature);
  const checkMissing = !Number.isNaN(missing);
  const m32 = Math.fround(missing);
  for (let r = 0; r < numRows; r++) {
    const o = r * numFeature;
    for (let c = 0; c < numCols; c++) {
      let v = Math.fround(get(r, c));
      if (checkMissing && v === m32) v = Number.NaN;
      X[o + c] = v;
    }
    for (let c = numCols; c < numFeature; c++) X[o + c] = Number.NaN;
  }
  return { X, numRows, numCols: numFeature };
}
