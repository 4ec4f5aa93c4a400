/**
 * The fast path for numeric-heavy JSON scoring bodies: `{"dataframe_split": {"columns": [...], "data":
 * [[numbers]]}}` (optionally with `index`) and `{"instances" | "inputs": [[...numbers...]]}` (or a dict of such
 * arrays), each optionally with `params`. One pass over the body bytes (never decoded to a string): numbers go
 * straight from the text into one column-major Float64Array of cells (or one flat array per tensor), each row
 * in one call of the number loop ({@link readCells}, four digits per load where it can), then into the
 * column's typed array (Float32Array when the signature says `float`) — no JS array per row, no boxed number
 * per cell.
 *
 * {@link parseJsonBodyFast} gives exactly what the general path (`JSON.parse` + pandas-like typing and the
 * signature's serving casts, protocol/parse.ts) gives for the bodies it takes; a null in a `dataframe_split`
 * column that also holds numbers is NaN, as pandas reads it. It never throws: for anything else (a string,
 * bool or object cell, a column of nulls only, a null in `instances` / `inputs`, ragged rows, an empty array, a
 * cast the general path would refuse, other keys, a byte sequence JSON.parse would reject…) it returns
 * `undefined` and the caller runs the general path, which answers or throws as before. Numbers are converted exactly as JSON.parse does (correctly
 * rounded: see exact-decimal.ts, else `Number()` of the literal). Linear time; memory bounded by the body size
 * (a cell takes at least two bytes of it, 8 bytes of cell buffer and at most 8 bytes of output).
 */
import {
  columnSpecsByName,
  type InputSchemaView,
  type InputSpecJson,
  isScalarColSpec,
  specNumpyType,
} from "../protocol/schema-view.js";
import { toInt64 } from "./csv-fast-parser.js";
import { type Column, DataFrame } from "./dataframe.js";
import { exactDecimal, exactQuotient } from "./exact-decimal.js";
import type { Tensor } from "./tensor.js";
import { ReaderMemoryError, WasmNumberReader } from "./wasm-numbers.js";

export interface FastSplitResult {
  frame: DataFrame;
  /** Raw JSON text of `params`, if present (parse it with the general parser). */
  paramsJson?: string;
}

/** What {@link parseJsonBodyFast} read: the input as the general path builds it, and `params`' raw text. */
export interface FastJsonBody {
  format: "dataframe_split" | "instances" | "inputs";
  input: DataFrame | Tensor | Record<string, Tensor>;
  /** Raw JSON text of `params`, if present. */
  paramsJson?: string;
}

// Byte codes are written as literals (an enum member is a property load per use in the hot loops):
// 9 tab, 10 LF, 13 CR, 32 space, 34 ", 43 +, 44 ",", 45 -, 46 ., 48–57 0–9, 58 :, 69 E, 91 [, 92 \, 93 ], 101 e,
// 123 {, 125 }.

/** Position after, and integer-ness of the text of, the last number read by {@link readNumber}. */
let gPos = 0;
let gInt = true;
/**
 * A `null` cell was read (as NaN) since the caller last cleared this. pandas reads a null among numbers as NaN
 * (a float64 column, or the signature's float), so `dataframe_split` keeps it; a column of nulls only is an object
 * column and numpy makes a nested list with a null an object array: those go to the general path.
 */
let gNull = false;

/**
 * The WebAssembly reader of the body being parsed, when it is large enough (set by the entry points, dropped
 * when they return): rows and arrays go through it first, and the JS reader below takes over wherever it stops.
 */
let gReader: WasmNumberReader | null = null;

/**
 * Reads `count` comma-separated JSON numbers from b[p] (whitespace allowed around each; a comma first when
 * `sep`) into out[at], out[at + stride], …, and returns the position just after the last. JSON's grammar (no leading zeros, no `+`,
 * digits after `.` and `e`), plus Python's `NaN`, `Infinity`, `-Infinity` (not `-NaN`, which the general path
 * refuses). Sets {@link gInt}: every one of them was written as an integer (no `.` or exponent).
 *
 * The common form (`-?digits(.digits)?`, at most 17 significant digits, at most 22 after the point) is read
 * here: Clinger's fast path, else the double-double {@link exactDecimal}; anything else (exponents, more
 * digits, NaN / Infinity, a value too close to a rounding midpoint) goes to {@link readNumberSlow}. The one
 * digit loop of this file: {@link readNumber} is this with a count of one.
 *
 * Bytes are read without a bounds guard: past the end a Uint8Array gives `undefined`, which is no digit, sign,
 * dot, separator or exponent, so every loop stops there and the caller sees no closing bracket.
 */
