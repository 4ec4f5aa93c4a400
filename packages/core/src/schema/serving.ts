/**
 * The scoring server's lenient coercion before enforcement (MLflow spec 5.3 step 6:
 * `cast_df_types_according_to_schema` for `dataframe_*` bodies, `np.array(x, dtype)` for
 * `inputs`/`instances`). Casts follow pandas `astype`: 1.7 → 1 for long, floats → float32, numbers → strings.
 */
import { MlflowException } from "../errors/mlflow-exception.js";
import { castTensor, tensorFromNested } from "../inputs/convert.js";
import { type Column, type ColumnValues, DataFrame } from "../inputs/dataframe.js";
import { isNumericDType, isTypedArray, type NumpyDType, type TypedArray } from "../inputs/dtype.js";
import type { PyFuncInput } from "../inputs/model-input.js";
import { isTensor, type Tensor } from "../inputs/tensor.js";
import { enforceType } from "./enforce-types.js";
import { pyFloatRepr, pyRepr, pyStrReprBounded } from "./pyjson.js";
import { ColSpec, type ColSpecType, NUMPY_TYPE_OF_DATA_TYPE, type Schema, TensorSpec } from "./types.js";

/** A conversion failure with the Python exception repr MLflow prints (`ValueError('...')`). */
class CastFailure extends Error {
  constructor(
    readonly pyType: string,
    message: string,
  ) {
    super(message);
  }
  get repr(): string {
    return `${this.pyType}(${pyRepr(this.message)})`;
  }
}

const PANDAS_TYPE: Record<string, string> = {
  ...NUMPY_TYPE_OF_DATA_TYPE,
  string: "object",
  binary: "object",
};

function toFloat(v: unknown): number {
  if (typeof v === "number") return v;
  if (v === null || v === undefined) return Number.NaN;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "string") {
    const t = v.trim().toLowerCase().replace(/_/g, "");
    if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(t)) return Number(t);
    if (/^[+-]?nan$/.test(t)) return Number.NaN;
    if (/^[+-]?inf(inity)?$/.test(t)) return t.startsWith("-") ? -Infinity : Infinity;
    throw new CastFailure("ValueError", `could not convert string to float: ${pyStrReprBounded(v)}`);
  }
  throw new CastFailure("TypeError", `float() argument must be a string or a number, not '${typeof v}'`);
}

function castValues(values: ColumnValues, dtype: string): ColumnValues {
  if (dtype === "object") return values;
  if (dtype === "bool") {
    const out = new Uint8Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = (values as ArrayLike<unknown>)[i];
      out[i] = v === 0 || v === 0n || v === false || v === "" || v === null || v === undefined ? 0 : 1;
    }
    return out;
  }
  if (dtype === "datetime64[ns]") {
    return Array.from(values as ArrayLike<unknown>, (v) => {
      if (v === null || v === undefined) return null;
      if (v instanceof Date) return v;
      const d =
        typeof v === "number" || typeof v === "bigint" ? new Date(Number(v) / 1e6) : new Date(String(v));
      if (Number.isNaN(d.getTime()))
        throw new CastFailure("ParserError", `Unknown string format: ${String(v)}`);
      return d;
    });
  }
  if (!isNumericDType(dtype)) return values;
  const floatOut = dtype.startsWith("float");
  if (
    isTypedArray(values) &&
    !(values instanceof BigInt64Array || values instanceof BigUint64Array) &&
    floatOut
  ) {
    return dtype === "float64"
      ? Float64Array.from(values as Float32Array)
      : Float32Array.from(values as Float64Array);
  }
  const n = values.length;
  if (dtype === "int64" || dtype === "uint64") {
    const out = dtype === "int64" ? new BigInt64Array(n) : new BigUint64Array(n);
    for (let i = 0; i < n; i++) {
      const v = (values as ArrayLike<unknown>)[i];
      if (typeof v === "bigint") out[i] = v;
      else {
        const f = toFloat(v);
        if (!Number.isFinite(f)) {
          throw new CastFailure(
            "IntCastingNaNError",
            "Cannot convert non-finite values (NA or inf) to integer",
          );
        }
        out[i] = BigInt(Math.trunc(f));
      }
    }
    return out;
  }
  const ctors: Record<string, new (n: number) => TypedArray> = {
    int8: Int8Array,
    int16: Int16Array,
    int32: Int32Array,
    uint8: Uint8Array,
    uint16: Uint16Array,
    uint32: Uint32Array,
    float16: Float32Array,
    float32: Float32Array,
    float64: Float64Array,
  };
  const Ctor = ctors[dtype]!;
  const out = new Ctor(n) as Float64Array;
  for (let i = 0; i < n; i++) {
    const f = toFloat((values as ArrayLike<unknown>)[i]);
    if (!floatOut && !Number.isFinite(f)) {
      throw new CastFailure("IntCastingNaNError", "Cannot convert non-finite values (NA or inf) to integer");
    }
    out[i] = floatOut ? f : Math.trunc(f);
  }
  return out;
}

function toStringCell(v: unknown, dtype: string): unknown {
  if (v === null || v === undefined) return v;
  if (typeof v === "string") return v;
  if (typeof v === "number")
    return dtype.startsWith("float") || !Number.isInteger(v) ? pyFloatRepr(v) : String(v);
  if (typeof v === "boolean") return v ? "True" : "False";
  return String(v);
}

function decodeBase64(v: unknown): unknown {
  if (v === null || v === undefined) return v;
  if (typeof v !== "string") throw new CastFailure("TypeError", "encoding without a string argument");
  return new Uint8Array(Buffer.from(v, "base64"));
}

