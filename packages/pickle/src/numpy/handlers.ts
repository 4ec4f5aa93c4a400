import { Allowlist, type ClassHandler, inertRecord } from "../allowlist.js";
import { malformed } from "../errors.js";
import type { Budget } from "../limits.js";
import { isTuple, PyGlobal, type PyTuple } from "../values.js";
import { DType, type DTypeField } from "./dtype.js";
import { NdArray } from "./ndarray.js";

function int(v: unknown, what: string): number {
  const n = typeof v === "bigint" ? Number(v) : v;
  if (typeof n !== "number" || !Number.isSafeInteger(n)) throw malformed(`${what}: expected an int`);
  return n;
}

/** Python 2 / `encoding="latin1"` pickles carry raw bytes as str; numpy reads them back as latin-1. */
export function bytesOf(v: unknown, what: string, budget?: Budget): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (typeof v === "string") {
    budget?.allocate(v.length, what);
    const out = new Uint8Array(v.length);
    for (let i = 0; i < v.length; i++) {
      const c = v.charCodeAt(i);
      if (c > 255) throw malformed(`${what}: a str holding bytes must be latin-1`);
      out[i] = c;
    }
    return out;
  }
  throw malformed(`${what}: expected bytes`);
}

function shapeOf(v: unknown): number[] {
  if (!Array.isArray(v)) {
    if (typeof v === "number" || typeof v === "bigint") return [int(v, "numpy shape")];
    throw malformed("numpy shape must be a tuple of ints");
  }
  return v.map((d) => int(d, "numpy shape"));
}

/** Apply `dtype.__setstate__`: (version, byteorder, subarray, names, fields, elsize, alignment, flags[, metadata]). */
export function applyDTypeState(dt: DType, state: unknown, budget?: Budget): void {
  if (!isTuple(state)) throw malformed("numpy dtype state must be a tuple");
  let endian: unknown;
  let subarray: unknown = null;
  let names: unknown = null;
  let fields: unknown = null;
  let elsize: unknown = -1;
  let metadata: unknown;
  switch (state.length) {
    case 9:
    case 8:
      [, endian, subarray, names, fields, elsize] = state;
      metadata = state[8];
      break;
    case 7:
      [, endian, subarray, names, fields, elsize] = state;
      break;
    case 6:
      [, endian, subarray, fields, elsize] = state;
      break;
    case 5:
      [, endian, fields, elsize] = state;
      break;
    default:
      throw malformed(`numpy dtype state of ${state.length} items`);
  }
  if (endian === "<" || endian === ">" || endian === "|") dt.byteOrder = endian;
  else if (endian === "=") dt.byteOrder = dt.itemsize > 1 ? "<" : "|";
  else throw malformed(`numpy dtype byte order ${String(endian)}`);
  if (dt.kind === "U" || dt.kind === "S" || dt.kind === "V") {
    const size = int(elsize, "numpy dtype elsize");
    if (size >= 0) {
      if (size > 2 ** 31) throw malformed("numpy dtype elsize too large");
      dt.itemsize = size;
    }
  }
  if (subarray !== null && subarray !== undefined) {
    if (!isTuple(subarray) || !(subarray[0] instanceof DType)) throw malformed("numpy dtype subarray");
    dt.subarray = { base: subarray[0], shape: shapeOf(subarray[1]) };
  }
  if (names !== null && names !== undefined) {
    if (!isTuple(names) || !names.every((n) => typeof n === "string")) throw malformed("numpy dtype names");
    if (!(fields instanceof Map)) throw malformed("numpy dtype fields must be a dict");
    budget?.work(names.length, "numpy dtype fields");
    const map = new Map<string, DTypeField>();
    for (const name of names as string[]) {
      const f = fields.get(name);
      if (!isTuple(f) || !(f[0] instanceof DType)) throw malformed(`numpy dtype field ${name}`);
      const offset = int(f[1], "numpy field offset");
      if (offset < 0 || offset + f[0].itemsize > dt.itemsize) {
        throw malformed(`numpy dtype field ${name} lies outside its ${dt.itemsize}-byte element`);
      }
      map.set(name, { dtype: f[0], offset });
    }
    dt.names = [...(names as string[])];
    dt.fields = map;
  }
  // datetime64 metadata: ({}, (unit, num, den, events)) or a dict; only the unit matters.
  const md = isTuple(metadata) ? metadata[1] : undefined;
  if (isTuple(md) && md[0] instanceof Uint8Array) dt.unit = new TextDecoder("latin1").decode(md[0]);
  else if (isTuple(md) && typeof md[0] === "string") dt.unit = md[0];
}

/** `ndarray.__setstate__`: (version, shape, dtype, is_fortran, data) or the legacy 4-tuple. */
export function applyArrayState(arr: NdArray, state: unknown, budget?: Budget): void {
  if (!isTuple(state) || (state.length !== 5 && state.length !== 4)) {
    throw malformed("numpy ndarray state must be (version, shape, dtype, is_fortran, data)");
  }
  const [shape, dtype, fortran, data] = state.length === 5 ? state.slice(1) : state;
  if (!(dtype instanceof DType)) throw malformed("numpy ndarray state: dtype expected");
  const dims = shapeOf(shape);
  const isF = fortran === true || fortran === 1;
  let next: NdArray;
  if (dtype.kind === "O") {
    if (!Array.isArray(data)) throw malformed("numpy object array state must hold a list");
    next = NdArray.fromList(dtype, dims, isF, data, budget);
  } else {
    next = NdArray.fromBytes(dtype, dims, isF, bytesOf(data, "numpy ndarray data", budget), budget);
  }
  arr.dtype = next.dtype;
  arr.shape = next.shape;
  arr.fortran = next.fortran;
  arr.data = next.data;
  arr.bytes = next.bytes;
}

