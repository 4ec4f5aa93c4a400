/**
 * Conversions between the Inference API input types, as MLflow/pandas/numpy do them:
 * anything → DataFrame, DataFrame → row-major tensor, nested lists → tensor, Arrow Table → DataFrame.
 * Numeric columns stay typed arrays end to end (no per-cell boxing).
 */
import type { Table } from "apache-arrow";
import { MlflowException } from "../errors/mlflow-exception.js";
import { inferObjectValues } from "../schema/enforce-types.js";
import { pyTypeName } from "../schema/types.js";
import { dataFrameFromArrow, isArrowTable } from "./arrow.js";
import {
  type Column,
  type ColumnValues,
  columnsOfRecords,
  DataFrame,
  dtypeOfTypedArray,
} from "./dataframe.js";
import {
  isNumericDType,
  isTypedArray,
  type NumericTypedArray,
  type NumpyDType,
  TYPED_ARRAY_FOR_DTYPE,
  type TypedArray,
} from "./dtype.js";
import { isSparseMatrix, type PyFuncInput, type SparseMatrix } from "./model-input.js";
import { isTensor, isTensorDict, type Tensor, tensorSize } from "./tensor.js";

/** A column from JS values with pandas' dtype inference (typed arrays keep their dtype). */
export function columnFrom(name: string, values: ColumnValues, dtype?: string): Column {
  if (isTypedArray(values)) {
    return { name, dtype: (dtype ?? dtypeOfTypedArray(values)) as Column["dtype"], values };
  }
  const inferred = inferObjectValues(values);
  return { name, dtype: inferred.dtype as Column["dtype"], values: inferred.values };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v) || ArrayBuffer.isView(v)) return false;
  if (v instanceof Date || v instanceof DataFrame || isArrowTable(v)) return false;
  return true;
}

/** `pd.DataFrame(list)`: records, rows of lists, or a single column of scalars. */
export function dataFrameFromList(list: readonly unknown[]): DataFrame {
  if (list.length === 0) return new DataFrame([]);
  if (list.every(isPlainObject)) return dataFrameFromRecords(list as Record<string, unknown>[]);
  if (list.every((x) => Array.isArray(x) || (isTypedArray(x) && !(x instanceof Uint8Array)) || isTensor(x))) {
    const rows = list.map((x) =>
      isTensor(x) ? Array.from(x.data as ArrayLike<unknown>) : Array.from(x as ArrayLike<unknown>),
    );
    const width = Math.max(...rows.map((r) => r.length));
    const cols: Column[] = [];
    for (let c = 0; c < width; c++) {
      cols.push(
        columnFrom(
          String(c),
          rows.map((r) => (c < r.length ? r[c] : null)),
        ),
      );
    }
    return new DataFrame(cols);
  }
  return new DataFrame([columnFrom("0", [...list])]);
}

/** `pd.DataFrame(records)`: columns in order of first appearance, missing keys → null. */
export function dataFrameFromRecords(records: readonly Record<string, unknown>[]): DataFrame {
  return new DataFrame([...columnsOfRecords(records)].map(([name, values]) => columnFrom(name, values)));
}

/** `pd.DataFrame(dict)`: each value a column (lists, typed arrays, 1-D tensors); scalars are broadcast. */
export function dataFrameFromDictOfColumns(dict: Record<string, unknown>): DataFrame {
  const entries = Object.entries(dict);
  let n = -1;
  const lengthOf = (v: unknown): number => {
    if (isTensor(v)) return v.shape.length === 0 ? -1 : v.shape[0]!;
    if (Array.isArray(v) || (isTypedArray(v) && !(v instanceof Uint8Array)))
      return (v as ArrayLike<unknown>).length;
    return -1;
  };
  for (const [, v] of entries) {
    const len = lengthOf(v);
    if (len < 0) continue;
    if (n >= 0 && len !== n)
      throw new MlflowException("All arrays must be of the same length", "INVALID_PARAMETER_VALUE");
    n = len;
  }
  if (n < 0) {
    if (entries.length === 0) return new DataFrame([]);
    throw new MlflowException(
      "If using all scalar values, you must pass an index",
      "INVALID_PARAMETER_VALUE",
    );
  }
  return new DataFrame(
    entries.map(([name, v]) => {
      if (isTensor(v)) {
        if (v.shape.length <= 1) return columnFrom(name, v.data, v.dtype);
        return { name, dtype: "object" as const, values: tensorRows(v) };
      }
      if (isTypedArray(v) && !(v instanceof Uint8Array)) return columnFrom(name, v);
      if (Array.isArray(v)) return columnFrom(name, v);
      return columnFrom(name, new Array(n).fill(v));
    }),
  );
}

