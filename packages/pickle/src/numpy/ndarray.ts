import { malformed } from "../errors.js";
import type { Budget } from "../limits.js";
import type { DType } from "./dtype.js";

export type NumericArray =
  | Float64Array
  | Float32Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array;

/**
 * The elements of an array, in the array's memory order (`fortran` tells which):
 * - bool `b1`: Uint8Array of 0/1; ints, uints, floats: the matching typed array (int64 → BigInt64Array,
 *   float16 → Float32Array); complex: Float64Array/Float32Array of interleaved (re, im); datetime: BigInt64Array;
 * - `U<n>`: string[] (UCS-4, trailing NULs removed as numpy does); `S<n>`: Uint8Array[] (trailing NULs removed);
 * - object `O`: the pickled elements (PyValue[]);
 * - structured / void `V<n>`: the raw bytes (Uint8Array), read fields with `field(name)`.
 */
export type NdData = NumericArray | string[] | Uint8Array[] | unknown[];

type TypedCtor = {
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): NumericArray;
  new (length: number): NumericArray;
  readonly BYTES_PER_ELEMENT: number;
};

function ctorFor(dt: DType): TypedCtor | undefined {
  const n = dt.itemsize;
  switch (dt.kind) {
    case "b":
      return Uint8Array;
    case "i":
      return ({ 1: Int8Array, 2: Int16Array, 4: Int32Array, 8: BigInt64Array } as Record<number, TypedCtor>)[
        n
      ];
    case "u":
      return (
        { 1: Uint8Array, 2: Uint16Array, 4: Uint32Array, 8: BigUint64Array } as Record<number, TypedCtor>
      )[n];
    case "f":
      return ({ 2: Float32Array, 4: Float32Array, 8: Float64Array } as Record<number, TypedCtor>)[n];
    case "c":
      return ({ 8: Float32Array, 16: Float64Array } as Record<number, TypedCtor>)[n];
    case "M":
    case "m":
      return BigInt64Array;
    default:
      return undefined;
  }
}

/** Elements of `shape`, validated: every dimension a non-negative safe integer, the product finite. */
export function elementCount(shape: readonly unknown[]): number {
  let count = 1;
  for (const d of shape) {
    const n = typeof d === "bigint" ? Number(d) : d;
    if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) {
      throw malformed(`bad numpy shape dimension ${String(d)}`);
    }
    count *= n;
    if (!Number.isSafeInteger(count)) throw malformed("numpy shape has more elements than can exist");
  }
  return count;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/**
 * Read `count` fixed-size elements of `dt` starting at `offset`, `stride` bytes apart, into a native typed array.
 * Returns a view on `bytes` (no copy) when the layout is contiguous, native order and aligned.
 */
export function readNumeric(
  bytes: Uint8Array,
  offset: number,
  stride: number,
  count: number,
  dt: DType,
  budget: Budget | undefined,
): NumericArray {
  const Ctor = ctorFor(dt);
  if (Ctor === undefined) throw malformed(`dtype ${dt.str} is not numeric`);
  const lanes = dt.kind === "c" ? 2 : 1;
  const laneSize = dt.itemsize / lanes;
  const n = count * lanes;
  if (count > 0 && offset + (count - 1) * stride + dt.itemsize > bytes.length) {
    throw malformed(`array data is shorter than its ${count} elements of ${dt.str}`);
  }
  const big = dt.byteOrder === ">";
  const absolute = bytes.byteOffset + offset;
  if (!big && stride === dt.itemsize && laneSize === Ctor.BYTES_PER_ELEMENT && absolute % laneSize === 0) {
    return new Ctor(bytes.buffer, absolute, n);
  }
  budget?.allocate(n * Ctor.BYTES_PER_ELEMENT, `a ${dt.str} array of ${count} elements`);
  if (stride === dt.itemsize && laneSize === Ctor.BYTES_PER_ELEMENT && dt.kind !== "b") {
    // Contiguous but unaligned or big-endian: one memcpy into a fresh (aligned) buffer, then swap in place.
    // ArrayBuffer.slice: one copy, no zero fill (and not Buffer.slice, which is a view).
    const start = bytes.byteOffset + offset;
    const copy = new Uint8Array(bytes.buffer.slice(start, start + count * dt.itemsize));
    if (big && laneSize > 1) {
      budget?.work(copy.length, "byte swapping");
      for (let i = 0; i < copy.length; i += laneSize) copy.subarray(i, i + laneSize).reverse();
    }
    return new Ctor(copy.buffer, 0, n);
  }
  budget?.work(n, "array conversion");
  const out = new Ctor(n);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = !big;
  for (let i = 0; i < count; i++) {
    for (let lane = 0; lane < lanes; lane++) {
      const at = offset + i * stride + lane * laneSize;
      const j = i * lanes + lane;
      switch (dt.kind) {
        case "b":
          out[j] = view.getUint8(at) === 0 ? 0 : 1;
          break;
        case "i":
          if (laneSize === 8) (out as BigInt64Array)[j] = view.getBigInt64(at, le);
          else if (laneSize === 4) out[j] = view.getInt32(at, le);
          else if (laneSize === 2) out[j] = view.getInt16(at, le);
          else out[j] = view.getInt8(at);
          break;
        case "u":
          if (laneSize === 8) (out as BigUint64Array)[j] = view.getBigUint64(at, le);
          else if (laneSize === 4) out[j] = view.getUint32(at, le);
          else if (laneSize === 2) out[j] = view.getUint16(at, le);
          else out[j] = view.getUint8(at);
          break;
        case "M":
        case "m":
          (out as BigInt64Array)[j] = view.getBigInt64(at, le);
          break;
        default:
          if (laneSize === 8) out[j] = view.getFloat64(at, le);
          else if (laneSize === 4) out[j] = view.getFloat32(at, le);
          else out[j] = halfToFloat(view.getUint16(at, le));
      }
    }
  }
  return out;
}

