/**
 * Params conversion and enforcement (MLflow `_enforce_param_datatype`, `_enforce_params_schema`).
 * JS numbers stand for Python numbers: an integral number is an `int`, any other a `float`.
 * Datetime params come back as ISO strings in Python's `isoformat()` form.
 */
import { MlflowException } from "../errors/mlflow-exception.js";
import type { Params } from "../inputs/model-input.js";
import { enforceObject } from "./enforce-types.js";
import { PyFloat, pyRepr, pyStr, pyStrRepr } from "./pyjson.js";
import { type DataType, ObjectType, type ParamSchema, ParamSpec, type ParamType } from "./types.js";

/** Python's `type(value)` repr, e.g. `<class 'float'>`. */
export function pyTypeRepr(value: unknown): string {
  if (value === null || value === undefined) return "<class 'NoneType'>";
  if (typeof value === "boolean") return "<class 'bool'>";
  if (typeof value === "number") return Number.isInteger(value) ? "<class 'int'>" : "<class 'float'>";
  if (typeof value === "bigint") return "<class 'int'>";
  if (typeof value === "string") return "<class 'str'>";
  if (Array.isArray(value)) return "<class 'list'>";
  if (value instanceof Uint8Array) return "<class 'bytes'>";
  if (value instanceof Date) return "<class 'datetime.datetime'>";
  return "<class 'dict'>";
}

export function paramTypeRepr(t: ParamType): string {
  return typeof t === "string" ? t : t.repr();
}

/** f"{dtype}" of a DataType enum member in Python. */
const enumStr = (t: DataType): string => `DataType.${t}`;

function isPyScalar(v: unknown): boolean {
  return (
    typeof v === "number" ||
    typeof v === "string" ||
    typeof v === "boolean" ||
    typeof v === "bigint" ||
    v instanceof Uint8Array
  );
}

/** DataType.check_type: is the value exactly of the type's numpy/pandas/python class? */
function checkType(t: DataType, v: unknown): boolean {
  switch (t) {
    case "boolean":
      return typeof v === "boolean";
    case "integer":
    case "long":
      return (typeof v === "number" && Number.isInteger(v)) || typeof v === "bigint";
    case "float":
    case "double":
      return typeof v === "number" && !Number.isInteger(v);
    case "string":
      return typeof v === "string";
    case "binary":
      return v instanceof Uint8Array;
    case "datetime":
      return v instanceof Date;
  }
}

/** MLflow `_enforce_param_datatype` for one scalar value, or `_enforce_object` for Object params. */
export function convertParamValue(value: unknown, type: ParamType): unknown {
  if (type instanceof ObjectType) {
    enforceObject(structuredClone(value), type, true);
    return value;
  }
  if (value === null || value === undefined) return null;
  if (value instanceof PyFloat) {
    if (type === "float" || type === "double") return value.value;
    throw MlflowException.invalidParameter(
      `Can not safely convert \`<class 'float'>\` to \`${enumStr(type)}\` for value \`${pyStr(value)}\``,
    );
  }
  if (type === "datetime") return toPyDatetimeIso(value);
  if (!isPyScalar(value)) {
    throw MlflowException.invalidParameter(
      `Value must be a scalar for type \`${enumStr(type)}\`, got \`${pyStr(value)}\``,
    );
  }
  if (checkType(type, value)) return toPython(type, value);
  const allowed: Partial<Record<DataType, DataType[]>> = {
    long: ["integer"],
    float: ["integer", "long"],
    double: ["integer", "long", "float"],
  };
  if (allowed[type]?.some((t) => checkType(t, value))) return toPython(type, value);
  throw MlflowException.invalidParameter(
    `Can not safely convert \`${pyTypeRepr(value)}\` to \`${enumStr(type)}\` for value \`${pyStr(value)}\``,
  );
}

function toPython(type: DataType, value: unknown): unknown {
  if (typeof value === "bigint" && (type === "float" || type === "double")) return Number(value);
  if (typeof value === "bigint" && Number.isSafeInteger(Number(value))) return Number(value);
  return value;
}

const DATETIME_RE =
  /^([+-]?\d{4,})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?(Z)?)?)?)?$/;

/**
 * `np.datetime64(value).item().isoformat()`: date-precision strings stay dates (`2024-01-02`),
 * anything with a time becomes `YYYY-MM-DDTHH:MM:SS[.ffffff]`.
 */