/** The rows of a tensor as nested JS lists (`ndarray.tolist()` along the first axis). */
export function tensorRows(t: Tensor): unknown[] {
  const nested = tensorToNested(t);
  return Array.isArray(nested) ? nested : [nested];
}

/** `ndarray.tolist()`: nested JS arrays (int64 as numbers when safe). */
export function tensorToNested(t: Tensor): unknown {
  const data = t.data as ArrayLike<unknown>;
  const cell = (i: number): unknown => {
    const v = data[i];
    if (typeof v === "bigint") return Number.isSafeInteger(Number(v)) ? Number(v) : v;
    if (t.dtype === "bool") return v === 1 || v === true;
    return v;
  };
  if (t.shape.length === 0) return cell(0);
  const build = (dim: number, offset: number): unknown[] => {
    const size = t.shape[dim]!;
    const stride = tensorSize(t.shape.slice(dim + 1));
    const out = new Array(size);
    for (let i = 0; i < size; i++) {
      out[i] = dim === t.shape.length - 1 ? cell(offset + i) : build(dim + 1, offset + i * stride);
    }
    return out;
  };
  return build(0, 0);
}

/** A 1-D or 2-D tensor as a DataFrame (`pd.DataFrame(ndarray)`): columns "0".."k-1". */
export function dataFrameFromTensor(t: Tensor): DataFrame {
  if (t.shape.length === 1) return new DataFrame([columnFrom("0", t.data, t.dtype)]);
  if (t.shape.length === 0) return new DataFrame([columnFrom("0", t.data, t.dtype)]);
  if (t.shape.length !== 2) {
    throw new MlflowException(`Must pass 2-d input. shape=${shapeRepr(t.shape)}`, "INVALID_PARAMETER_VALUE");
  }
  const [rows, width] = t.shape as [number, number];
  const cols: Column[] = [];
  const src = t.data;
  for (let c = 0; c < width; c++) {
    if (isTypedArray(src)) {
      const Ctor = src.constructor as new (n: number) => TypedArray;
      const out = new Ctor(rows);
      for (let r = 0; r < rows; r++) (out as Float64Array)[r] = (src as Float64Array)[r * width + c]!;
      cols.push({ name: String(c), dtype: t.dtype as Column["dtype"], values: out });
    } else {
      const vals = new Array(rows);
      for (let r = 0; r < rows; r++) vals[r] = src[r * width + c];
      cols.push(columnFrom(String(c), vals));
    }
  }
  return new DataFrame(cols);
}

export function shapeRepr(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
}

/**
 * Converts any tabular Inference API input to a DataFrame as MLflow would for a column-based model:
 * DataFrame, Arrow Table, records, dict of columns (or one row when every value is a scalar), lists,
 * 1-D/2-D tensors, dicts of tensors and scalars.
 */
export function toDataFrame(input: PyFuncInput | Table): DataFrame {
  if (input instanceof DataFrame) return input;
  if (isArrowTable(input)) return dataFrameFromArrow(input);
  if (isTensor(input)) return dataFrameFromTensor(input);
  if (Array.isArray(input)) return dataFrameFromList(input);
  if (isSparseMatrix(input)) return dataFrameFromTensor(sparseToDense(input));
  if (isPlainObject(input)) {
    const values = Object.values(input);
    if (
      values.every((v) => isScalarOrNone(v) || (Array.isArray(v) && v.every((x) => typeof x === "string")))
    ) {
      return dataFrameFromRecords([input]);
    }
    return dataFrameFromDictOfColumns(input);
  }
  if (isScalarOrNone(input) && input !== null) return new DataFrame([columnFrom("0", [input])]);
  throw new MlflowException(
    `Expected input to be DataFrame. Found: ${pyTypeName(input)}`,
    "INVALID_PARAMETER_VALUE",
  );
}