function readCells(
  b: Uint8Array,
  dv: DataView,
  p: number,
  count: number,
  out: Float64Array,
  at: number,
  stride: number,
  sep: boolean,
): number {
  let allInt = true;
  const lim = b.length - 4; // the last position a four-byte load may start at
  for (let j = 0; j < count; j++, at += stride) {
    let c = b[p]!;
    while (c === 32 || c === 10 || c === 13 || c === 9) c = b[++p]!;
    if (j > 0 || sep) {
      if (c !== 44) throw BAIL;
      c = b[++p]!;
      while (c === 32 || c === 10 || c === 13 || c === 9) c = b[++p]!;
    }
    const start = p;
    const neg = c === 45;
    if (neg) c = b[++p]!;
    // the first 9 significant digits into `hi`, up to 9 more into `lo` (18: the slow path)
    let hi = 0;
    let lo = 0;
    let nh = 0;
    let nl = 0;
    if (c === 48) {
      c = b[++p]!;
      if (c >= 48 && c <= 57) throw BAIL; // JSON: no leading zeros
    } else if (c >= 49 && c <= 57) {
      do {
        hi = hi * 10 + (c - 48);
        nh++;
        c = b[++p]!;
      } while (nh < 9 && c >= 48 && c <= 57);
      while (nl < 9 && c >= 48 && c <= 57) {
        lo = lo * 10 + (c - 48);
        nl++;
        c = b[++p]!;
      }
    } else {
      out[at] = readNumberSlow(b, start); // NaN, Infinity or not a number
      p = gPos;
      if (!gInt) allInt = false;
      continue;
    }
    let f0 = -1;
    if (c === 46) {
      c = b[++p]!;
      if (!(c >= 48 && c <= 57)) throw BAIL;
      f0 = p;
      if (nh === 0) while (c === 48) c = b[++p]!; // 0.00…: zeros before the first significant digit
      // four digits at a time while they fit `hi` (9 digits) and then `lo` (8), then one at a time
      while (nh <= 5 && p <= lim) {
        const w = dv.getUint32(p, true);
        if (!isFourDigits(w)) break;
        hi = hi * 10000 + fourDigits(w);
        nh += 4;
        p += 4;
      }
      c = b[p]!;
      while (nh < 9 && c >= 48 && c <= 57) {
        hi = hi * 10 + (c - 48);
        nh++;
        c = b[++p]!;
      }
      while (nl <= 4 && p <= lim) {
        const w = dv.getUint32(p, true);
        if (!isFourDigits(w)) break;
        lo = lo * 10000 + fourDigits(w);
        nl += 4;
        p += 4;
      }
      c = b[p]!;
      while (nl < 9 && c >= 48 && c <= 57) {
        lo = lo * 10 + (c - 48);
        nl++;
        c = b[++p]!;
      }
    }
    const scale = f0 < 0 ? 0 : f0 - p;
    let v = Number.NaN; // exponents, 18 digits or more, tiny scales: the general reader
    if (!(c === 101 || c === 69 || nl > 8 || (c >= 48 && c <= 57) || scale < -22)) {
      // hi·10^nl + lo below 2^53 is exact (rounding is monotone: a computed value below 2^53 means the exact
      // one is too); then one correctly rounded division by an exact power of ten (Clinger's fast path)
      const m = nl === 0 ? hi : hi * POW10[nl]! + lo;
      if (m < 9007199254740992) v = scale === 0 ? m : m / POW10[-scale]!;
      else v = scale < 0 ? exactQuotient(hi, lo, nl, -scale) : exactDecimal(hi, lo, nl, 0);
    }
    if (Number.isNaN(v)) {
      out[at] = readNumberSlow(b, start); // (or too close to a rounding midpoint for exactDecimal)
      p = gPos;
      if (!gInt) allInt = false;
      continue;
    }
    if (f0 >= 0) allInt = false;
    out[at] = neg ? -v : v;
  }
  gInt = allInt;
  return p;
}

/** The four bytes of `w` (little-endian, as DataView reads them) are ASCII digits. */
function isFourDigits(w: number): boolean {
  // per byte: its high nibble, and the high nibble of byte + 6 (a digit's stays 3: 0x30–0x39 + 6 ≤ 0x3f); a
  // carry out of a byte only comes from a byte ≥ 0xfa, which fails its own high-nibble test
  return ((w & 0xf0f0f0f0) | (((w + 0x06060606) & 0xf0f0f0f0) >>> 4)) === 0x33333333;
}

/** The value of four ASCII digits (the first in the low byte of `w`). */
function fourDigits(w: number): number {
  let d = w - 0x30303030; // each byte 0–9 (no borrows)
  d = (d * 10 + (d >>> 8)) & 0x00ff00ff; // byte 0: 10·d0 + d1, byte 2: 10·d2 + d3
  return (d & 0xff) * 100 + (d >>> 16);
}

const ONE = new Float64Array(1);

/** One number at b[start] ({@link readCells}); sets {@link gPos} and {@link gInt}. */
function readNumber(s: Uint8Array, dv: DataView, start: number): number {
  gPos = readCells(s, dv, start, 1, ONE, 0, 1, false);
  return ONE[0]!;
}

const POW10 = [
  1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
  1e20, 1e21, 1e22,
];