export function toPyDatetimeIso(value: unknown): string {
  const fail = (): MlflowException =>
    MlflowException.invalidParameter(
      `Failed to convert value \`${pyStr(value)}\` from type \`${pyTypeRepr(value)}\` to \`DataType.datetime\``,
    );
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw fail();
    return value
      .toISOString()
      .replace(/Z$/, "")
      .replace(/\.(\d{3})$/, (_m, ms: string) => (ms === "000" ? "" : `.${ms}000`));
  }
  if (typeof value !== "string") throw fail();
  const m = DATETIME_RE.exec(value.trim());
  if (!m) throw fail();
  const [, y, mo, d, hh, mi, ss, frac] = m;
  const month = mo === undefined ? 1 : Number(mo);
  const day = d === undefined ? 1 : Number(d);
  if (month < 1 || month > 12 || day < 1 || day > daysIn(Number(y), month)) throw fail();
  const date = `${y}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
  if (hh === undefined) return date;
  const h = Number(hh);
  const mn = mi === undefined ? 0 : Number(mi);
  const s = ss === undefined ? 0 : Number(ss);
  if (h > 23 || mn > 59 || s > 59) throw fail();
  if (frac !== undefined && frac.length > 6 && /[1-9]/.test(frac.slice(6))) {
    throw MlflowException.invalidParameter(
      `Failed to convert value to \`DataType.datetime\`. It must be convertible to datetime.date/datetime, got \`${pyStr(value)}\``,
    );
  }
  const us = frac === undefined ? 0 : Number(frac.slice(0, 6).padEnd(6, "0"));
  const time = `${String(h).padStart(2, "0")}:${String(mn).padStart(2, "0")}:${String(s).padStart(2, "0")}`;
  return `${date}T${time}${us === 0 ? "" : `.${String(us).padStart(6, "0")}`}`;
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * MLflow `_enforce_params_schema`. Without a schema, params are dropped (with a warning) and `{}`
 * is returned; with one, unknown keys are dropped with a warning, defaults fill missing keys, and
 * every provided value is validated; all failures are reported in one INVALID_PARAMETER_VALUE.
 */
export function enforceParams(
  params: Params | undefined | null,
  schema: ParamSchema | undefined | null,
  warn: (message: string) => void = () => {},
): Params {
  if (schema === undefined || schema === null) {
    if (params === undefined || params === null) return {};
    const isDict = typeof params === "object" && !Array.isArray(params);
    if (isDict && Object.keys(params).length === 0) return {};
    const info = isDict
      ? `Ignoring provided params: ${pyRepr(Object.keys(params))}`
      : "Ignoring invalid params (not a dictionary).";
    warn(
      `\`params\` can only be specified at inference time if the model signature defines a params schema. This model does not define a params schema. ${info}`,
    );
    return {};
  }
  const given: unknown = params ?? {};
  if (typeof given !== "object" || given === null || Array.isArray(given) || ArrayBuffer.isView(given)) {
    throw MlflowException.invalidParameter(
      `Parameters must be a dictionary. Got type '${Array.isArray(given) ? "list" : typeof given === "string" ? "str" : typeof given}'.`,
    );
  }
  const input = given as Record<string, unknown>;
  const allowed = new Set(schema.params.map((p) => p.name));
  const ignored = Object.keys(input).filter((k) => !allowed.has(k));
  if (ignored.length > 0) {
    warn(
      `Unrecognized params ${pyRepr(ignored)} are ignored for inference. Supported params are: {${[...allowed].map(pyStrRepr).join(", ")}}. To enable them, please add corresponding schema in ModelSignature.`,
    );
  }
  const out: Params = {};
  for (const k of Object.keys(input)) if (allowed.has(k)) out[k] = input[k];
  const invalid: string[] = [];
  for (const spec of schema.params) {
    if (Object.hasOwn(out, spec.name)) {
      try {
        out[spec.name] = ParamSpec.validateParamSpec(out[spec.name], spec);
      } catch (e) {
        if (!(e instanceof MlflowException)) throw e;
        invalid.push(`(${pyStrRepr(spec.name)}, ${pyStrRepr(e.message)})`);
      }
    } else {
      out[spec.name] = spec.default;
    }
  }
  if (invalid.length > 0) {
    throw MlflowException.invalidParameter(`Invalid parameters found: {${invalid.join(", ")}}`);
  }
  return out;
}