/** numpy's `np.isscalar(x) or x is None` for JS values. */
export function isScalarOrNone(v: unknown): boolean {
  return (
    v === null ||
    v === undefined ||
    typeof v === "number" ||
    typeof v === "string" ||
    typeof v === "boolean" ||
    typeof v === "bigint" ||
    v instanceof Uint8Array
  );
}

const bitsOf = (d: string): number => Number(/\d+$/.exec(d)![0]);

/** numpy's `promote_types` for two numeric dtypes (bool excluded). */
function promotePair(a: string, b: string): string {
  if (a === b) return a;
  const fa = a.startsWith("float");
  const fb = b.startsWith("float");
  if (fa || fb) {
    if (fa && fb) return bitsOf(a) >= bitsOf(b) ? a : b;
    const [f, i] = fa ? [a, b] : [b, a];
    // the smallest float that holds every value of the integer type: 8 bits -> float16, 16 -> float32, else float64
    const needed = bitsOf(i) <= 8 ? 16 : bitsOf(i) <= 16 ? 32 : 64;
    return `float${Math.max(bitsOf(f), needed)}`;
  }
  const ua = a.startsWith("uint");
  const ub = b.startsWith("uint");
  if (ua === ub) return bitsOf(a) >= bitsOf(b) ? a : b;
  const [u, i] = ua ? [a, b] : [b, a];
  if (bitsOf(u) < bitsOf(i)) return i;
  return bitsOf(u) >= 64 ? "float64" : `int${bitsOf(u) * 2}`;
}

/**
 * The dtype `DataFrame.to_numpy()` gives for columns of these dtypes: numpy's `result_type` for numeric dtypes
 * (folded with the float dtypes first, which is what numpy's many-argument promotion amounts to: int8, uint8 and
 * float16 give float16), bool only with bool, and object for anything else or bool mixed with numbers (pandas'
 * `find_common_type`). Checked against a table numpy and pandas generated (fixtures/dtype).
 */
export function commonDType(dtypes: readonly string[]): string {
  if (dtypes.length === 0) return "float64"; // np.empty((n, 0))
  const first = dtypes[0]!;
  let same = true;
  for (let i = 1; i < dtypes.length && same; i++) same = dtypes[i] === first;
  if (same) return first; // the common case, without building a set
  const uniq = [...new Set(dtypes)];
  if (uniq.some((d) => !isNumericDType(d) || d === "bool")) return "object";
  const ordered = [
    ...uniq.filter((d) => d.startsWith("float")),
    ...uniq.filter((d) => !d.startsWith("float")),
  ];
  let result = ordered[0]!;
  for (let i = 1; i < ordered.length; i++) result = promotePair(result, ordered[i]!);
  return result;
}

/** `df.values.dtype`: {@link commonDType} of the frame's column dtypes (without building a list for the usual one-dtype frame). */
export function frameDType(df: DataFrame): string {
  const cols = df.columnList;
  if (cols.length === 0) return "float64";
  const first = cols[0]!.dtype;
  for (let i = 1; i < cols.length; i++)
    if (cols[i]!.dtype !== first) return commonDType(cols.map((c) => c.dtype));
  return first;
}

/** Casts one JS/typed cell to a number for a numeric dtype; refuses what numpy refuses. */
function toNumberCell(v: unknown): number {
  if (typeof v === "number") return v;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "bigint") return Number(v);
  if (v === null || v === undefined) return Number.NaN;
  if (typeof v === "string") {
    const t = v.trim();
    const n = t === "" ? Number.NaN : Number(t);
    if (Number.isNaN(n) && !/^[+-]?nan$/i.test(t)) {
      throw new MlflowException(`could not convert string to float: '${v}'`, "INVALID_PARAMETER_VALUE");
    }
    return n;
  }
  throw new MlflowException(`could not convert ${pyTypeName(v)} to a number`, "INVALID_PARAMETER_VALUE");
}

/** Allocates a typed array for a numeric dtype. */
export function allocTyped(dtype: NumpyDType, n: number): TypedArray {
  if (!isNumericDType(dtype))
    throw new MlflowException(`dtype ${dtype} has no typed array`, "INVALID_PARAMETER_VALUE");
  return new TYPED_ARRAY_FOR_DTYPE[dtype](n);
}

