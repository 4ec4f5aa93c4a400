import { MlflowException } from "../errors/mlflow-exception.js";
import { DataFrame } from "../inputs/dataframe.js";
import { isTypedArray, type TypedArray } from "../inputs/dtype.js";
import type { PyFuncOutput } from "../inputs/model-input.js";
import { isTensor, type Tensor } from "../inputs/tensor.js";

export interface SerializeOptions {
  /** Unified LLM mode: send the output itself, not `{"predictions": ...}`. */
  unwrapped?: boolean;
}

const MAX_DEPTH = 256;

/**
 * The JSON body MLflow's scoring server sends for a model output: `{"predictions": X}` (or X alone in
 * unified LLM mode), with X as MLflow's `predictions_to_json` builds it:
 * DataFrame → list of row objects; tensor → nested lists; dict of tensors → dict of nested lists; lists,
 * dicts and scalars as they are; bytes → base64 (with newlines, as Python's `encodebytes`); dates → ISO text.
 *
 * Decision (spec §7.2): Python writes NaN/Infinity as bare tokens, which is not JSON; we write `null` so
 * every JSON client can read the answer. Integers beyond 2^53 are written exactly.
 */
export function serializePredictions(output: PyFuncOutput, options: SerializeOptions = {}): string {
  // the common answer of tree and regression models, a 1-D numeric tensor, without the generic walk
  if (
    options.unwrapped !== true &&
    isTensor(output) &&
    output.shape.length === 1 &&
    output.dtype !== "bool"
  ) {
    const d = output.data;
    if (
      (d instanceof Float32Array || d instanceof Float64Array || d instanceof Int32Array) &&
      d.length === output.shape[0]
    ) {
      return JSON.stringify({ predictions: typedToList(d) });
    }
  }
  const value = toJsonable(output, 0, new Set());
  const body = options.unwrapped ? value : { predictions: value };
  return JSON.stringify(body);
}

/** Convert a model output to plain JSON-able values (same rules as serializePredictions, NaN kept). */
export function predictionsToJsonable(output: PyFuncOutput): unknown {
  return toJsonable(output, 0, new Set());
}

/** int64 values: a JS number when exact, else the decimal digits as a string (never silently rounded). */
function bigintToJson(value: bigint): number | string {
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : value.toString();
}

function toJsonable(value: unknown, depth: number, stack: Set<object>): unknown {
  if (depth > MAX_DEPTH)
    throw new MlflowException("Model output is nested too deeply to serialize.", "INTERNAL_ERROR");
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case "number":
      return Number.isFinite(value) ? value : null;
    case "string":
    case "boolean":
      return value;
    case "bigint":
      return bigintToJson(value);
    case "function":
    case "symbol":
      return null;
  }
  const obj = value as object;
  if (isDataFrameInstance(value)) return frameToRecords(value);
  if (isTensor(value)) return tensorToNested(value);
  if (value instanceof Uint8Array && (value as { constructor: unknown }).constructor !== Uint8Array) {
    return encodeBytes(value); // Buffer
  }
  if (isTypedArray(value)) return typedToList(value);
  if (value instanceof Date) return value.toISOString();
  if (value instanceof ArrayBuffer) return encodeBytes(new Uint8Array(value));
  if (stack.has(obj))
    throw new MlflowException("Model output contains a cycle and cannot be serialized.", "INTERNAL_ERROR");
  stack.add(obj);
  try {
    if (Array.isArray(value)) return value.map((v) => toJsonable(v, depth + 1, stack));
    if (value instanceof Map) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of value) out[String(k)] = toJsonable(v, depth + 1, stack);
      return out;
    }
    if (value instanceof Set) return [...value].map((v) => toJsonable(v, depth + 1, stack));
    const withToJson = value as { toJSON?: () => unknown; toArray?: () => unknown };
    if (typeof withToJson.toJSON === "function") return toJsonable(withToJson.toJSON(), depth + 1, stack);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toJsonable(v, depth + 1, stack);
    return out;
  } finally {
    stack.delete(obj);
  }
}

/** Python's base64.encodebytes: 76-character lines, each ending in a newline. */
export function encodeBytes(bytes: Uint8Array): string {
  const b64 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
  let out = "";
  for (let i = 0; i < b64.length; i += 76) out += `${b64.slice(i, i + 76)}\n`;
  return out;
}

function cell(v: unknown, isBool: boolean): unknown {
  if (isBool) return v === null || v === undefined ? null : Boolean(v);
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  if (typeof v === "string" || typeof v === "boolean" || v === null) return v;
  if (typeof v === "bigint") return bigintToJson(v);
  return toJsonable(v, 1, new Set());
}

function frameToRecords(df: DataFrame): Record<string, unknown>[] {
  const cols = df.columnList;
  const rows: Record<string, unknown>[] = new Array(df.numRows);
  for (let i = 0; i < df.numRows; i++) {
    const row: Record<string, unknown> = {};
    for (const c of cols) row[c.name] = cell(c.values[i], c.dtype === "bool");
    rows[i] = row;
  }
  return rows;
}

function typedToList(a: TypedArray): unknown[] {
  const out = new Array(a.length);
  if (a instanceof Float32Array || a instanceof Float64Array) {
    for (let i = 0; i < a.length; i++) {
      const v = a[i]!;
      out[i] = Number.isFinite(v) ? v : null;
    }
  } else if (a instanceof BigInt64Array || a instanceof BigUint64Array) {
    for (let i = 0; i < a.length; i++) out[i] = bigintToJson(a[i]!);
  } else for (let i = 0; i < a.length; i++) out[i] = a[i];
  return out;
}

function tensorToNested(t: Tensor): unknown {
  const isBool = t.dtype === "bool";
  const data = t.data as ArrayLike<unknown>;
  const flat = (i: number): unknown => cell(data[i], isBool);
  if (t.shape.length === 0) return flat(0);
  const build = (dim: number, offset: number, stride: number): unknown[] => {
    const n = t.shape[dim]!;
    const inner = stride / (n === 0 ? 1 : n);
    const out = new Array(n);
    if (dim === t.shape.length - 1) for (let i = 0; i < n; i++) out[i] = flat(offset + i);
    else for (let i = 0; i < n; i++) out[i] = build(dim + 1, offset + i * inner, inner);
    return out;
  };
  let total = 1;
  for (const d of t.shape) total *= d;
  return build(0, 0, total);
}

/**
 * A DataFrame from typed columns. (Exported because `DataFrame` is also re-exported as a type elsewhere in
 * core's index, which hides the class value from `import { DataFrame } from "@pyfunc/core"`.)
 */
export function dataFrameFromColumns(columns: ConstructorParameters<typeof DataFrame>[0]): DataFrame {
  return new DataFrame(columns);
}

/**
 * A DataFrame, also one built by another copy of @pyfunc/core (model code can load its own copy): checked by
 * shape (`columnList` and `numRows`) when `instanceof` fails.
 */
export function isDataFrameInstance(value: unknown): value is DataFrame {
  if (value instanceof DataFrame) return true;
  if (typeof value !== "object" || value === null) return false;
  const v = value as { columnList?: unknown; numRows?: unknown };
  return Array.isArray(v.columnList) && typeof v.numRows === "number";
}
