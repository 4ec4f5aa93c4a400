/**
 * A fast path for `text/csv` scoring bodies whose columns are all numeric: cells go straight from the
 * text into one Float64Array per column (then the schema's typed array) — no csv-parse records, no
 * string per cell, no per-cell regex. It reproduces exactly what the general path (`parseCsvBody`:
 * csv-parse with `relax_column_count`, `skip_empty_lines`, `bom`, `relax_quotes`, then pandas-like
 * typing) builds for the bodies it accepts; for anything else (a non-numeric cell, a quoted field
 * spanning lines, a malformed quote, a row too long, a string/bool/datetime/binary schema column,
 * a TensorSpec schema, an empty body…) it returns `undefined` and the caller runs the general path,
 * which then answers or throws as before. It never throws itself.
 */
import { parsePyFloat } from "../protocol/coerce.js";
import { FALSE_VALUES, INT_RE, NA_VALUES, TRUE_VALUES, uniqueNames } from "../protocol/csv.js";
import { type InputSchemaView, isScalarColSpec } from "../protocol/schema-view.js";
import { type Column, DataFrame } from "./dataframe.js";
import { exactDecimal } from "./exact-decimal.js";

const TWO53 = 2 ** 53;

// column kinds
const F64 = 0;
const F32 = 1;
const I64 = 2;
const I32 = 3;
const INFER = 4;
/** text columns (kept as strings): schema `string`, schema `boolean`, untyped but not numeric */
const STR = 5;
const BOOL = 6;
const TEXT = 7;

const COMMA = 44;
const QUOTE = 34;
const LF = 10;
const CR = 13;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

// ------------------------------------------------------------------ cell readers (results in globals)

/** End of the number read by {@link scanNumber} (-1: not a plain decimal literal). */
let gEnd = -1;
/** The cell matches `^\s*[+-]?\d+\s*$` (pandas/numpy integer text). */
let gInt = false;
/** An integer cell of magnitude ≥ 2^53 (a double may not hold it exactly: int64 columns re-read its text). */
let gBig = false;
/** The cell is one of pandas' NA tokens. */
let gNa = false;

/**
 * Reads `[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?` at s[start] (what Python's float() takes, minus
 * underscores, whitespace and nan/inf spellings, which go to the general cell reader).
 */
function scanNumber(s: string, start: number): number {
  let p = start;
  let c = s.charCodeAt(p);
  let neg = false;
  if (c === 45 || c === 43) {
    neg = c === 45;
    c = s.charCodeAt(++p);
  }
  let hi = 0;
  let lo = 0;
  let nd = 0;
  let loDigits = 0;
  let scale = 0;
  let digits = 0;
  let tooMany = false;
  let isInt = true;
  while (c >= 48 && c <= 57) {
    const d = c - 48;
    digits++;
    if (nd === 0 && d === 0) {
      // leading zero
    } else if (nd < 9) {
      hi = hi * 10 + d;
      nd++;
    } else if (nd < 17) {
      lo = lo * 10 + d;
      loDigits++;
      nd++;
    } else {
      tooMany = true;
      scale++;
    }
    c = s.charCodeAt(++p);
  }
  if (c === 46) {
    isInt = false;
    c = s.charCodeAt(++p);
    while (c >= 48 && c <= 57) {
      const d = c - 48;
      digits++;
      if (nd === 0 && d === 0) {
        scale--;
      } else if (nd < 9) {
        hi = hi * 10 + d;
        nd++;
        scale--;
      } else if (nd < 17) {
        lo = lo * 10 + d;
        loDigits++;
        nd++;
        scale--;
      } else if (d !== 0) {
        tooMany = true;
      }
      c = s.charCodeAt(++p);
    }
  }
  if (digits === 0) {
    gEnd = -1;
    return 0;
  }
  let huge = false;
  if (c === 101 || c === 69) {
    isInt = false;
    c = s.charCodeAt(++p);
    let eneg = false;
    if (c === 45 || c === 43) {
      eneg = c === 45;
      c = s.charCodeAt(++p);
    }
    if (!(c >= 48 && c <= 57)) {
      gEnd = -1;
      return 0;
    }
    let e = 0;
    while (c >= 48 && c <= 57) {
      if (e < 100000) e = e * 10 + (c - 48);
      else huge = true;
      c = s.charCodeAt(++p);
    }
    scale += eneg ? -e : e;
  }
  gEnd = p;
  gInt = isInt;
  gNa = false;
  let v = tooMany || huge || scale < -22 || scale > 22 ? Number.NaN : exactDecimal(hi, lo, loDigits, scale);
  if (Number.isNaN(v)) v = Math.abs(Number(s.slice(start, p)));
  gBig = isInt && v >= TWO53;
  return neg ? -v : v;
}