/*
 * Strided copies, one function per common (source, target) pair so that each loop's element accesses stay
 * monomorphic: a single loop shared by every typed-array type goes megamorphic and runs several times slower.
 * float64 → float32 writes the rounded values straight into the float32 result (no float64 intermediate).
 */
function copyF64ToF32(v: Float64Array, o: Float32Array, offset: number, stride: number): void {
  for (let i = 0, j = offset, n = v.length; i < n; i++, j += stride) o[j] = v[i]!;
}
function copyF32ToF32(v: Float32Array, o: Float32Array, offset: number, stride: number): void {
  for (let i = 0, j = offset, n = v.length; i < n; i++, j += stride) o[j] = v[i]!;
}
function copyF64ToF64(v: Float64Array, o: Float64Array, offset: number, stride: number): void {
  for (let i = 0, j = offset, n = v.length; i < n; i++, j += stride) o[j] = v[i]!;
}
function copyF32ToF64(v: Float32Array, o: Float64Array, offset: number, stride: number): void {
  for (let i = 0, j = offset, n = v.length; i < n; i++, j += stride) o[j] = v[i]!;
}
function copyI32ToF64(v: Int32Array, o: Float64Array, offset: number, stride: number): void {
  for (let i = 0, j = offset, n = v.length; i < n; i++, j += stride) o[j] = v[i]!;
}
function copyI32ToF32(v: Int32Array, o: Float32Array, offset: number, stride: number): void {
  for (let i = 0, j = offset, n = v.length; i < n; i++, j += stride) o[j] = v[i]!;
}
function copyAnyNumeric(v: NumericTypedArray, o: NumericTypedArray, offset: number, stride: number): void {
  for (let i = 0, j = offset, n = v.length; i < n; i++, j += stride) o[j] = v[i]!;
}

/** Writes `values` (typed or JS) into `out` at `offset + i*stride`, casting to out's element type. */
function scatter(values: ColumnValues, out: TypedArray, offset: number, stride: number): void {
  // fast paths first (few type checks: this runs once per column, and frames are often one row)
  if (out instanceof Float32Array) {
    if (values instanceof Float64Array) {
      if (stride === 1) out.set(values, offset);
      else copyF64ToF32(values, out, offset, stride);
      return;
    }
    if (values instanceof Float32Array) {
      if (stride === 1) out.set(values, offset);
      else copyF32ToF32(values, out, offset, stride);
      return;
    }
    if (values instanceof Int32Array) {
      if (stride === 1) out.set(values, offset);
      else copyI32ToF32(values, out, offset, stride);
      return;
    }
  } else if (out instanceof Float64Array) {
    if (values instanceof Float64Array) {
      if (stride === 1) out.set(values, offset);
      else copyF64ToF64(values, out, offset, stride);
      return;
    }
    if (values instanceof Float32Array) {
      if (stride === 1) out.set(values, offset);
      else copyF32ToF64(values, out, offset, stride);
      return;
    }
    if (values instanceof Int32Array) {
      if (stride === 1) out.set(values, offset);
      else copyI32ToF64(values, out, offset, stride);
      return;
    }
  }
  const n = values.length;
  const bigOut = out instanceof BigInt64Array || out instanceof BigUint64Array;
  if (
    !bigOut &&
    isTypedArray(values) &&
    !(values instanceof BigInt64Array || values instanceof BigUint64Array)
  ) {
    if (stride === 1) (out as NumericTypedArray).set(values, offset);
    else copyAnyNumeric(values, out as NumericTypedArray, offset, stride);
    return;
  }
  if (bigOut) {
    const o = out as BigInt64Array;
    for (let i = 0; i < n; i++) {
      const v = (values as ArrayLike<unknown>)[i];
      o[offset + i * stride] = typeof v === "bigint" ? v : BigInt(Math.trunc(toNumberCell(v)));
    }
    return;
  }
  const o = out as Float64Array;
  const integral = !(out instanceof Float32Array || out instanceof Float64Array);
  for (let i = 0; i < n; i++) {
    const x = toNumberCell((values as ArrayLike<unknown>)[i]);
    if (integral && !Number.isFinite(x)) {
      throw new MlflowException(
        "Cannot convert non-finite values (NA or inf) to integer",
        "INVALID_PARAMETER_VALUE",
      );
    }
    o[offset + i * stride] = x;
  }
}

