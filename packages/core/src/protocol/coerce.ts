import type { ColumnValues } from "../inputs/dataframe.js";
import type { NumpyDType } from "../inputs/dtype.js";
import type { Tensor } from "../inputs/tensor.js";
import { pyStrReprBounded } from "../schema/pyjson.js";
import { pyRepr, pyTypeName } from "./errors.js";

/** Deepest nesting accepted for an n-d array (numpy's own limit is 64). */
export const MAX_ARRAY_DIMS = 32;

/** A Python-style conversion failure: `excRepr` is how MLflow prints it (`ValueError("...")`). */
export class CastError extends Error {
  constructor(
    readonly pyType: string,
    message: string,
  ) {
    super(message);
    this.name = "CastError";
  }

  get excRepr(): string {
    return `${this.pyType}(${pyRepr(this.message)})`;
  }
}

const PY_FLOAT = /^[+-]?(?:\d(?:_?\d)*(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?$/;
const PY_INT = /^[+-]?\d(?:_?\d)*$/;

/** Python's float(str): whitespace, underscores, nan, inf and infinity accepted. */
export function parsePyFloat(text: string): number | undefined {
  const t = text.trim();
  if (PY_FLOAT.test(t)) return Number(t.replace(/_/g, ""));
  const lower = t.toLowerCase();
  const unsigned = lower.replace(/^[+-]/, "");
  if (unsigned === "nan") return Number.NaN;
  if (unsigned === "inf" || unsigned === "infinity") return lower.startsWith("-") ? -Infinity : Infinity;
  return undefined;
}

export function toFloat(v: unknown): number {
  if (typeof v === "number") return v;
  if (v === null || v === undefined) return Number.NaN;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "string") {
    const f = parsePyFloat(v);
    if (f === undefined)
      throw new CastError("ValueError", `could not convert string to float: ${pyStrReprBounded(v)}`);
    return f;
  }
  if (Array.isArray(v)) throw new CastError("ValueError", "setting an array element with a sequence.");
  throw new CastError(
    "TypeError",
    `float() argument must be a string or a real number, not '${pyTypeName(v)}'`,
  );
}

const INT64_MAX = 2n ** 63n;

export function toInt64(v: unknown): bigint {
  if (typeof v === "bigint") return v;
  if (typeof v === "number") {
    if (!Number.isFinite(v))
      throw new CastError("IntCastingNaNError", "Cannot convert non-finite values (NA or inf) to integer");
    const b = BigInt(Math.trunc(v));
    if (b >= INT64_MAX || b < -INT64_MAX)
      throw new CastError("OverflowError", "Python int too large to convert to C long");
    return b;
  }
  if (typeof v === "boolean") return v ? 1n : 0n;
  if (typeof v === "string") {
    const t = v.trim();
    if (!PY_INT.test(t))
      throw new CastError("ValueError", `invalid literal for int() with base 10: ${pyStrReprBounded(v)}`);
    const b = BigInt(t.replace(/_/g, ""));
    if (b >= INT64_MAX || b < -INT64_MAX)
      throw new CastError("OverflowError", "Python int too large to convert to C long");
    return b;
  }
  if (Array.isArray(v)) throw new CastError("ValueError", "setting an array element with a sequence.");
  throw new CastError(
    "TypeError",
    `int() argument must be a string, a bytes-like object or a real number, not '${pyTypeName(v)}'`,
  );
}

/** Python truthiness, as numpy's astype(bool) applies it to object values. */
export function toBool(v: unknown): boolean {
  if (v === null || v === undefined) return false;
  if (typeof v === "boolean") return v;
  if (typeof v === "number") return v !== 0;
  if (typeof v === "bigint") return v !== 0n;
  if (typeof v === "string") return v.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === "object") return Object.keys(v).length > 0;
  return Boolean(v);
}

/** Python's str() of a decoded JSON value. */
export function toPyStr(v: unknown): string {
  if (typeof v === "string") return v;
  if (v === null || v === undefined) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "number") {
    if (Number.isNaN(v)) return "nan";
    if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
    return String(v);
  }
  return JSON.stringify(v);
}

function toBytes(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (typeof v === "string") return new Uint8Array(Buffer.from(v, "base64"));
  throw new CastError("TypeError", `a bytes-like object is required, not '${pyTypeName(v)}'`);
}

function toDate(v: unknown): Date | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v;
  if (typeof v === "string" || typeof v === "number") {
    const d = new Date(v);
    if (!Number.isNaN(d.getTime())) return d;
  }
  throw new CastError("ValueError", `Unable to parse datetime value ${pyStrReprBounded(String(v))}`);
}

