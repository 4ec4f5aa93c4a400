/**
 * Type-level enforcement: a DataFrame column against a DataType (MLflow `_enforce_mlflow_datatype`),
 * and single values against DataType/Array/Object/Map/Any (`_enforce_type` and friends).
 */
import { MlflowException } from "../errors/mlflow-exception.js";
import type { Column, ColumnValues } from "../inputs/dataframe.js";
import { isTypedArray, TYPED_ARRAY_FOR_DTYPE, type TypedArray } from "../inputs/dtype.js";
import { isTensor } from "../inputs/tensor.js";
import { pyRepr, pyStr } from "./pyjson.js";
import {
  AnyType,
  ArrayType,
  type ColSpecType,
  type DataType,
  MapType,
  NUMPY_TYPE_OF_DATA_TYPE,
  ObjectType,
  type Property,
  pyTypeName,
} from "./types.js";

const isMissing = (v: unknown): boolean =>
  v === null || v === undefined || (typeof v === "number" && Number.isNaN(v));

/** numpy "kind" and itemsize of a column dtype. */
function kindOf(dtype: string): { kind: string; size: number } {
  if (dtype === "bool") return { kind: "b", size: 1 };
  const m = /^(u?int|float)(\d+)$/.exec(dtype);
  if (m) {
    const kind = m[1] === "int" ? "i" : m[1] === "uint" ? "u" : "f";
    return { kind, size: Number(m[2]) / 8 };
  }
  if (dtype.startsWith("datetime64")) return { kind: "M", size: 8 };
  if (dtype === "bytes") return { kind: "S", size: 0 };
  if (dtype === "str") return { kind: "U", size: 0 };
  return { kind: "O", size: 8 };
}

/** How numpy prints `np.dtype(t.to_numpy())`. */
const NUMPY_TYPE_STR: Record<DataType, string> = {
  boolean: "bool",
  integer: "int32",
  long: "int64",
  float: "float32",
  double: "float64",
  string: "<U0",
  binary: "|S0",
  datetime: "datetime64[ns]",
};

function isObjectDtype(dtype: string): boolean {
  return dtype === "object" || dtype === "str" || dtype === "bytes";
}

/** Values of a column as a JS-iterable list of cells (bigint for int64). */
function cells(values: ColumnValues): ArrayLike<unknown> {
  return values as ArrayLike<unknown>;
}

/** pandas-style inference of an object column (`infer_objects` / the DataFrame constructor). */
export function inferObjectValues(values: readonly unknown[]): { dtype: string; values: ColumnValues } {
  let nonMissing = 0;
  let allBool = true;
  let allNum = true;
  let allInt = true;
  let allDate = true;
  let hasMissing = false;
  let hasNone = false;
  for (const v of values) {
    if (v === null || v === undefined) {
      hasMissing = true;
      hasNone = true;
      allBool = false;
      continue;
    }
    nonMissing++;
    if (typeof v !== "boolean") allBool = false;
    if (!(v instanceof Date)) allDate = false;
    if (typeof v === "number") {
      if (Number.isNaN(v)) hasMissing = true;
      else if (!Number.isInteger(v)) allInt = false;
    } else if (typeof v === "bigint") {
      // integral
    } else {
      allNum = false;
    }
  }
  if (values.length === 0 || nonMissing === 0) return { dtype: "object", values: [...values] };
  if (allBool && !hasNone)
    return { dtype: "bool", values: Uint8Array.from(values as boolean[], (b) => (b ? 1 : 0)) };
  if (allDate) return { dtype: "datetime64[ns]", values: values.map((v) => (v instanceof Date ? v : null)) };
  if (allNum) {
    if (allInt && !hasMissing) {
      return {
        dtype: "int64",
        values: BigInt64Array.from(values as (number | bigint)[], (x) =>
          typeof x === "bigint" ? x : BigInt(x),
        ),
      };
    }
    const out = new Float64Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      out[i] = v === null || v === undefined ? Number.NaN : Number(v);
    }
    return { dtype: "float64", values: out };
  }
  return { dtype: "object", values: [...values] };
}

const TYPED_FOR: Record<string, new (n: number) => TypedArray> = TYPED_ARRAY_FOR_DTYPE;

/** Cast numeric/bool cells to a numpy dtype's typed array (numpy `astype` semantics, unchecked). */
export function castNumeric(values: ColumnValues, dtype: string): TypedArray {
  const Ctor = TYPED_FOR[dtype];
  if (!Ctor) throw new MlflowException(`Cannot cast to dtype ${dtype}`);
  const n = values.length;
  if (values instanceof (Ctor as unknown as typeof Float64Array) && dtype !== "bool")
    return values as TypedArray;
  const out = new Ctor(n);
  const big = out instanceof BigInt64Array || out instanceof BigUint64Array;
  if (big) {
    const o = out as BigInt64Array;
    for (let i = 0; i < n; i++) {
      const v = (values as ArrayLike<unknown>)[i];
      o[i] = typeof v === "bigint" ? v : BigInt(Math.trunc(Number(v)));
    }
  } else if (isTypedArray(values) && !(values instanceof BigInt64Array || values instanceof BigUint64Array)) {
    (out as Float64Array).set(values as Float64Array);
  } else {
    const o = out as Float64Array;
    for (let i = 0; i < n; i++) {
      const v = (values as ArrayLike<unknown>)[i];
      o[i] = typeof v === "boolean" ? (v ? 1 : 0) : v === null || v === undefined ? Number.NaN : Number(v);
    }
  }
  return out;
}