/**
 * A DataFrame as a row-major 2-D tensor of `dtype` (`df.to_numpy(dtype=...)`), written column by
 * column straight from the typed arrays. Object dtypes give a JS array of cells.
 */
export function dataFrameToTensor(df: DataFrame, dtype?: NumpyDType): Tensor {
  const cols = df.columnList;
  const rows = df.numRows;
  const width = cols.length;
  const target = (dtype ?? frameDType(df)) as NumpyDType;
  if (!isNumericDType(target)) {
    const data = new Array(rows * width);
    cols.forEach((c, j) => {
      const vals = c.values as ArrayLike<unknown>;
      for (let r = 0; r < rows; r++) {
        const v = vals[r];
        data[r * width + j] = c.dtype === "bool" && typeof v === "number" ? v === 1 : v;
      }
    });
    return { dtype: target, shape: [rows, width], data };
  }
  const out = allocTyped(target, rows * width);
  // in blocks of rows, so that the block's part of the output stays in cache while each column writes into it
  // (a column at a time over the whole output is ~1.6x slower for 100,000 x 20)
  const blocked = rows > ROW_BLOCK && width > 1 && cols.every((c) => ArrayBuffer.isView(c.values));
  const step = blocked ? ROW_BLOCK : rows;
  for (let r0 = 0; r0 < rows; r0 += step) {
    const r1 = Math.min(rows, r0 + step);
    for (let j = 0; j < width; j++) {
      const all = cols[j]!.values;
      const v = blocked ? (all as TypedArray).subarray(r0, r1) : all;
      const at = r0 * width + j;
      // the usual model input: float32 written straight from float32/float64 columns (small loop, often inlined)
      if (out instanceof Float32Array && v instanceof Float32Array) copyF32ToF32(v, out, at, width);
      else if (out instanceof Float32Array && v instanceof Float64Array) copyF64ToF32(v, out, at, width);
      else scatter(v, out, at, width);
    }
  }
  return { dtype: target, shape: [rows, width], data: out };
}

/** Rows per block in {@link dataFrameToTensor}. */
const ROW_BLOCK = 1024;

/** Options of {@link columnToTensor}. */
export interface ColumnToTensorOptions {
  /**
   * false: share the column's typed array when it already holds the target dtype (`np.asarray(series)`, no
   * copy), as a runtime that only reads its inputs can. Default true (`np.array(series)`: always a new array).
   */
  readonly copy?: boolean;
}

/** A 1-D tensor from one column, cast to `dtype` (numpy `np.array(series, dtype=...)`). */
export function columnToTensor(c: Column, dtype?: NumpyDType, options: ColumnToTensorOptions = {}): Tensor {
  const target = (dtype ?? c.dtype) as NumpyDType;
  if (!isNumericDType(target))
    return { dtype: target, shape: [c.values.length], data: Array.from(c.values as ArrayLike<unknown>) };
  if (options.copy === false && c.values.constructor === TYPED_ARRAY_FOR_DTYPE[target])
    return { dtype: target, shape: [c.values.length], data: c.values as TypedArray };
  const out = allocTyped(target, c.values.length);
  scatter(c.values, out, 0, 1);
  return { dtype: target, shape: [c.values.length], data: out };
}

/** Casts a tensor to another numeric dtype (numpy `astype`). */
export function castTensor(t: Tensor, dtype: NumpyDType): Tensor {
  if (t.dtype === dtype) return t;
  if (!isNumericDType(dtype))
    return { dtype, shape: [...t.shape], data: Array.from(t.data as ArrayLike<unknown>) };
  const out = allocTyped(dtype, t.data.length);
  scatter(t.data, out, 0, 1);
  return { dtype, shape: [...t.shape], data: out };
}

/** Options of {@link flattenNested}. */
export interface FlattenNestedOptions {
  /**
   * Whether a Uint8Array is one bytes value (core's representation of Python `bytes`, as numpy sees `b"..."`)
   * rather than a list of numbers. Default true.
   */
  readonly bytesAreScalars?: boolean;
}

/**
 * The shape and the row-major leaves of a rectangular nested list (JS arrays or typed arrays at any level), as
 * `np.array(nested)` lays it out; undefined when the list is ragged (sub-lists of different lengths, a scalar
 * where a list was expected or a JS list where a scalar was). The shape follows the first element down; an
 * empty list ends it.
 */
