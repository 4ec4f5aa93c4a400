/**
 * numpy arrays as the estimators see them: a flat row-major (C order) buffer, a shape and a numpy dtype
 * name. Numeric dtypes are typed arrays (int64 → BigInt64Array); str/object arrays are JS arrays.
 */
export interface NdArray {
  dtype: string;
  shape: number[];
  data: ArrayLike<unknown>;
}

export function isNdArray(v: unknown): v is NdArray {
  if (typeof v !== "object" || v === null) return false;
  const a = v as Partial<NdArray>;
  return (typeof a.dtype === "string" || isPickledArray(v)) && Array.isArray(a.shape) && a.data !== undefined;
}

export function size(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Any numeric or object array of numbers as float64 (a copy unless it already is one). */
export function toFloat64(data: ArrayLike<unknown>): Float64Array {
  if (data instanceof Float64Array) return data;
  const out = new Float64Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = toNumber(data[i]);
  return out;
}

/** A Python number (int, float, bool, numpy scalar as number/bigint) as a double; None/missing → NaN. */
export function toNumber(v: unknown): number {
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "boolean") return v ? 1 : 0;
  if (v === null || v === undefined) return Number.NaN;
  return Number.NaN;
}

export function isMissing(v: unknown): boolean {
  return v === null || v === undefined || (typeof v === "number" && Number.isNaN(v));
}

/** What `@pyfunc/pickle` gives for a numpy array (its NdArray class), read structurally. */
interface PickledArray {
  dtype: { kind: string; name: string; itemsize: number };
  shape: number[];
  fortran: boolean;
  data: ArrayLike<unknown>;
  cOrderData(): ArrayLike<unknown>;
  field(name: string): PickledArray;
}

function isPickledArray(v: unknown): v is PickledArray {
  if (typeof v !== "object" || v === null) return false;
  const a = v as Partial<PickledArray>;
  return (
    typeof a.dtype === "object" &&
    a.dtype !== null &&
    typeof a.dtype.kind === "string" &&
    Array.isArray(a.shape) &&
    typeof a.cOrderData === "function"
  );
}

/** A structured array's fields (sklearn Tree nodes, HistGradientBoosting predictor nodes). */
export interface RecordArray extends NdArray {
  field(name: string): NdArray;
}

const adapted = new WeakMap<object, NdArray>();

/** The reader's numpy array as an NdArray: dtype by name ("<Un" → "str"), data in C order. */
export function adaptArray(v: unknown): NdArray | undefined {
  if (isNdArray(v) && typeof v.dtype === "string") return v;
  if (!isPickledArray(v)) return undefined;
  const hit = adapted.get(v);
  if (hit) return hit;
  const k = v.dtype.kind;
  const dtype = k === "U" ? "str" : k === "S" ? "bytes" : k === "V" ? "void" : v.dtype.name;
  const out: NdArray | RecordArray =
    k === "V"
      ? { dtype, shape: v.shape, data: v.data, field: (name: string) => adaptArray(v.field(name))! }
      : { dtype, shape: v.shape, data: flatObjects(v.cOrderData(), v.shape) };
  adapted.set(v, out);
  return out;
}

/** Object arrays from skops may come as nested lists (one per row); numpy's C order is the flat walk. */
function flatObjects(data: ArrayLike<unknown>, shape: readonly number[]): ArrayLike<unknown> {
  if (!Array.isArray(data) || shape.length < 2 || data.length !== shape[0]) return data;
  if (!data.every((row) => Array.isArray(row) && row.length === shape[1])) return data;
  const out: unknown[] = [];
  const walk = (v: unknown, depth: number) => {
    if (depth < shape.length && Array.isArray(v)) for (const e of v) walk(e, depth + 1);
    else out.push(v);
  };
  walk(data, 0);
  return out;
}
