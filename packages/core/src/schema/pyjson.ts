/**
 * Python-compatible JSON and repr helpers: `json.dumps` with its default separators (", " and ": "),
 * `ensure_ascii=True`, Python float repr (`1.0`, `1e-05`, `1e+16`), and `NaN`/`Infinity` tokens,
 * so that what MLflow writes (signatures in MLmodel, input examples) is reproduced byte for byte.
 */

/** A number that Python holds as a `float` (written `1.0`, never `1`). */
export class PyFloat {
  constructor(readonly value: number) {}
}

/** A Python tuple (repr `(-1,)`, JSON list). */
export class PyTuple {
  constructor(readonly items: readonly unknown[]) {}
}

/** Python's `repr(float)` (shortest round-trip digits, exponent outside 1e-4 <= |x| < 1e16). */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (x === Number.POSITIVE_INFINITY) return "inf";
  if (x === Number.NEGATIVE_INFINITY) return "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const sign = x < 0 ? "-" : "";
  const exp = Math.abs(x).toExponential(); // shortest digits: "d.ddde+N"
  const eAt = exp.indexOf("e");
  const mantissa = exp.slice(0, eAt);
  const e = Number.parseInt(exp.slice(eAt + 1), 10);
  const digits = mantissa.replace(".", "");
  if (e < -4 || e >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const es = Math.abs(e) < 10 ? `0${Math.abs(e)}` : `${Math.abs(e)}`;
    return `${sign}${m}e${e < 0 ? "-" : "+"}${es}`;
  }
  if (e < 0) return `${sign}0.${"0".repeat(-e - 1)}${digits}`;
  if (digits.length <= e + 1) return `${sign}${digits}${"0".repeat(e + 1 - digits.length)}.0`;
  return `${sign}${digits.slice(0, e + 1)}.${digits.slice(e + 1)}`;
}

/** JSON token for a number as Python's json module writes it (ints as ints, floats with repr). */
function numberToken(x: number, asFloat: boolean): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Number.POSITIVE_INFINITY) return "Infinity";
  if (x === Number.NEGATIVE_INFINITY) return "-Infinity";
  if (!asFloat && Number.isInteger(x)) {
    if (Object.is(x, -0)) return "0";
    return Math.abs(x) < 1e21 ? String(x) : BigInt(x).toString();
  }
  return pyFloatRepr(x);
}

const ESCAPES: Record<string, string> = {
  '"': '\\"',
  "\\": "\\\\",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\b": "\\b",
  "\f": "\\f",
};

/** A JSON string literal as Python writes it with ensure_ascii=True. */
export function pyJsonString(s: string): string {
  return `"${s.replace(/[\\"]|[^ -~]/g, (c) => ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)}"`;
}

export interface PyJsonDumpsOptions {
  /** As Python's `indent`: items on their own lines, separators "," and ": ". */
  indent?: number;
  /** Write integral JS numbers as floats (`1.0`), as Python would for float64 data. */
  numbersAsFloats?: boolean;
}

/**
 * Python's `json.dumps(value)` for JSON-like JS values. Numbers that are integral are written as ints
 * unless wrapped in {@link PyFloat}; bigint is an int; typed arrays are lists; `undefined` is `null`.
 */