function parseDatetime(v: unknown): Date | null {
  if (isMissing(v)) return null;
  if (v instanceof Date) return v;
  if (typeof v === "string") {
    const s = /^\d{4}-\d{2}-\d{2}$/.test(v)
      ? `${v}T00:00:00Z`
      : /[zZ]|[+-]\d{2}:?\d{2}$/.test(v)
        ? v
        : `${v.replace(" ", "T")}Z`;
    const d = new Date(s);
    if (!Number.isNaN(d.getTime())) return d;
  }
  if (typeof v === "number" || typeof v === "bigint") return new Date(Number(v) / 1e6);
  throw new Error(`Unknown string format: ${pyStr(v)}`);
}

/**
 * MLflow `_enforce_mlflow_datatype`: accept a column as the declared DataType, widening where MLflow
 * widens and refusing narrowing conversions with MLflow's message.
 */
export function enforceColumnDatatype(name: string, column: Column, t: DataType): Column {
  let dtype: string = column.dtype;
  let values: ColumnValues = column.values;
  if (
    isObjectDtype(dtype) &&
    dtype !== "bytes" &&
    t !== "binary" &&
    t !== "string" &&
    !isTypedArray(values)
  ) {
    const inferred = inferObjectValues(values as unknown[]);
    dtype = inferred.dtype;
    values = inferred.values;
  }
  const mk = (d: string, v: ColumnValues): Column => ({
    name: column.name,
    dtype: d as Column["dtype"],
    values: v,
  });
  if (t === "string" && isObjectDtype(dtype)) return mk(dtype, values);
  if (NUMPY_TYPE_OF_DATA_TYPE[t] === dtype || ((t === "string" || t === "binary") && dtype === "object")) {
    return mk(dtype, values);
  }
  const k = kindOf(dtype);
  if (t === "binary" && k.kind === "S") return mk(dtype, values);
  if (t === "datetime" && k.kind === "M") return mk("datetime64[ns]", values);
  if (t === "datetime" && isObjectDtype(dtype)) {
    try {
      return mk("datetime64[ns]", Array.from(cells(values), parseDatetime));
    } catch {
      throw new MlflowException(`Failed to convert column ${name} from type ${dtype} to DataType.${t}.`);
    }
  }
  if (t === "boolean" && isObjectDtype(dtype)) return mk(dtype, values);
  const target = NUMPY_TYPE_OF_DATA_TYPE[t];
  const tk = kindOf(target);
  let upcast = false;
  if (k.kind === tk.kind && k.kind !== "O") upcast = k.size <= tk.size;
  else if (k.kind === "u" && tk.kind === "i") upcast = k.size < tk.size;
  else if ((k.kind === "i" || k.kind === "u") && target === "float64") upcast = k.size <= 6;
  if (upcast) return mk(target, castNumeric(values, target));
  if (dtype === "int64" && (target === "float32" || target === "float64")) {
    let zeroOne = true;
    for (const x of Array.from(cells(values))) {
      if (!(isMissing(x) || x === 0n || x === 1n || x === 0 || x === 1)) {
        zeroOne = false;
        break;
      }
    }
    if (zeroOne) return mk(target, castNumeric(values, target));
  }
  let hint = "";
  if (dtype === "float64" && (tk.kind === "i" || tk.kind === "u")) {
    let hasNan = false;
    let allInts = true;
    for (const x of Array.from(cells(values)) as number[]) {
      if (Number.isNaN(x)) hasNan = true;
      else if (!Number.isInteger(x)) allInts = false;
    }
    if (hasNan && allInts) {
      hint =
        " Hint: the type mismatch is likely caused by missing values. Integer columns in python can not represent missing values and are therefore encoded as floats. The best way to avoid this problem is to infer the model schema based on a realistic data sample (training dataset) that includes missing values. Alternatively, you can declare integer columns as doubles (float64) whenever these columns may have missing values. See `Handling Integers With Missing Values <https://www.mlflow.org/docs/latest/models.html#handling-integers-with-missing-values>`_ for more details.";
    }
  }
  throw new MlflowException(
    `Incompatible input types for column ${name}. Can not safely convert ${dtype} to ${NUMPY_TYPE_STR[t]}.${hint}`,
  );
}

function isPyScalar(v: unknown): boolean {
  return (
    typeof v === "number" ||
    typeof v === "string" ||
    typeof v === "boolean" ||
    typeof v === "bigint" ||
    v instanceof Uint8Array ||
    v instanceof Date
  );
}