/**
 * Cast decoded JSON values to a numpy dtype leniently, as MLflow's serving path does with
 * `astype`/`np.array(x, dtype)`. Throws CastError with Python's wording on failure.
 * Numeric dtypes come back as typed arrays; bool as a JS boolean array; the rest as JS arrays.
 */
export function castValues(values: readonly unknown[], npType: string): ColumnValues {
  const n = values.length;
  switch (npType) {
    case "float64":
    case "float32":
    case "float16": {
      const out = npType === "float64" ? new Float64Array(n) : new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = toFloat(values[i]);
      return out;
    }
    case "int64": {
      const out = new BigInt64Array(n);
      for (let i = 0; i < n; i++) out[i] = toInt64(values[i]);
      return out;
    }
    case "uint64": {
      const out = new BigUint64Array(n);
      for (let i = 0; i < n; i++) out[i] = BigInt.asUintN(64, toInt64(values[i]));
      return out;
    }
    case "int32":
    case "int16":
    case "int8":
    case "uint32":
    case "uint16":
    case "uint8": {
      const Ctor = {
        int32: Int32Array,
        int16: Int16Array,
        int8: Int8Array,
        uint32: Uint32Array,
        uint16: Uint16Array,
        uint8: Uint8Array,
      }[npType];
      const out = new Ctor(n);
      for (let i = 0; i < n; i++) out[i] = Number(toInt64(values[i]));
      return out;
    }
    case "bool": {
      const out: boolean[] = new Array(n);
      for (let i = 0; i < n; i++) out[i] = toBool(values[i]);
      return out;
    }
    case "str": {
      const out: string[] = new Array(n);
      for (let i = 0; i < n; i++) out[i] = toPyStr(values[i]);
      return out;
    }
    case "bytes": {
      const out: Uint8Array[] = new Array(n);
      for (let i = 0; i < n; i++) out[i] = toBytes(values[i]);
      return out;
    }
    case "datetime64[ns]": {
      const out: (Date | null)[] = new Array(n);
      for (let i = 0; i < n; i++) out[i] = toDate(values[i]);
      return out;
    }
    default:
      return values.slice();
  }
}

/** The tensor dtype name for a numpy type on the serving path. */
export function tensorDType(npType: string): NumpyDType {
  if (npType === "datetime64[ns]") return "object";
  return npType as NumpyDType;
}

/** Infer numpy's dtype for a flat list of JSON leaves (np.array without dtype). */
export function inferLeafDType(leaves: readonly unknown[]): string {
  if (leaves.length === 0) return "float64";
  let allBool = true;
  let allNum = true;
  let allInt = true;
  let allStr = true;
  for (const v of leaves) {
    const t = typeof v;
    if (t !== "boolean") allBool = false;
    if (t === "number") {
      if (!Number.isInteger(v)) allInt = false;
    } else if (t !== "boolean") allNum = false;
    if (t !== "string") allStr = false;
    if (!allBool && !allNum && !allStr) return "object";
  }
  if (allBool) return "bool";
  if (allNum) return allInt ? "int64" : "float64";
  if (allStr) return "str";
  return "object";
}

/**
 * numpy's `np.array(value, dtype)` for decoded JSON: nested lists become one dense row-major tensor.
 * Ragged nesting fails for typed dtypes (as numpy does) and stops the shape for `object`.
 */
export function ndarrayFromJson(value: unknown, npType?: string): Tensor {
  const shape: number[] = [];
  let probe: unknown = value;
  while (Array.isArray(probe)) {
    if (shape.length >= MAX_ARRAY_DIMS) {
      throw new CastError("ValueError", `maximum supported dimension for an ndarray is ${MAX_ARRAY_DIMS}`);
    }
    shape.push(probe.length);
    if (probe.length === 0) break;
    probe = probe[0];
  }
  const leaves: unknown[] = [];
  let depthOk = shape.length;
  const collect = (v: unknown, depth: number): boolean => {
    if (depth === depthOk) {
      if (Array.isArray(v) && npType !== "object") return false;
      leaves.push(v);
      return true;
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) return false;
    for (const x of v) if (!collect(x, depth + 1)) return false;
    return true;
  };
  if (!collect(value, 0)) {
    if (npType !== "object") {
      throw new CastError(
        "ValueError",
        "setting an array element with a sequence. The requested array has an inhomogeneous shape.",
      );
    }
    // object arrays: keep the outermost dimension, elements stay as they are
    depthOk = 1;
    shape.length = 1;
    leaves.length = 0;
    collect(value, 0);
  }
  const dtype = npType ?? inferLeafDType(leaves);
  const cast = castValues(leaves, dtype);
  const data = dtype === "bool" ? Uint8Array.from(cast as boolean[], (b) => (b ? 1 : 0)) : cast;
  return { dtype: tensorDType(dtype), shape, data };
}