class Bail extends Error {}
const BAIL = new Bail();
/** An untyped column met a non-numeric cell: parse again with that column kept as text. */
class Restart extends Error {
  constructor(readonly column: number) {
    super("restart");
  }
}
/** Set by {@link generalCell} when the cell is neither missing nor a number. */
let gBad = false;

/** Any other cell text, read exactly as the general path does (NA tokens, then Python's float()). */
function generalCell(c: string): number {
  if (NA_VALUES.has(c)) {
    gNa = true;
    gInt = false;
    gBig = false;
    return Number.NaN;
  }
  const f = parsePyFloat(c);
  gNa = false;
  if (f === undefined) {
    gBad = true;
    return Number.NaN;
  }
  gInt = INT_RE.test(c);
  gBig = gInt && Math.abs(f) >= TWO53;
  return f;
}

// ------------------------------------------------------------------ the parser

/**
 * Parse a CSV body (already decoded text) into a DataFrame when every column is numeric — typed
 * `double`/`float`/`long`/`integer` by the schema, or untyped and inferred as pandas would (int64 when
 * all cells are integers, else float64) — or return `undefined` to let the general path handle it.
 */
export function parseCsvFast(text: string, view?: InputSchemaView): DataFrame | undefined {
  if (view !== undefined && (view.isTensor || view.specs.some((s) => !isScalarColSpec(s)))) return undefined;
  if (!isWellFormed(text)) return undefined; // csv-parse reads UTF-8 bytes: lone surrogates become U+FFFD
  const textColumns = new Set<number>();
  for (;;) {
    try {
      return parseNumericCsv(text, view, textColumns);
    } catch (error) {
      // a mostly-numeric frame with a few text columns: parse again keeping those as strings
      if (!(error instanceof Restart) || textColumns.size >= 4) return undefined;
      textColumns.add(error.column);
    }
  }
}