/** MLflow `_enforce_datatype`: one scalar against a DataType (through a one-element column). */
export function enforceDatatypeValue(data: unknown, t: DataType, required = true): unknown {
  if (!required && isMissing(data)) return null;
  if (!isPyScalar(data)) throw new MlflowException(`Expected data to be scalar, got ${pyTypeName(data)}`);
  let col: Column;
  if (typeof data === "number") {
    col = Number.isInteger(data)
      ? { name: "", dtype: "int64", values: BigInt64Array.of(BigInt(data)) }
      : { name: "", dtype: "float64", values: Float64Array.of(data) };
  } else if (typeof data === "bigint") col = { name: "", dtype: "int64", values: BigInt64Array.of(data) };
  else if (typeof data === "boolean") col = { name: "", dtype: "bool", values: Uint8Array.of(data ? 1 : 0) };
  else if (data instanceof Date) col = { name: "", dtype: "datetime64[ns]", values: [data] };
  else col = { name: "", dtype: "object", values: [data] };
  let out: Column;
  try {
    out = enforceColumnDatatype("", col, t);
  } catch (e) {
    if (!(e instanceof MlflowException)) throw e;
    throw new MlflowException(`Failed to enforce schema of data \`${pyStr(data)}\` with dtype \`${t}\``);
  }
  const v = (out.values as ArrayLike<unknown>)[0];
  if (out.dtype === "bool") return v === 1 || v === true;
  if (typeof v === "bigint") return Number.isSafeInteger(Number(v)) ? Number(v) : v;
  return v;
}

function isList(v: unknown): v is unknown[] {
  return Array.isArray(v);
}

/** MLflow `_enforce_array`. */
export function enforceArray(data: unknown, arr: ArrayType, required = true): unknown {
  let list: unknown = data;
  if (isTensor(data)) list = Array.from(data.data as ArrayLike<unknown>);
  else if (isTypedArray(data) && !(data instanceof Uint8Array)) list = Array.from(data as ArrayLike<unknown>);
  if (!required || arr.dtype instanceof AnyType) {
    if (data === null || data === undefined || (isList(list) && list.length === 0)) return data;
  }
  if (!isList(list))
    throw new MlflowException(`Expected data to be list or numpy array, got ${pyTypeName(data)}`);
  return list.map((x) => enforceType(x, arr.dtype, required));
}

function isDict(v: unknown): v is Record<string, unknown> {
  return (
    typeof v === "object" && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v) && !(v instanceof Date)
  );
}

/** Python's repr of a set of strings (insertion order). */
const setRepr = (xs: string[]): string => `{${xs.map((x) => pyRepr(x)).join(", ")}}`;

/** MLflow `_enforce_object`. */
export function enforceObject(data: unknown, obj: ObjectType, required = true): unknown {
  if (
    !required &&
    (data === null || data === undefined || (isDict(data) && Object.keys(data).length === 0))
  ) {
    return data;
  }
  if (!isDict(data)) {
    throw new MlflowException(
      `Failed to enforce schema of '${pyStr(data)}' with type '${obj.repr()}'. Expected data to be dictionary, got ${pyTypeName(data)}`,
    );
  }
  const props = new Map<string, Property>(obj.properties.map((p) => [p.name, p]));
  const keys = Object.keys(data);
  const missing = obj.properties.filter((p) => p.required && !keys.includes(p.name)).map((p) => p.name);
  if (missing.length > 0) throw new MlflowException(`Missing required properties: ${setRepr(missing)}`);
  const invalid = keys.filter((k) => !props.has(k));
  if (invalid.length > 0) {
    throw new MlflowException(`Invalid properties not defined in the schema found: ${setRepr(invalid)}`);
  }
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const p = props.get(k)!;
    try {
      out[k] = enforceType(data[k], p.dtype, p.required);
    } catch (e) {
      if (!(e instanceof MlflowException)) throw e;
      const typeName = typeof p.dtype === "string" ? p.dtype : p.dtype.kind;
      throw new MlflowException(
        `Failed to enforce schema for key \`${k}\`. Expected type ${typeName}, received type ${pyTypeName(data[k])}`,
        "INTERNAL_ERROR",
        { cause: e },
      );
    }
  }
  return out;
}

/** MLflow `_enforce_map`. */
export function enforceMap(data: unknown, map: MapType, required = true): unknown {
  if (
    (!required || map.valueType instanceof AnyType) &&
    (data === null || data === undefined || (isDict(data) && Object.keys(data).length === 0))
  ) {
    return data;
  }
  if (!isDict(data)) throw new MlflowException(`Expected data to be a dict, got ${pyTypeName(data)}`);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) out[k] = enforceType(v, map.valueType, required);
  return out;
}

/** MLflow `_enforce_type`. */
export function enforceType(data: unknown, t: ColSpecType, required = true): unknown {
  if (typeof t === "string") return enforceDatatypeValue(data, t, required);
  if (t instanceof ArrayType) return enforceArray(data, t, required);
  if (t instanceof ObjectType) return enforceObject(data, t, required);
  if (t instanceof MapType) return enforceMap(data, t, required);
  if (t instanceof AnyType) return data;
  throw new MlflowException(`Invalid data type: ${pyStr(t)}`);
}
