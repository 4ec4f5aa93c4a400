/*
 * What flows between the steps of a pipeline. A pandas DataFrame (mixed columns) stays a Frame until a step
 * needs numbers; numeric steps work on row-major float64 Dense matrices; text features are CSR; a single
 * column selected by name (ColumnTransformer `"text"`) is a Series, as scikit-learn passes a pandas Series.
 */
export interface Dense {
  readonly kind: "dense";
  readonly rows: number;
  readonly cols: number;
  /** row-major, rows * cols */
  readonly data: Float64Array;
}

export interface Csr {
  readonly kind: "csr";
  readonly rows: number;
  readonly cols: number;
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly data: Float64Array;
}

export interface FrameColumn {
  /** numpy dtype of the column: float64, int64, bool, object, … */
  readonly dtype: string;
  readonly values: ArrayLike<unknown>;
}

/** Column-wise mixed data: a DataFrame (names) or a 2-D object array (names null). */
export interface Frame {
  readonly kind: "frame";
  readonly rows: number;
  readonly names: readonly string[] | null;
  readonly columns: readonly FrameColumn[];
}

export interface Series {
  readonly kind: "series";
  readonly rows: number;
  readonly name: string | null;
  readonly column: FrameColumn;
}

export type Data = Dense | Csr | Frame | Series;

export function dense(rows: number, cols: number, data?: Float64Array): Dense {
  return { kind: "dense", rows, cols, data: data ?? new Float64Array(rows * cols) };
}

export function numColumns(x: Data): number {
  return x.kind === "series" ? 1 : x.kind === "frame" ? x.columns.length : x.cols;
}

export function csrToDense(m: Csr): Dense {
  const out = dense(m.rows, m.cols);
  for (let r = 0; r < m.rows; r++) {
    for (let k = m.indptr[r]!; k < m.indptr[r + 1]!; k++) out.data[r * m.cols + m.indices[k]!] += m.data[k]!;
  }
  return out;
}

/** Horizontal stack of dense blocks (np.hstack). */
export function hstackDense(blocks: readonly Dense[], rows: number): Dense {
  let cols = 0;
  for (const b of blocks) cols += b.cols;
  const out = dense(rows, cols);
  let off = 0;
  for (const b of blocks) {
    for (let r = 0; r < rows; r++)
      out.data.set(b.data.subarray(r * b.cols, (r + 1) * b.cols), r * cols + off);
    off += b.cols;
  }
  return out;
}

/** Horizontal stack into CSR (scipy.sparse.hstack(...).tocsr()): column indices sorted within each row. */
export function hstackCsr(blocks: readonly (Dense | Csr)[], rows: number): Csr {
  let cols = 0;
  for (const b of blocks) cols += b.cols;
  const indptr = new Int32Array(rows + 1);
  const idx: number[] = [];
  const val: number[] = [];
  for (let r = 0; r < rows; r++) {
    let off = 0;
    for (const b of blocks) {
      if (b.kind === "dense") {
        for (let c = 0; c < b.cols; c++) {
          const v = b.data[r * b.cols + c]!;
          if (v !== 0) {
            idx.push(off + c);
            val.push(v);
          }
        }
      } else {
        for (let k = b.indptr[r]!; k < b.indptr[r + 1]!; k++) {
          idx.push(off + b.indices[k]!);
          val.push(b.data[k]!);
        }
      }
      off += b.cols;
    }
    indptr[r + 1] = idx.length;
  }
  return { kind: "csr", rows, cols, indptr, indices: Int32Array.from(idx), data: Float64Array.from(val) };
}

/** The columns of a dense matrix as float64 frame columns (a 2-D numpy array seen column by column). */
export function denseColumns(m: Dense): FrameColumn[] {
  const cols: FrameColumn[] = [];
  for (let j = 0; j < m.cols; j++) {
    const v = new Float64Array(m.rows);
    for (let r = 0; r < m.rows; r++) v[r] = m.data[r * m.cols + j]!;
    cols.push({ dtype: "float64", values: v });
  }
  return cols;
}

/** Columns [start, end) of a dense matrix. */
export function sliceColumns(x: Dense, cols: readonly number[]): Dense {
  const out = dense(x.rows, cols.length);
  for (let r = 0; r < x.rows; r++) {
    for (let j = 0; j < cols.length; j++) out.data[r * cols.length + j] = x.data[r * x.cols + cols[j]!]!;
  }
  return out;
}