/** {@link readNumber} for the rest: exponents, more than 2^53 in the digits, NaN / Infinity, bad text. */
function readNumberSlow(s: Uint8Array, start: number): number {
  const n = s.length;
  let p = start;
  let c = p < n ? s[p]! : -1;
  let neg = false;
  if (c === 45) {
    neg = true;
    p++;
    c = p < n ? s[p]! : -1;
  }
  if (c === 110 /* n */ && !neg && startsWithAscii(s, p, "null")) {
    gPos = p + 4;
    gInt = false;
    gNull = true;
    return Number.NaN;
  }
  if (c === 78 /* N */ && !neg && startsWithAscii(s, p, "NaN")) {
    gPos = p + 3;
    gInt = false;
    return Number.NaN;
  }
  if (c === 73 /* I */ && startsWithAscii(s, p, "Infinity")) {
    gPos = p + 8;
    gInt = false;
    return neg ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  if (c < 48 || c > 57) throw BAIL;
  let hi = 0;
  let lo = 0;
  let nd = 0;
  let loDigits = 0;
  let scale = 0;
  let tooMany = false;
  let isInt = true;
  if (c === 48) {
    // JSON: a zero integer part is one digit
    p++;
    c = p < n ? s[p]! : -1;
    if (c >= 48 && c <= 57) throw BAIL;
  } else {
    while (c >= 48 && c <= 57) {
      const d = c - 48;
      if (nd < 9) {
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
      p++;
      c = p < n ? s[p]! : -1;
    }
  }
  if (c === 46) {
    isInt = false;
    p++;
    c = p < n ? s[p]! : -1;
    if (c < 48 || c > 57) throw BAIL;
    while (c >= 48 && c <= 57) {
      const d = c - 48;
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
      p++;
      c = p < n ? s[p]! : -1;
    }
  }
  if (c === 101 || c === 69) {
    isInt = false;
    p++;
    c = p < n ? s[p]! : -1;
    let eneg = false;
    if (c === 45 || c === 43) {
      eneg = c === 45;
      p++;
      c = p < n ? s[p]! : -1;
    }
    if (c < 48 || c > 57) throw BAIL;
    let e = 0;
    while (c >= 48 && c <= 57) {
      if (e < 100000) e = e * 10 + (c - 48);
      else tooMany = true; // Number() of the literal gives 0 or Infinity, as JSON.parse does
      p++;
      c = p < n ? s[p]! : -1;
    }
    scale += eneg ? -e : e;
  }
  gPos = p;
  let v = tooMany || scale < -22 || scale > 22 ? Number.NaN : exactDecimal(hi, lo, loDigits, scale);
  if (Number.isNaN(v)) v = Math.abs(Number(ascii(s, start, p)));
  gInt = isInt && v !== Number.POSITIVE_INFINITY; // 400 digits round to Infinity, which is no integer
  return neg ? -v : v;
}

class Bail extends Error {}
const BAIL = new Bail();

const DECODER = new TextDecoder("utf-8", { fatal: true });

/** ASCII text of b[start, end) (numbers only). */
function ascii(b: Uint8Array, start: number, end: number): string {
  let out = "";
  for (let i = start; i < end; i++) out += String.fromCharCode(b[i]!);
  return out;
}

function startsWithAscii(b: Uint8Array, p: number, word: string): boolean {
  for (let i = 0; i < word.length; i++) if (b[p + i] !== word.charCodeAt(i)) return false;
  return true;
}

class Scanner {
  pos = 0;
  /** The same bytes, for four-byte loads. */
  readonly dv: DataView;
  constructor(readonly s: Uint8Array) {
    this.dv = new DataView(s.buffer, s.byteOffset, s.byteLength);
  }

  ws(): void {
    const s = this.s;
    let p = this.pos;
    for (;;) {
      const c = s[p];
      if (c === 32 || c === 10 || c === 13 || c === 9) p++;
      else break;
    }
    this.pos = p;
  }

  expect(c: number): void {
    this.ws();
    if (this.s[this.pos] !== c) throw BAIL;
    this.pos++;
  }

  peek(): number {
    this.ws();
    return this.s[this.pos] ?? -1;
  }

  /** A JSON string (escapes handled through JSON.parse of the literal; raw control characters refused). */
  string(): string {
    this.expect(34);
    const s = this.s;
    const start = this.pos;
    let p = start;
    let escaped = false;
    let ascii = true;
    for (;;) {
      const c = s[p];
      if (c === undefined || c < 0x20) throw BAIL;
      if (c === 34) break;
      if (c === 92) {
        escaped = true;
        p += 2;
      } else {
        if (c >= 0x80) ascii = false;
        p++;
      }
    }
    this.pos = p + 1;
    // short ASCII names and keys (the usual case) without a TextDecoder call and a subarray each
    if (ascii && !escaped && p - start <= 64) {
      let t = "";
      for (let i = start; i < p; i++) t += String.fromCharCode(s[i]!);
      return t;
    }
    let text: string;
    try {
      text = DECODER.decode(s.subarray(escaped ? start - 1 : start, escaped ? p + 1 : p));
    } catch {
      throw BAIL;
    }
    if (!escaped) return text;
    try {
      return JSON.parse(text) as string;
    } catch {
      throw BAIL;
    }
  }

  /** Skips one JSON value and returns its raw text (checked later by JSON.parse). */
  rawValue(): string {
    this.ws();
    const s = this.s;
    const start = this.pos;
    let depth = 0;
    let p = start;
    for (;;) {
      const c = s[p];
      if (c === undefined) throw BAIL;
      if (c === 34) {
        p++;
        for (;;) {
          const d = s[p];
          if (d === undefined) throw BAIL;
          if (d === 92) p += 2;
          else if (d === 34) break;
          else p++;
        }
        p++;
        if (depth === 0) break;
        continue;
      }
      if (c === 123 || c === 91) depth++;
      else if (c === 125 || c === 93) {
        if (depth === 0) break;
        depth--;
        if (depth === 0) {
          p++;
          break;
        }
      } else if (depth === 0 && (c === 44 || c === 32 || c === 10 || c === 13 || c === 9)) break;
      p++;
    }
    this.pos = p;
    try {
      return DECODER.decode(s.subarray(start, p));
    } catch {
      throw BAIL;
    }
  }
}

// ------------------------------------------------------------------------------------- column kinds and casts

/** How a column or tensor is finished: the numpy dtype the general path gives it. */
const INFER = 0;
const F64 = 1;
const F32 = 2;
const I64 = 3;
const I32 = 4;

/** The kind for a numpy type of the serving casts (`castValues`), or -1: not handled here. */
function kindOfNpType(npType: string | undefined): number {
  switch (npType) {
    case undefined:
      return INFER;
    case "float64":
      return F64;
    case "float32":
      return F32;
    case "int64":
      return I64;
    case "int32":
      return I32;
    default:
      return -1;
  }
}

/** The kind of a dataframe column with this spec, as frameFromRawColumns casts it (-1: not handled here). */
function kindOfColumnSpec(spec: InputSpecJson | undefined): number {
  if (spec === undefined) return INFER;
  if (spec.type !== "tensor" && (!isScalarColSpec(spec) || spec.type === "string")) return -1;
  return kindOfNpType(specNumpyType(spec));
}

/**
 * Whether every required input of the signature is one the scanner reads (numbers): when one is not (a string,
 * bool or datetime column…), the body holds such values or the general path refuses it, so scanning it would be
 * wasted work (and a thrown bail per request: about 4 µs of a one-row request in the server). Once per view.
 */
function scannable(view: InputSchemaView | undefined): boolean {
  if (view === undefined) return true;
  let ok = scannableViews.get(view);
  if (ok === undefined) {
    ok = view.specs.every((s) => ("required" in s && s.required === false) || kindOfColumnSpec(s) >= 0);
    scannableViews.set(view, ok);
  }
  return ok;
}
const scannableViews = new WeakMap<InputSchemaView, boolean>();

const INT64_LIMIT = 2 ** 63;

/** `castValues(values, int64/int32)` accepts these: finite, truncating to within int64. */
function truncatedInt64s(values: Float64Array, n: number): Float64Array | undefined {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = Math.trunc(values[i]!);
    if (!(t >= -INT64_LIMIT && t < INT64_LIMIT)) return undefined; // NaN, ±Infinity, overflow: the general path's error
    out[i] = t === 0 ? 0 : t;
  }
  return out;
}

/**
 * The typed values the general path builds from these numbers (`v`: exactly them, in an array of its own):
 * `inferColumn` / `inferLeafDType` for INFER (int64 when every value is an integer, else float64), `castValues`
 * for a typed kind (a double stored into a Float32Array rounds as `castValues` does). `undefined` when the
 * general path would fail (it then reports the error).
 */
function finish(
  kind: number,
  v: Float64Array,
  allInt: boolean,
):
  | {
      dtype: "float64" | "float32" | "int64" | "int32";
      values: Float64Array | Float32Array | BigInt64Array | Int32Array;
    }
  | undefined {
  const n = v.length;
  if (kind === F32) {
    const out = new Float32Array(n);
    out.set(v);
    return { dtype: "float32", values: out };
  }
  if (kind === F64 || (kind === INFER && !allInt)) return { dtype: "float64", values: v };
  if (kind === INFER) return { dtype: "int64", values: toInt64(v, n) }; // BigInt64Array.from(values, BigInt)
  const t = truncatedInt64s(v, n);
  if (t === undefined) return undefined;
  if (kind === I64) return { dtype: "int64", values: toInt64(t, n) };
  const out = new Int32Array(n); // Number(BigInt(trunc(v))) stored in an Int32Array: ToInt32 wraps
  out.set(t);
  return { dtype: "int32", values: out };
}

// ------------------------------------------------------------------------------------------ dataframe_split

interface SplitOptions {
  view: InputSchemaView | undefined;
  /**
   * The older standalone API (parseDataFrameSplitFast): columns are int64 when every cell is written as an
   * integer (no `.` or exponent) and fit a double exactly, no signature.
   */
  legacy: boolean;
}

function parseSplitObject(sc: Scanner, options: SplitOptions): DataFrame {
  sc.expect(123);
  gNull = false;
  let columns: string[] | undefined;
  let kinds: number[] | undefined;
  let cap = 0;
  // the cells, column-major: column j at cells[j·cap, j·cap + rows)
  let cells: Float64Array | undefined;
  let textInt: boolean[] | undefined;
  let valueInt: boolean[] | undefined;
  let width = -1;
  let rows = 0;
  let seenData = false;
  let indexJson: string | undefined;
  let first = true;
  while (sc.peek() !== 125) {
    if (!first) sc.expect(44);
    first = false;
    const key = sc.string();
    sc.expect(58);
    if (key === "columns") {
      if (columns || seenData) throw BAIL;
      sc.expect(91);
      columns = [];
      if (sc.peek() !== 93) {
        for (;;) {
          if (sc.peek() !== 34) throw BAIL;
          columns.push(sc.string());
          if (sc.peek() === 44) sc.pos++;
          else break;
        }
      }
      sc.expect(93);
      if (new Set(columns).size !== columns.length) throw BAIL; // the general path names the duplicate
      // a column the signature types as a string, bool, … : the general path's, before any row is scanned
      kinds = columnKinds(columns, options);
      if (kinds === undefined) throw BAIL;
    } else if (key === "index") {
      if (indexJson !== undefined) throw BAIL;
      indexJson = sc.rawValue();
    } else if (key === "data") {
      if (seenData) throw BAIL;
      seenData = true;
      sc.expect(91);
      if (sc.peek() === 93) throw BAIL; // no rows: the general path's object columns
      const b = sc.s;
      const len = b.length;
      const dataStart = sc.pos;
      // while some column's dtype still depends on whether its cells are integers, rows are read cell by cell
      let tracking = true;
      // rows the WebAssembly reader stopped in (each then read here): many of them and it is not used again
      let stops = 0;
      let reader = gReader;
      for (;;) {
        if (rows === cap && width > 0) {
          cells =
            reader === null
              ? growCells(cells!, width, cap, cap * 2)
              : reader.allocCells(width, cap * 2, rows);
          cap *= 2;
        }
        if (reader !== null && width > 0) {
          const r = reader.rows(sc.pos, width, rows, cap, tracking);
          if (tracking) {
            const f = reader.flags(width);
            for (let j = 0; j < width; j++) {
              if ((f[j]! & 1) !== 0) textInt![j] = false;
              if ((f[j]! & 2) !== 0) valueInt![j] = false;
            }
            tracking = needsTracking(kinds!, options.legacy, textInt!, valueInt!);
          }
          if ("end" in r) {
            rows = r.rows;
            sc.pos = r.end;
            if (sc.peek() === 44) {
              sc.pos++;
              continue;
            }
            break;
          }
          // this row is read below (a null, NaN, a long number, a midpoint, or an error the general path reports)
          rows = r.done;
          sc.pos = r.stop;
          if (++stops > 16 && stops * 8 > rows) reader = null;
        }
        sc.expect(91);
        const rowStart = sc.pos;
        if (width < 0) {
          // the first row fixes the width (and checks it against `columns`)
          width = 0;
          if (sc.peek() !== 93) {
            for (;;) {
              sc.ws();
              readNumber(b, sc.dv, sc.pos);
              sc.pos = gPos;
              width++;
              if (sc.peek() === 44) sc.pos++;
              else break;
            }
          }
          sc.expect(93);
          if (width === 0 || (columns && columns.length !== width)) throw BAIL;
          kinds ??= columnKinds(defaultNames(width), options);
          if (kinds === undefined) throw BAIL;
          // rows ≈ the data's bytes / the first row's (+ 1/8), never more than the bytes allow (a row takes at
          // least 2·width + 1 of them); grown by doubling if the guess is short
          const rowBytes = Math.max(sc.pos - dataStart, 2 * width + 1);
          const room = Math.floor((len - dataStart) / (2 * width + 1)) + 1;
          cap = Math.min(room, Math.ceil(((len - dataStart) / rowBytes) * 1.125) + 16);
          cells = reader === null ? new Float64Array(cap * width) : reader.allocCells(width, cap, 0);
          textInt = new Array(width).fill(true);
          valueInt = new Array(width).fill(true);
          sc.pos = rowStart;
        }
        if (tracking) {
          sc.pos = readRowTracked(b, sc.dv, sc.pos, width, cells!, rows, cap, textInt!, valueInt!);
          tracking = needsTracking(kinds!, options.legacy, textInt!, valueInt!);
        } else sc.pos = readCells(b, sc.dv, sc.pos, width, cells!, rows, cap, false); // one call per row
        sc.expect(93); // a longer row: the general path pads the others
        rows++;
        if (sc.peek() === 44) sc.pos++;
        else break;
      }
      sc.expect(93);
    } else {
      throw BAIL;
    }
  }
  sc.expect(125);
  if (!seenData || rows === 0) throw BAIL;
  if (indexJson !== undefined && indexJson !== "null") {
    // pandas checks the index's length against the rows; anything but a list of that length is the general path's
    let index: unknown;
    try {
      index = JSON.parse(indexJson);
    } catch {
      throw BAIL;
    }
    if (!Array.isArray(index) || index.length !== rows) throw BAIL;
  }
  if (gNull && (options.legacy || nullOnlyColumn(kinds!, cells!, cap, rows))) throw BAIL;
  const names = columns ?? defaultNames(width);
  return new DataFrame(
    options.legacy
      ? legacyColumns(names, cells!, cap, rows, textInt!)
      : finishColumns(names, kinds!, cells!, cap, rows, valueInt!),
  );
}

// (helpers kept out of parseSplitObject: a closure there would move its hot locals into a context)

/**
 * One `data` row from b[p] (just after its '['), cell by cell: cell j at cells[j·cap + row], noting which
 * columns are still written as (textInt) and valued as (valueInt) integers. Returns the position after the
 * last cell.
 */
function readRowTracked(
  b: Uint8Array,
  dv: DataView,
  p: number,
  width: number,
  cells: Float64Array,
  row: number,
  cap: number,
  textInt: boolean[],
  valueInt: boolean[],
): number {
  for (let j = 0; j < width; j++) {
    if (j > 0) {
      let c = b[p]!;
      while (c === 32 || c === 10 || c === 13 || c === 9) c = b[++p]!;
      if (c !== 44) throw BAIL;
      p++;
    }
    const v = readNumber(b, dv, p); // (skips the whitespace before the number)
    p = gPos;
    cells[j * cap + row] = v;
    if (!gInt) {
      textInt[j] = false;
      if (valueInt[j] && !Number.isInteger(v)) valueInt[j] = false;
    }
  }
  return p;
}

/**
 * Some inferred column holds no number at all (nulls, perhaps NaN): pandas makes a column of nulls only an object
 * column, which the general path builds. (Typed columns take a null as NaN, or refuse it in finish().)
 */
function nullOnlyColumn(kinds: number[], cells: Float64Array, cap: number, rows: number): boolean {
  for (let j = 0; j < kinds.length; j++) {
    if (kinds[j] !== INFER) continue;
    let i = j * cap;
    const end = i + rows;
    while (i < end && Number.isNaN(cells[i]!)) i++;
    if (i === end) return true;
  }
  return false;
}

/** Whether a column's dtype still depends on whether its cells are integers. */
function needsTracking(kinds: number[], legacy: boolean, textInt: boolean[], valueInt: boolean[]): boolean {
  for (let j = 0; j < kinds.length; j++) {
    if (legacy ? textInt[j] : kinds[j] === INFER && valueInt[j]) return true;
  }
  return false;
}

function defaultNames(width: number): string[] {
  const names: string[] = new Array(width);
  for (let i = 0; i < width; i++) names[i] = String(i);
  return names;
}

function columnKinds(names: readonly string[], options: SplitOptions): number[] | undefined {
  const specs = options.legacy ? undefined : columnSpecsByName(names, options.view);
  const kinds: number[] = new Array(names.length);
  for (let j = 0; j < names.length; j++) {
    const k = kindOfColumnSpec(specs?.get(names[j]!));
    if (k < 0) return undefined;
    kinds[j] = k;
  }
  return kinds;
}

/** The column-major cells with room for `next` rows per column (the first `cap` of each kept). */
function growCells(cells: Float64Array, width: number, cap: number, next: number): Float64Array {
  const grown = new Float64Array(next * width);
  for (let j = 0; j < width; j++) grown.set(cells.subarray(j * cap, (j + 1) * cap), j * next);
  return grown;
}

function legacyColumns(
  names: readonly string[],
  cells: Float64Array,
  cap: number,
  rows: number,
  textInt: boolean[],
): Column[] {
  const out: Column[] = [];
  for (let j = 0; j < names.length; j++) {
    const values = cells.subarray(j * cap, j * cap + rows);
    if (!textInt[j]) {
      out.push({ name: names[j]!, dtype: "float64", values: values.slice() });
      continue;
    }
    for (let i = 0; i < rows; i++) if (!Number.isSafeInteger(values[i]!)) throw BAIL;
    out.push({ name: names[j]!, dtype: "int64", values: toInt64(values, rows) });
  }
  return out;
}

function finishColumns(
  names: readonly string[],
  kinds: number[],
  cells: Float64Array,
  cap: number,
  rows: number,
  valueInt: boolean[],
): Column[] {
  const out: Column[] = [];
  for (let j = 0; j < names.length; j++) {
    const col = finish(kinds[j]!, cells.slice(j * cap, j * cap + rows), valueInt[j]!);
    if (col === undefined) throw BAIL;
    out.push({ name: names[j]!, dtype: col.dtype, values: col.values });
  }
  return out;
}

// ------------------------------------------------------------------------------------ instances / inputs

/** Deepest nesting read here (ndarrayFromJson's own limit is 32). */
const MAX_DIMS = 32;

/**
 * A dense, rectangular, non-empty nested array of numbers as one flat typed array and its shape (what
 * `ndarrayFromJson` builds); the dtype comes from `npType` or is inferred (int64 when every value is an
 * integer, else float64).
 */
function parseNdArray(sc: Scanner, npType: string | undefined): Tensor {
  const kind = kindOfNpType(npType);
  if (kind < 0) throw BAIL;
  gNull = false;
  const b = sc.s;
  const len = b.length;
  sc.ws();
  // the depth: the '[' before the first number
  let depth = 0;
  for (let p = sc.pos; ; ) {
    const c = b[p];
    if (c === 91) depth++;
    else if (!(c === 32 || c === 10 || c === 13 || c === 9)) break;
    p++;
    if (depth > MAX_DIMS) throw BAIL;
  }
  if (depth === 0) throw BAIL;
  const shape: number[] = new Array(depth).fill(-1);
  const counts: number[] = new Array(depth).fill(0);
  let cap = Math.max(16, Math.floor((len - sc.pos) / 2) + 1);
  cap = Math.min(cap, 1 << 16); // grown by doubling; never more than the bytes allow
  let f64 = new Float64Array(cap); // (float32: converted at the end, as castValues rounds)
  let n = 0;
  let allInt = true;
  const maxCells = Math.floor(len / 2) + 1;
  let level = -1;
  let p = sc.pos;
  for (;;) {
    // at an element position of `level` (or before the outermost '[')
    let c = b[p]!;
    while (c === 32 || c === 10 || c === 13 || c === 9) c = b[++p]!;
    if (level < depth - 1) {
      if (c !== 91) throw BAIL;
      p++;
      level++;
      counts[level] = 0;
      continue;
    }
    // innermost level: numbers separated by commas up to ']'
    let k = 0;
    const width = shape[depth - 1]!;
    if (width > 0 && !(kind === INFER && allInt)) {
      // its length is known and integer-ness no longer matters: the whole array in one call
      if (n + width > cap) {
        if (n + width > maxCells) throw BAIL;
        cap = Math.min(Math.max(cap * 2, n + width), maxCells);
        f64 = grown(f64, cap);
      }
      if (gReader === null) p = readCells(b, sc.dv, p, width, f64, n, 1, false);
      else {
        const r = gReader.cells(p, width, false, f64, n);
        // where it stopped, the JS reader goes on
        p =
          typeof r === "number"
            ? r
            : readCells(b, sc.dv, r.stop, width - r.done, f64, n + r.done, 1, r.done > 0);
      }
      n += width;
      k = width;
      c = b[p]!;
      while (c === 32 || c === 10 || c === 13 || c === 9) c = b[++p]!;
      if (c !== 93) throw BAIL; // a longer array: not rectangular
    } else {
      for (;;) {
        if (n === cap) {
          if (cap >= maxCells) throw BAIL;
          cap = Math.min(cap * 2, maxCells);
          f64 = grown(f64, cap);
        }
        const v = readNumber(b, sc.dv, p);
        p = gPos;
        f64[n] = v;
        n++;
        k++;
        if (!gInt && allInt && !Number.isInteger(v)) allInt = false;
        c = b[p]!;
        while (c === 32 || c === 10 || c === 13 || c === 9) c = b[++p]!;
        if (c === 44) {
          p++;
          continue;
        }
        if (c !== 93) throw BAIL;
        break;
      }
    }
    // close arrays: the innermost, then every enclosing one that ends here
    for (;;) {
      // counts[level] of an outer level was bumped by each child closed in it
      const cnt = level === depth - 1 ? k : counts[level]!;
      if (shape[level]! < 0) shape[level] = cnt;
      else if (shape[level] !== cnt) throw BAIL;
      p++; // past ']'
      level--;
      if (level < 0) break;
      counts[level]!++;
      c = b[p]!;
      while (c === 32 || c === 10 || c === 13 || c === 9) c = b[++p]!;
      if (c === 44) {
        p++;
        break;
      }
      if (c !== 93) throw BAIL;
    }
    if (level < 0) break;
  }
  if (gNull) throw BAIL; // numpy: a null among numbers makes an object array
  sc.pos = p;
  // np.array without a dtype: int64 when every value is an integer (cast as castValues does: within int64)
  const col = finish(kind === INFER ? (allInt ? I64 : F64) : kind, f64.slice(0, n), allInt);
  if (col === undefined) throw BAIL;
  return { dtype: col.dtype, shape, data: col.values };
}

/** A copy of `values` with room for `cap` of them. */
function grown(values: Float64Array, cap: number): Float64Array<ArrayBuffer> {
  const out = new Float64Array(cap);
  out.set(values);
  return out;
}

/** Keys the general path would not keep in insertion order or as own data properties. */
function awkwardKey(key: string): boolean {
  return key === "__proto__" || /^(?:0|[1-9][0-9]*)$/.test(key);
}

function parseTfValue(sc: Scanner, view: InputSchemaView | undefined): Tensor | Record<string, Tensor> {
  if (view !== undefined && view.specs.length === 0) throw BAIL;
  const c = sc.peek();
  if (c === 91) {
    if (view === undefined) return parseNdArray(sc, undefined);
    if (view.isTensor) {
      if (view.hasNames) {
        if (view.names.length !== 1) throw BAIL;
        const name = view.names[0]!;
        const spec = view.specs.find((s) => s.name === name)!;
        return { [name]: parseNdArray(sc, specNumpyType(spec)) };
      }
      return parseNdArray(sc, specNumpyType(view.specs[0]!));
    }
    if (view.hasNames && view.names.length === 1) throw BAIL; // a one-column dict: the general path
    return parseNdArray(sc, specNumpyType(view.specs[0]!));
  }
  if (c !== 123) throw BAIL;
  if (view !== undefined && !(view.isTensor && view.hasNames)) throw BAIL;
  sc.pos++;
  const out: Record<string, Tensor> = {};
  const seen = new Set<string>();
  let first = true;
  while (sc.peek() !== 125) {
    if (!first) sc.expect(44);
    first = false;
    const key = sc.string();
    if (seen.has(key) || awkwardKey(key)) throw BAIL;
    seen.add(key);
    sc.expect(58);
    const spec = view?.specs.find((s) => s.name === key);
    out[key] = parseNdArray(sc, spec === undefined ? undefined : specNumpyType(spec));
  }
  sc.pos++;
  if (seen.size === 0) throw BAIL;
  return out;
}

// ----------------------------------------------------------------------------------------------- entry points

function toBytes(body: string | Uint8Array): Uint8Array {
  return typeof body === "string" ? Buffer.from(body, "utf8") : body;
}

/**
 * Reads a whole JSON scoring body in one pass when it is numeric `dataframe_split`, `instances` or `inputs`
 * (plus an optional `params`), with the input schema's casts applied as the general path applies them; returns
 * `undefined` for anything else (the caller then runs the general path, which gives the same answer or error).
 */
export function parseJsonBodyFast(
  body: string | Uint8Array,
  view: InputSchemaView | undefined,
): FastJsonBody | undefined {
  if (!scannable(view)) return undefined;
  const bytes = toBytes(body);
  const sc = new Scanner(bytes);
  gReader = WasmNumberReader.forBody(bytes);
  try {
    sc.expect(123);
    let format: FastJsonBody["format"] | undefined;
    let input: FastJsonBody["input"] | undefined;
    let paramsJson: string | undefined;
    let first = true;
    while (sc.peek() !== 125) {
      if (!first) sc.expect(44);
      first = false;
      const key = sc.string();
      sc.expect(58);
      if (format === undefined && key === "dataframe_split") {
        format = key;
        input = parseSplitObject(sc, { view, legacy: false });
      } else if (format === undefined && (key === "instances" || key === "inputs")) {
        format = key;
        input = parseTfValue(sc, view);
      } else if (key === "params" && paramsJson === undefined) paramsJson = sc.rawValue();
      else return undefined;
    }
    sc.expect(125);
    sc.ws();
    if (sc.pos !== bytes.length || format === undefined || input === undefined) return undefined;
    return paramsJson === undefined ? { format, input } : { format, input, paramsJson };
  } catch {
    return undefined; // BAIL, or an allocation the general path will refuse its own way
  } finally {
    gReader?.release();
    gReader = null;
  }
}

/**
 * Parses `{"dataframe_split": {...}}` (plus an optional `params`) when every cell of `data` is a
 * number; returns `undefined` for anything else so the caller can use the general parser. Columns are int64
 * when every cell is written as an integer, else float64 (no signature); see {@link parseJsonBodyFast} for
 * the scoring path.
 */
export function parseDataFrameSplitFast(body: string | Uint8Array): FastSplitResult | undefined {
  const bytes = toBytes(body);
  const sc = new Scanner(bytes);
  gReader = WasmNumberReader.forBody(bytes);
  try {
    sc.expect(123);
    let frame: DataFrame | undefined;
    let paramsJson: string | undefined;
    let first = true;
    while (sc.peek() !== 125) {
      if (!first) sc.expect(44);
      first = false;
      const key = sc.string();
      sc.expect(58);
      if (key === "dataframe_split" && !frame)
        frame = parseSplitObject(sc, { view: undefined, legacy: true });
      else if (key === "params" && paramsJson === undefined) paramsJson = sc.rawValue();
      else return undefined;
    }
    sc.expect(125);
    sc.ws();
    if (sc.pos !== bytes.length || !frame) return undefined;
    return paramsJson === undefined ? { frame } : { frame, paramsJson };
  } catch (e) {
    if (e === BAIL || e instanceof ReaderMemoryError) return undefined;
    throw e;
  } finally {
    gReader?.release();
    gReader = null;
  }
}

/** Parses just the inner split object (`{"columns": [...], "data": [[...]]}`), or `undefined`. */
export function parseSplitObjectFast(text: string | Uint8Array): DataFrame | undefined {
  const bytes = toBytes(text);
  const sc = new Scanner(bytes);
  gReader = WasmNumberReader.forBody(bytes);
  try {
    const df = parseSplitObject(sc, { view: undefined, legacy: true });
    sc.ws();
    return sc.pos === bytes.length ? df : undefined;
  } catch (e) {
    if (e === BAIL || e instanceof ReaderMemoryError) return undefined;
    throw e;
  } finally {
    gReader?.release();
    gReader = null;
  }
}