export function pyJsonDumps(value: unknown, options: PyJsonDumpsOptions = {}): string {
  const out: string[] = [];
  const indent = options.indent;
  const asFloats = options.numbersAsFloats === true;
  const itemSep = indent === undefined ? ", " : ",";
  const write = (v: unknown, level: number): void => {
    if (v === null || v === undefined) {
      out.push("null");
    } else if (typeof v === "boolean") {
      out.push(v ? "true" : "false");
    } else if (typeof v === "number") {
      out.push(numberToken(v, asFloats));
    } else if (typeof v === "bigint") {
      out.push(v.toString());
    } else if (typeof v === "string") {
      out.push(pyJsonString(v));
    } else if (v instanceof PyFloat) {
      out.push(numberToken(v.value, true));
    } else if (v instanceof PyTuple) {
      writeList(v.items, level);
    } else if (Array.isArray(v)) {
      writeList(v, level);
    } else if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      const isFloat = v instanceof Float32Array || v instanceof Float64Array;
      const items: unknown[] = [];
      for (const x of Array.from(v as unknown as ArrayLike<number | bigint>))
        items.push(isFloat ? new PyFloat(x as number) : x);
      writeList(items, level);
    } else if (v instanceof Date) {
      out.push(pyJsonString(v.toISOString()));
    } else if (typeof v === "object") {
      const entries = Object.entries(v as Record<string, unknown>);
      if (entries.length === 0) {
        out.push("{}");
        return;
      }
      out.push("{");
      entries.forEach(([k, x], i) => {
        if (i > 0) out.push(itemSep);
        newline(level + 1);
        out.push(pyJsonString(k), ": ");
        write(x, level + 1);
      });
      newline(level);
      out.push("}");
    } else {
      out.push(pyJsonString(String(v)));
    }
  };
  const newline = (level: number): void => {
    if (indent !== undefined) out.push(`\n${" ".repeat(indent * level)}`);
  };
  const writeList = (items: readonly unknown[], level: number): void => {
    if (items.length === 0) {
      out.push("[]");
      return;
    }
    out.push("[");
    items.forEach((x, i) => {
      if (i > 0) out.push(itemSep);
      newline(level + 1);
      write(x, level + 1);
    });
    newline(level);
    out.push("]");
  };
  write(value, 0);
  return out.join("");
}

const REPR_ESCAPES: Record<string, string> = { "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t" };
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what repr escapes
const NEEDS_ESCAPE_SINGLE = /[\\'\n\r\t\x00-\x1f\x7f]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what repr escapes
const NEEDS_ESCAPE_DOUBLE = /[\\"\n\r\t\x00-\x1f\x7f]/g;

function escapeChar(c: string): string {
  const known = REPR_ESCAPES[c];
  if (known !== undefined) return known;
  const code = c.charCodeAt(0);
  return code < 0x20 || code === 0x7f ? `\\x${code.toString(16).padStart(2, "0")}` : `\\${c}`;
}

/** Python's `repr(str)` (one regex pass: linear in the string, with no per-character concatenation). */
export function pyStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  const body = s.replace(quote === "'" ? NEEDS_ESCAPE_SINGLE : NEEDS_ESCAPE_DOUBLE, escapeChar);
  return `${quote}${body}${quote}`;
}

/** Longest part of a bad value an error message quotes. */
export const MAX_QUOTED_CHARS = 200;

/**
 * `repr(str)` of at most the first `max` characters (then `...` after the closing quote): what error messages
 * quote of a bad value, so a 100 MB cell costs a 200-character message.
 */
export function pyStrReprBounded(s: string, max = MAX_QUOTED_CHARS): string {
  return s.length <= max ? pyStrRepr(s) : `${pyStrRepr(s.slice(0, max))}...`;
}

/** Python's `repr()` of a JSON-like JS value (lists, dicts, str, int/float, bool, None, tuples). */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : pyFloatRepr(value);
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "string") return pyStrRepr(value);
  if (value instanceof PyFloat) return pyFloatRepr(value.value);
  if (value instanceof PyTuple) {
    const parts = value.items.map(pyRepr);
    return parts.length === 1 ? `(${parts[0]},)` : `(${parts.join(", ")})`;
  }
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(", ")}]`;
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return `array([${Array.from(value as unknown as ArrayLike<number>, (x) => pyRepr(x)).join(", ")}])`;
  }
  if (value instanceof Date) return `datetime.datetime.fromisoformat(${pyStrRepr(value.toISOString())})`;
  if (typeof value === "object") {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${pyStrRepr(k)}: ${pyRepr(v)}`)
      .join(", ")}}`;
  }
  return String(value);
}

/** Python's `str()` of a value (strings unquoted, everything else as repr). */
export function pyStr(value: unknown): string {
  return typeof value === "string" ? value : pyRepr(value);
}