function parseNumericCsv(
  s: string,
  view: InputSchemaView | undefined,
  textColumns: ReadonlySet<number>,
): DataFrame | undefined {
  const L = s.length;
  let p = s.charCodeAt(0) === 0xfeff ? 1 : 0;
  /** record delimiter: 0 not yet seen, 1 "\n", 2 "\r\n", 3 "\r" (csv-parse picks the first one met) */
  let rd = 0;
  const rdLen = (q: number): number => {
    const c = s.charCodeAt(q);
    if (rd === 0) {
      if (c === CR) rd = s.charCodeAt(q + 1) === LF ? 2 : 3;
      else if (c === LF) rd = 1;
      else return 0;
    }
    if (rd === 1) return c === LF ? 1 : 0;
    if (rd === 2) return c === CR && s.charCodeAt(q + 1) === LF ? 2 : 0;
    return c === CR ? 1 : 0;
  };
  /** After a field: 0 comma, 1 end of record (or of text). Sets `p` past the terminator; throws if none. */
  const terminate = (q: number): number => {
    if (q >= L) {
      p = q;
      return 1;
    }
    const c = s.charCodeAt(q);
    if (c === COMMA) {
      p = q + 1;
      return 0;
    }
    if (c === CR || c === LF) {
      const n = rdLen(q);
      if (n > 0) {
        p = q + n;
        return 1;
      }
    }
    return -1;
  };
  /** Scan an unquoted field from q; returns its end (the terminator position). */
  const unquotedEnd = (q: number): number => {
    for (;;) {
      if (q >= L) return q;
      const c = s.charCodeAt(q);
      if (c === COMMA) return q;
      if ((c === CR || c === LF) && rdLen(q) > 0) return q;
      q++;
    }
  };
  /** A quoted field opening at s[q]: its unescaped text; sets `p` past the terminator, gTerm. */
  let gTerm = 0;
  const quoted = (q: number): string => {
    let i = q + 1;
    let escaped = false;
    for (;;) {
      if (i >= L) throw BAIL; // quote not closed
      const c = s.charCodeAt(i);
      if (c === QUOTE) {
        if (s.charCodeAt(i + 1) === QUOTE) {
          escaped = true;
          i += 2;
          continue;
        }
        const t = terminate(i + 1);
        if (t < 0) throw BAIL; // text after a closing quote
        gTerm = t;
        const body = s.slice(q + 1, i);
        return escaped ? body.replaceAll('""', '"') : body;
      }
      if (c === CR || c === LF) throw BAIL; // multi-line quoted field
      i++;
    }
  };

  // ---- header (the first non-empty record)
  while (p < L && (s.charCodeAt(p) === CR || s.charCodeAt(p) === LF)) {
    const n = rdLen(p);
    if (n === 0) break;
    p += n;
  }
  if (p >= L) return undefined; // no records: the general path reports it
  const header: string[] = [];
  for (;;) {
    if (s.charCodeAt(p) === QUOTE) {
      header.push(quoted(p));
      if (gTerm === 1) break;
    } else {
      const e = unquotedEnd(p);
      header.push(s.slice(p, e));
      if (terminate(e) === 1) break;
    }
  }
  const names = uniqueNames(header);
  const width = names.length;

  const specs = new Map<string, string>();
  if (view?.hasNames) for (const sp of view.specs) specs.set(sp.name as string, sp.type);
  const kinds = new Uint8Array(width);
  for (let j = 0; j < width; j++) {
    const t = specs.get(names[j]!);
    if (t === undefined) kinds[j] = textColumns.has(j) ? TEXT : INFER;
    else if (t === "string") kinds[j] = STR;
    else if (t === "boolean") kinds[j] = BOOL;
    else if (t === "double") kinds[j] = F64;
    else if (t === "float") kinds[j] = F32;
    else if (t === "long") kinds[j] = I64;
    else if (t === "integer") kinds[j] = I32;
    else return undefined;
  }

  // ---- body
  let cap = 1024;
  let cols: Float64Array[] = names.map((_n, j) => new Float64Array(kinds[j]! >= STR ? 0 : cap));
  const strs: string[][] = names.map(() => []);
  const hasNa = new Uint8Array(width);
  const notInt = new Uint8Array(width);
  /** per column: row, text of the integer cells too large for a double (int64 columns read them with BigInt) */
  const bigCells: (Array<number | string> | undefined)[] = new Array(width);
  const noteBig = (j: number, row: number, text: string): void => {
    let list = bigCells[j];
    if (list === undefined) {
      list = [];
      bigCells[j] = list;
    }
    list.push(row, text);
  };
  let n = 0;
  while (p < L) {
    const c0 = s.charCodeAt(p);
    if (c0 === CR || c0 === LF) {
      const k = rdLen(p);
      if (k > 0) {
        p += k; // skip_empty_lines
        continue;
      }
    }
    if (n === cap) {
      cap *= 2;
      cols = cols.map((col, j) => {
        if (kinds[j]! >= STR) return col;
        const grown = new Float64Array(cap);
        grown.set(col);
        return grown;
      });
    }
    let j = 0;
    for (;;) {
      if (j >= width) throw BAIL; // row longer than the header: the general path reports it
      let v: number;
      let term: number;
      const kind = kinds[j]!;
      if (kind >= STR) {
        if (s.charCodeAt(p) === QUOTE) {
          strs[j]!.push(quoted(p));
          term = gTerm;
        } else {
          const e = unquotedEnd(p);
          strs[j]!.push(s.slice(p, e));
          term = terminate(e);
        }
        j++;
        if (term === 1) break;
        continue;
      }
      gBad = false;
      if (s.charCodeAt(p) === QUOTE) {
        const text = quoted(p);
        term = gTerm;
        v = generalCell(text);
        if (gBig) noteBig(j, n, text);
      } else {
        const start = p;
        v = scanNumber(s, start);
        const end = gEnd;
        term = end < 0 ? -1 : terminate(end);
        if (term >= 0 && gBig) noteBig(j, n, s.slice(start, end));
        if (term < 0) {
          const e = unquotedEnd(start);
          if (e === start) {
            v = Number.NaN; // empty cell: missing
            gNa = true;
            gInt = false;
            gBig = false;
          } else {
            const text = s.slice(start, e);
            v = generalCell(text);
            if (gBig) noteBig(j, n, text);
          }
          term = terminate(e);
        }
      }
      if (gBad) throw kind === INFER ? new Restart(j) : BAIL;
      cols[j]![n] = v;
      if (gNa) hasNa[j] = 1;
      if (!gInt) notInt[j] = 1;
      j++;
      if (term === 1) break;
    }
    for (; j < width; j++) {
      // short row: padded with empty (missing) cells
      if (kinds[j]! >= STR) {
        strs[j]!.push("");
        continue;
      }
      cols[j]![n] = Number.NaN;
      hasNa[j] = 1;
      notInt[j] = 1;
    }
    n++;
  }

  const columns: Column[] = new Array(width);
  for (let j = 0; j < width; j++) {
    const name = names[j]!;
    const col = cols[j]!;
    let kind = kinds[j]!;
    if (kind === INFER) kind = n > 0 && notInt[j] === 0 && hasNa[j] === 0 ? I64 : F64;
    else if ((kind === I64 || kind === I32) && (hasNa[j] !== 0 || notInt[j] !== 0)) return undefined;
    switch (kind) {
      case STR:
      case TEXT: {
        const cells = strs[j]!;
        if (kind === TEXT && n > 0 && cells.every((c) => TRUE_VALUES.has(c) || FALSE_VALUES.has(c))) {
          columns[j] = { name, dtype: "bool", values: cells.map((c) => TRUE_VALUES.has(c)) };
        } else {
          columns[j] = { name, dtype: "object", values: cells.map((c) => (NA_VALUES.has(c) ? null : c)) };
        }
        break;
      }
      case BOOL: {
        const out: boolean[] = new Array(n);
        const cells = strs[j]!;
        for (let i = 0; i < n; i++) {
          const c = cells[i]!;
          if (TRUE_VALUES.has(c)) out[i] = true;
          else if (FALSE_VALUES.has(c)) out[i] = false;
          else return undefined; // the general path reports the NA / bad value
        }
        columns[j] = { name, dtype: "bool", values: out };
        break;
      }
      case F64:
        columns[j] = { name, dtype: "float64", values: n === cap ? col : col.slice(0, n) };
        break;
      case F32: {
        const out = new Float32Array(n);
        out.set(col.subarray(0, n));
        columns[j] = { name, dtype: "float32", values: out };
        break;
      }
      case I32: {
        // Int32Array wraps like the general path's `out[i] = Number(cell)` (v is Number(cell), correctly rounded)
        const out = new Int32Array(n);
        out.set(col.subarray(0, n));
        columns[j] = { name, dtype: "int32", values: out };
        break;
      }
      default: {
        const out = toInt64(col, n);
        const patches = bigCells[j];
        if (patches !== undefined) {
          for (let k = 0; k < patches.length; k += 2) {
            out[patches[k] as number] = BigInt((patches[k + 1] as string).trim());
          }
        }
        columns[j] = { name, dtype: "int64", values: out };
      }
    }
  }
  return new DataFrame(columns);
}

/**
 * Integer-valued doubles into a BigInt64Array, written as two 32-bit halves (no BigInt per cell): exactly
 * `BigInt64Array.from(col, BigInt)` (values beyond int64 wrap as that does). The CSV parser patches integers
 * above 2^53 from their text; the JSON scanner keeps the doubles' values as the general path does.
 */
export function toInt64(col: Float64Array, n: number): BigInt64Array {
  const out = new BigInt64Array(n);
  if (!LITTLE_ENDIAN) {
    for (let i = 0; i < n; i++) out[i] = BigInt(col[i]!);
    return out;
  }
  const halves = new Uint32Array(out.buffer, out.byteOffset, 2 * n);
  for (let i = 0; i < n; i++) {
    const v = col[i]!;
    const hi = Math.floor(v / 4294967296);
    halves[2 * i] = v - hi * 4294967296;
    halves[2 * i + 1] = hi >>> 0;
  }
  return out;
}

/** No lone surrogates (String.prototype.isWellFormed where Node has it). */
function isWellFormed(text: string): boolean {
  const native = (text as unknown as { isWellFormed?: () => boolean }).isWellFormed;
  return native !== undefined ? native.call(text) : !/[\uD800-\uDFFF]/.test(text);
}