/** A numpy scalar (`numpy.core.multiarray.scalar(dtype, raw)`) as a plain value. */
export function scalarValue(dtype: DType, raw: unknown): unknown {
  if (dtype.kind === "O") return raw;
  const arr = NdArray.fromBytes(dtype, [], false, bytesOf(raw, "numpy scalar"));
  const v = (arr.data as ArrayLike<unknown>)[0];
  if (typeof v === "bigint") return Number.isSafeInteger(Number(v)) ? Number(v) : v;
  if (dtype.kind === "b") return v === 1;
  if (dtype.kind === "V") return arr.bytes;
  if (dtype.kind === "c") return arr.data;
  return v;
}

const EMPTY_F8 = DType.fromCode("<f8");
const EMPTY_DATA = new Float64Array(0);

const reconstruct: ClassHandler<NdArray> = {
  create(args: PyTuple) {
    const cls = args[0];
    if (!(cls instanceof PyGlobal) || cls.qualifiedName !== "numpy.ndarray") {
      throw malformed(`numpy _reconstruct of ${String(cls)}: only numpy.ndarray is supported`);
    }
    // An empty float64 array until BUILD gives it its state (the memo may already refer to it).
    return new NdArray(EMPTY_F8, [0], false, EMPTY_DATA);
  },
  setState(arr, state, ctx) {
    applyArrayState(arr, state, ctx.budget);
  },
};

const dtype: ClassHandler<DType> = {
  create(args: PyTuple) {
    const code = args[0];
    if (typeof code !== "string") {
      if (code instanceof PyGlobal) return DType.fromCode(scalarTypeCode(code.name));
      throw malformed("numpy.dtype needs a type code");
    }
    return DType.fromCode(code);
  },
  setState(dt, state, ctx) {
    applyDTypeState(dt, state, ctx.budget);
  },
};

const SCALAR_TYPES: Record<string, string> = {
  bool_: "b1",
  int8: "i1",
  int16: "i2",
  int32: "i4",
  int64: "i8",
  uint8: "u1",
  uint16: "u2",
  uint32: "u4",
  uint64: "u8",
  float16: "f2",
  float32: "f4",
  float64: "f8",
  complex64: "c8",
  complex128: "c16",
  object_: "O8",
  str_: "U0",
  bytes_: "S0",
  void: "V0",
  datetime64: "M8",
  timedelta64: "m8",
};

/** The dtype code of a numpy scalar type name (`float64` → `f8`). */
export function scalarTypeCode(name: string): string {
  const code = SCALAR_TYPES[name];
  if (code === undefined) throw malformed(`numpy.${name} is not a numpy scalar type`);
  return code;
}

const scalar: ClassHandler<unknown> = {
  create(args: PyTuple) {
    const [dt, raw] = args;
    if (!(dt instanceof DType)) throw malformed("numpy scalar needs a dtype");
    return scalarValue(dt, raw);
  },
};

// numpy >= 1.x protocol 5 (and in-band bytearray): _frombuffer(buffer, dtype, shape, order).
const frombuffer: ClassHandler<NdArray> = {
  create(args: PyTuple, ctx) {
    const [buf, dt, shape, order] = args;
    if (!(dt instanceof DType)) throw malformed("numpy _frombuffer needs a dtype");
    if (dt.kind === "O") throw malformed("numpy _frombuffer cannot hold objects");
    return NdArray.fromBytes(
      dt,
      shapeOf(shape),
      order === "F",
      bytesOf(buf, "numpy _frombuffer"),
      ctx.budget,
    );
  },
};

/**
 * numpy's pickle entry points (numpy 1.x `numpy.core.*` and numpy 2 `numpy._core.*`), the scalar type
 * references (`numpy.float64`, …) and `numpy.random` state records (inert: not needed to predict).
 */
export function numpyAllowlist(): Allowlist {
  const list = new Allowlist();
  for (const core of ["numpy.core", "numpy._core"]) {
    list.register(`${core}.multiarray._reconstruct`, reconstruct);
    list.register(`${core}.multiarray.scalar`, scalar);
    list.register(`${core}.numeric._frombuffer`, frombuffer);
  }
  list.register("numpy.dtype", dtype);
  list.reference("numpy.ndarray");
  for (const name of Object.keys(SCALAR_TYPES)) list.reference(`numpy.${name}`);
  list.registerAll(
    [
      "numpy.random._pickle.__randomstate_ctor",
      "numpy.random._pickle.__bit_generator_ctor",
      "numpy.random._pickle.__generator_ctor",
      "numpy.random.mtrand.RandomState",
      "numpy.random._mt19937.MT19937",
    ],
    inertRecord,
  );
  return list;
}