function castColumn(col: Column, spec: ColSpec | TensorSpec, tensorSchema: boolean): Column {
  if (spec instanceof ColSpec && spec.type === "binary") {
    return {
      name: col.name,
      dtype: "object",
      values: Array.from(col.values as ArrayLike<unknown>, decodeBase64),
    };
  }
  const target =
    spec instanceof TensorSpec ? spec.type : typeof spec.type === "string" ? PANDAS_TYPE[spec.type]! : null;
  if (target === "bytes") {
    return {
      name: col.name,
      dtype: "object",
      values: Array.from(col.values as ArrayLike<unknown>, (v) =>
        typeof v === "string" ? new TextEncoder().encode(v) : v,
      ),
    };
  }
  if (tensorSchema && !isTypedArray(col.values) && Array.isArray(col.values[0])) return col;
  if (target === null) {
    const t = spec.type as ColSpecType;
    if (typeof t === "object" && t.kind === "any") return col;
    return {
      name: col.name,
      dtype: "object",
      values: Array.from(col.values as ArrayLike<unknown>, (v) => enforceType(v, t, spec.required)),
    };
  }
  if (spec instanceof ColSpec && spec.type === "string") {
    return {
      name: col.name,
      dtype: "object",
      values: Array.from(col.values as ArrayLike<unknown>, (v) => toStringCell(v, col.dtype)),
    };
  }
  if (target === col.dtype) return col;
  if (target === "object" || target === "str") return { name: col.name, dtype: "object", values: col.values };
  return { name: col.name, dtype: target as Column["dtype"], values: castValues(col.values, target) };
}

/**
 * MLflow `cast_df_types_according_to_schema`: casts DataFrame columns to the schema's types as the
 * scoring server does. Failure → BAD_REQUEST `Data is not compatible with model signature. Failed to
 * convert column x to type 'int64'. Error: '…'` (MLflow's server prefixes it with `Invalid input. `).
 */
export function castDataFrameForServing(df: DataFrame, schema: Schema): DataFrame {
  const actual = new Set(df.columns);
  let pairs: [string, ColSpec | TensorSpec][];
  if (schema.hasInputNames()) {
    pairs = schema.inputs.map((s) => [s.name as string, s]);
  } else if (schema.isTensorSpec() && schema.inputs.length === 1) {
    pairs = df.columns.map((c) => [c, schema.inputs[0]!]);
  } else {
    const n = Math.min(schema.inputs.length, df.numColumns);
    pairs = df.columns.slice(0, n).map((c, i) => [c, schema.inputs[i]!]);
  }
  const replaced = new Map<string, Column>();
  for (const [name, spec] of pairs) {
    if (!actual.has(name)) continue;
    try {
      replaced.set(name, castColumn(df.column(name), spec, schema.isTensorSpec()));
    } catch (e) {
      const typeName =
        spec instanceof TensorSpec
          ? spec.type
          : typeof spec.type === "string"
            ? PANDAS_TYPE[spec.type]
            : spec.type.repr();
      const err = e instanceof CastFailure ? e.repr : `MlflowException(${pyRepr((e as Error).message)})`;
      throw new MlflowException(
        `Data is not compatible with model signature. Failed to convert column ${name} to type '${typeName}'. Error: '${err}'`,
        "BAD_REQUEST",
        { cause: e },
      );
    }
  }
  return new DataFrame(df.columnList.map((c) => replaced.get(c.name) ?? c));
}

function arrayForSpec(value: unknown, spec: ColSpec | TensorSpec, name: string): unknown {
  const dtype =
    spec instanceof TensorSpec
      ? spec.type
      : typeof spec.type === "string"
        ? NUMPY_TYPE_OF_DATA_TYPE[spec.type]
        : null;
  if (dtype === null) return value;
  try {
    if (isTensor(value)) return isNumericDType(dtype) ? castTensor(value, dtype as NumpyDType) : value;
    if (dtype === "datetime64[ns]" || dtype === "bytes") return tensorFromNested(value, "object");
    return tensorFromNested(value, dtype as NumpyDType);
  } catch (e) {
    throw new MlflowException(
      `Data is not compatible with model signature. Failed to convert column ${name} to type '${dtype}'. Error: '${(e as Error).message}'`,
      "BAD_REQUEST",
      { cause: e },
    );
  }
}

/**
 * The serving-side coercion of a parsed request (before `enforceSchema`): DataFrames (from
 * `dataframe_split`/`dataframe_records`) get {@link castDataFrameForServing}; `inputs`/`instances`
 * values become tensors of the spec's dtype (`np.array(x, dtype)`): a dict by name, a list or scalar
 * with the first spec. Without a schema the input is returned unchanged.
 */
export function coerceForServing(input: PyFuncInput, schema: Schema | null | undefined): PyFuncInput {
  if (!schema) return input;
  if (input instanceof DataFrame) return castDataFrameForServing(input, schema);
  const first = schema.inputs[0]!;
  const tensorOut = (v: unknown, spec: ColSpec | TensorSpec, name: string): Tensor | unknown =>
    arrayForSpec(v, spec, name);
  if (
    typeof input === "object" &&
    input !== null &&
    !Array.isArray(input) &&
    !isTensor(input) &&
    !ArrayBuffer.isView(input)
  ) {
    if (!schema.hasInputNames()) return input;
    const specs = schema.inputDict();
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(input as Record<string, unknown>)) {
      const spec = specs.get(k);
      out[k] =
        spec && (spec instanceof TensorSpec || typeof spec.type === "string") ? tensorOut(v, spec, k) : v;
    }
    return out as PyFuncInput;
  }
  if (first instanceof ColSpec && typeof first.type !== "string") return input;
  return tensorOut(input, first, first.name ?? "0") as PyFuncInput;
}