export function flattenNested(
  value: unknown,
  options: FlattenNestedOptions = {},
): { shape: number[]; flat: unknown[] } | undefined {
  const bytesAreScalars = options.bytesAreScalars ?? true;
  const isList = (v: unknown): boolean =>
    Array.isArray(v) || (isTypedArray(v) && !(bytesAreScalars && v instanceof Uint8Array));
  const shape: number[] = [];
  let probe: unknown = value;
  while (isList(probe)) {
    const len = (probe as ArrayLike<unknown>).length;
    shape.push(len);
    if (len === 0) break;
    probe = (probe as ArrayLike<unknown>)[0];
  }
  if (shape.length === 0) return { shape, flat: [value] };
  if (shape.length === 1 && isTypedArray(value))
    return { shape, flat: Array.from(value as ArrayLike<unknown>) };
  const flat: unknown[] = [];
  const last = shape.length - 1;
  const walk = (v: unknown, dim: number): boolean => {
    if (!isList(v) || (v as ArrayLike<unknown>).length !== shape[dim]) return false;
    const arr = v as ArrayLike<unknown>;
    if (dim === last) {
      for (let i = 0; i < arr.length; i++) {
        const x = arr[i];
        if (Array.isArray(x)) return false; // a typed array where a scalar belongs stays one (object) leaf
        flat.push(x);
      }
      return true;
    }
    for (let i = 0; i < arr.length; i++) if (!walk(arr[i], dim + 1)) return false;
    return true;
  };
  return walk(value, 0) ? { shape, flat } : undefined;
}

/**
 * `np.array(nested)` for nested JS lists: shape from the nesting, dtype inferred as numpy does
 * (bool, int64, float64, str, or object) unless given; ragged input gives a 1-D object array.
 */
export function tensorFromNested(value: unknown, dtype?: NumpyDType): Tensor {
  const nested = flattenNested(value);
  if (nested === undefined) {
    const items = Array.isArray(value) ? value : [value];
    return { dtype: "object", shape: [items.length], data: [...items] };
  }
  const { shape, flat } = nested;
  const target = dtype ?? inferNumpyDType(flat);
  if (!isNumericDType(target)) {
    const data = target === "str" ? flat.map((x) => (typeof x === "string" ? x : String(x))) : flat;
    return { dtype: target, shape, data };
  }
  const out = allocTyped(target, flat.length);
  scatter(flat, out, 0, 1);
  return { dtype: target, shape, data: out };
}

/** numpy's dtype inference for a flat list of Python-like scalars. */
export function inferNumpyDType(flat: readonly unknown[]): NumpyDType {
  if (flat.length === 0) return "float64";
  let allBool = true;
  let allInt = true;
  let allNum = true;
  let allStr = true;
  for (const v of flat) {
    if (typeof v !== "boolean") allBool = false;
    if (typeof v !== "string") allStr = false;
    if (typeof v === "number") {
      if (!Number.isInteger(v)) allInt = false;
    } else if (typeof v !== "bigint") {
      allNum = false;
      allInt = false;
    }
  }
  if (allBool) return "bool";
  if (allNum) return allInt ? "int64" : "float64";
  if (allStr) return "str";
  return "object";
}

/** A scipy csr/csc matrix as a dense row-major tensor (`.toarray()`). */
export function sparseToDense(m: SparseMatrix): Tensor {
  const [rows, cols] = m.shape;
  const isF32 = m.values instanceof Float32Array;
  const out = isF32 ? new Float32Array(rows * cols) : new Float64Array(rows * cols);
  const major = m.format === "csr" ? rows : cols;
  for (let i = 0; i < major; i++) {
    for (let k = Number(m.indptr[i]); k < Number(m.indptr[i + 1]); k++) {
      const j = Number(m.indices[k]);
      const v = Number(m.values[k]);
      if (m.format === "csr") out[i * cols + j] = v;
      else out[j * cols + i] = v;
    }
  }
  return { dtype: isF32 ? "float32" : "float64", shape: [rows, cols], data: out };
}

/** dtype of a sparse matrix's values. */
export function sparseDType(m: SparseMatrix): NumpyDType {
  if (m.values instanceof Float32Array) return "float32";
  if (m.values instanceof Float64Array) return "float64";
  return inferNumpyDType(m.values as number[]);
}

export { isTensorDict };