const UCS4_CHUNK = 4096;

function decodeUcs4(bytes: Uint8Array, at: number, size: number, big: boolean): string {
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, size);
  let end = size / 4;
  while (end > 0 && view.getUint32((end - 1) * 4, !big) === 0) end--;
  let out = "";
  const points: number[] = [];
  for (let i = 0; i < end; i++) {
    const cp = view.getUint32(i * 4, !big);
    if (cp > 0x10ffff) throw malformed(`invalid code point ${cp} in a numpy unicode array`);
    points.push(cp);
    if (points.length === UCS4_CHUNK) {
      out += String.fromCodePoint(...points);
      points.length = 0;
    }
  }
  return out + String.fromCodePoint(...points);
}

/** A numpy ndarray: dtype, shape, memory order and the elements (see NdData). */
export class NdArray {
  dtype: DType;
  shape: number[];
  /** True when `data` is in column-major (Fortran) order, as numpy pickles F-contiguous arrays. */
  fortran: boolean;
  data: NdData;
  /** The raw element bytes for fixed-size dtypes (the file's bytes, little- or big-endian as `dtype.byteOrder`). */
  bytes: Uint8Array | undefined;

  constructor(dtype: DType, shape: number[], fortran: boolean, data: NdData, bytes?: Uint8Array) {
    this.dtype = dtype;
    this.shape = shape;
    this.fortran = fortran;
    this.data = data;
    this.bytes = bytes;
  }

  /** Build from the raw element bytes, checking their length against shape × itemsize before allocating. */
  static fromBytes(
    dtype: DType,
    shape: readonly unknown[],
    fortran: boolean,
    bytes: Uint8Array,
    budget?: Budget,
  ): NdArray {
    const dims = shape.map((d) => (typeof d === "bigint" ? Number(d) : (d as number)));
    const count = elementCount(shape);
    if (dtype.kind === "O") throw malformed("an object array needs a list of elements, not bytes");
    const expected = count * dtype.itemsize;
    if (expected !== bytes.length) {
      throw malformed(
        `numpy array of shape (${dims.join(", ")}) and dtype ${dtype.str} needs ${expected} bytes, the file has ${bytes.length}`,
      );
    }
    if (dtype.itemsize === 0 && count > 0) {
      budget?.allocate(count * 8, `an array of ${count} empty elements`);
    }
    let data: NdData;
    if (dtype.kind === "U") {
      budget?.allocate(bytes.length, "a unicode array");
      const out: string[] = new Array(count);
      for (let i = 0; i < count; i++)
        out[i] = decodeUcs4(bytes, i * dtype.itemsize, dtype.itemsize, dtype.byteOrder === ">");
      data = out;
    } else if (dtype.kind === "S") {
      const out: Uint8Array[] = new Array(count);
      for (let i = 0; i < count; i++) {
        let end = (i + 1) * dtype.itemsize;
        while (end > i * dtype.itemsize && bytes[end - 1] === 0) end--;
        out[i] = bytes.subarray(i * dtype.itemsize, end);
      }
      data = out;
    } else if (dtype.kind === "V") {
      data = bytes;
    } else {
      data = readNumeric(bytes, 0, dtype.itemsize, count, dtype, budget);
    }
    return new NdArray(dtype, dims, fortran, data, bytes);
  }

  /** Build an object array from its pickled element list (logical C order, as numpy pickles it). */
  static fromList(
    dtype: DType,
    shape: readonly unknown[],
    _fortran: boolean,
    items: readonly unknown[],
    budget?: Budget,
  ): NdArray {
    const count = elementCount(shape);
    budget?.work(items.length, "an object array");
    budget?.allocate(items.length * 8, "an object array");
    if (items.length !== count) {
      throw malformed(`numpy object array of ${count} elements has ${items.length} pickled items`);
    }
    const dims = shape.map((d) => (typeof d === "bigint" ? Number(d) : (d as number)));
    // numpy pickles object arrays element by element in C order, whatever the memory layout.
    return new NdArray(dtype, dims, false, items.slice(), undefined);
  }

  get size(): number {
    let n = 1;
    for (const d of this.shape) n *= d;
    return n;
  }

  get ndim(): number {
    return this.shape.length;
  }

  /** Field names of a structured array. */
  get fieldNames(): string[] {
    return this.dtype.names ?? [];
  }

  /**
   * One field of a structured array (e.g. `nodes.field("threshold")` of an sklearn Tree) as an array of its
   * own dtype, read with byte offsets, so packed (unaligned) layouts such as HistGradientBoosting's work.
   */
  field(name: string): NdArray {
    const f = this.dtype.fields?.get(name);
    if (f === undefined || this.bytes === undefined) {
      throw malformed(`numpy array of dtype ${this.dtype.name} has no field ${JSON.stringify(name)}`);
    }
    const count = this.size;
    const sub = f.dtype.subarray;
    const base = sub?.base ?? f.dtype;
    const per = sub === null ? 1 : elementCount(sub.shape);
    const shape = sub === null ? [...this.shape] : [...this.shape, ...sub.shape];
    if (base.kind === "U" || base.kind === "S" || base.kind === "V" || base.kind === "O") {
      const out = new Uint8Array(count * per * base.itemsize);
      for (let i = 0; i < count; i++) {
        const from = i * this.dtype.itemsize + f.offset;
        out.set(this.bytes.subarray(from, from + per * base.itemsize), i * per * base.itemsize);
      }
      return NdArray.fromBytes(base, shape, this.fortran, out);
    }
    if (per === 1) {
      const data = readNumeric(this.bytes, f.offset, this.dtype.itemsize, count, base, undefined);
      return new NdArray(base, shape, this.fortran, data, undefined);
    }
    const parts: NumericArray[] = [];
    for (let i = 0; i < count; i++) {
      parts.push(
        readNumeric(this.bytes, i * this.dtype.itemsize + f.offset, base.itemsize, per, base, undefined),
      );
    }
    const Ctor = parts[0]?.constructor as (new (n: number) => NumericArray) | undefined;
    const out = Ctor ? new Ctor(count * per) : new Float64Array(0);
    parts.forEach((p, i) => {
      (out as Float64Array).set(p as Float64Array, i * per * (base.kind === "c" ? 2 : 1));
    });
    return new NdArray(base, shape, this.fortran, out, undefined);
  }

  /**
   * The elements as float64 in C (row-major) order, as `astype(float64)` gives them (int64 beyond 2^53 rounds).
   * For bool, int, uint, float arrays.
   */
  numbers(): Float64Array {
    const d = this.data;
    if (!ArrayBuffer.isView(d) || this.dtype.kind === "c" || this.dtype.kind === "V") {
      throw malformed(`numpy array of dtype ${this.dtype.name} is not real-valued`);
    }
    const flat =
      d instanceof Float64Array && !this.fortran ? d : Float64Array.from(d as ArrayLike<number>, Number);
    return this.fortran ? toCOrder(flat, this.shape) : flat;
  }

  /** The elements in C order (a copy when the array is Fortran ordered). */
  cOrderData(): NdData {
    if (!this.fortran || this.shape.length < 2) return this.data;
    return toCOrder(this.data as unknown as ArrayLike<unknown> & { length: number }, this.shape) as NdData;
  }
}

function toCOrder<T extends ArrayLike<unknown> & { length: number }>(data: T, shape: readonly number[]): T {
  if (shape.length < 2) return data;
  const n = data.length;
  const Ctor = (data as unknown as { constructor: new (n: number) => T }).constructor;
  const out = (Array.isArray(data) ? new Array(n) : new Ctor(n)) as unknown as { [i: number]: unknown };
  const nd = shape.length;
  const idx = new Array<number>(nd).fill(0);
  // Walk C order; compute the Fortran offset of each index.
  for (let c = 0; c < n; c++) {
    let f = 0;
    let mul = 1;
    for (let k = 0; k < nd; k++) {
      f += idx[k]! * mul;
      mul *= shape[k]!;
    }
    out[c] = (data as unknown as { [i: number]: unknown })[f];
    for (let k = nd - 1; k >= 0; k--) {
      idx[k]!++;
      if (idx[k]! < shape[k]!) break;
      idx[k] = 0;
    }
  }
  return out as unknown as T;
}
