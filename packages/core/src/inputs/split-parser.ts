/**
 * A fast path for the commonest scoring body: `{"dataframe_split": {"columns": [...], "data": [[numbers]]}}`
 * (optionally with `index`, and `params` beside it). Numbers go straight from the text into one
 * Float64Array per column — no intermediate JS arrays, no boxing per cell. Anything outside that
 * shape (strings or nulls in `data`, other keys, nesting) makes it return `undefined` so the caller
 * falls back to the general parser. The result equals what the general path builds for such a body
 * (pandas' `read_json(orient="split")`: all-integer columns int64, otherwise float64).
 */
import { type Column, DataFrame } from "./dataframe.js";
import { exactDecimal } from "./exact-decimal.js";

export interface FastSplitResult {
  frame: DataFrame;
  /** Raw JSON text of `params`, if present (parse it with the general parser). */
  paramsJson?: string;
  /** Names of the other top-level keys met (only `params` is allowed besides the data key). */
}

enum C {
  Space = 32,
  Tab = 9,
  Lf = 10,
  Cr = 13,
  Quote = 34,
  Comma = 44,
  Minus = 45,
  Plus = 43,
  Dot = 46,
  Colon = 58,
  LBracket = 91,
  RBracket = 93,
  LBrace = 123,
  RBrace = 125,
  Backslash = 92,
  Zero = 48,
  Nine = 57,
  LowerE = 101,
  UpperE = 69,
}

/** Position after, and integer-ness of, the last number read by {@link readNumber}. */
let gPos = 0;
let gInt = true;

/**
 * Reads a JSON number at b[start] (no leading whitespace); also Python's `NaN`, `Infinity`,
 * `-Infinity`. Sets {@link gPos} and {@link gInt}. Up to 17 significant digits with a decimal
 * exponent within ±22 are converted exactly (correctly rounded) by {@link exactDecimal}; anything
 * else goes to `Number()`.
 */
function readNumber(b: Uint8Array, start: number): number {
  const s = b;
  let p = start;
  let c = s[p] ?? -1;
  let neg = false;
  if (c === C.Minus) {
    neg = true;
    c = s[++p] ?? -1;
  }
  if (c === 78 /* N */ && startsWithAscii(s, p, "NaN")) {
    gPos = p + 3;
    gInt = false;
    return Number.NaN;
  }
  if (c === 73 /* I */ && startsWithAscii(s, p, "Infinity")) {
    gPos = p + 8;
    gInt = false;
    return neg ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  if (c < C.Zero || c > C.Nine) throw BAIL;
  let hi = 0;
  let lo = 0;
  let nd = 0;
  let loDigits = 0;
  let scale = 0;
  let tooMany = false;
  let isInt = true;
  while (c >= C.Zero && c <= C.Nine) {
    const d = c - C.Zero;
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
    c = s[++p] ?? -1;
  }
  if (c === C.Dot) {
    isInt = false;
    c = s[++p] ?? -1;
    if (c < C.Zero || c > C.Nine) throw BAIL;
    while (c >= C.Zero && c <= C.Nine) {
      const d = c - C.Zero;
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
      c = s[++p] ?? -1;
    }
  }
  if (c === C.LowerE || c === C.UpperE) {
    isInt = false;
    c = s[++p] ?? -1;
    let eneg = false;
    if (c === C.Minus || c === C.Plus) {
      eneg = c === C.Minus;
      c = s[++p] ?? -1;
    }
    if (c < C.Zero || c > C.Nine) throw BAIL;
    let e = 0;
    while (c >= C.Zero && c <= C.Nine) {
      e = e * 10 + (c - C.Zero);
      if (e > 100000) throw BAIL;
      c = s[++p] ?? -1;
    }
    scale += eneg ? -e : e;
  }
  gPos = p;
  gInt = isInt;
  let v = tooMany || scale < -22 || scale > 22 ? Number.NaN : exactDecimal(hi, lo, loDigits, scale);
  if (Number.isNaN(v)) v = Math.abs(Number(ascii(s, start, p)));
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
  constructor(readonly s: Uint8Array) {}

  ws(): void {
    const s = this.s;
    let p = this.pos;
    for (;;) {
      const c = s[p];
      if (c === C.Space || c === C.Lf || c === C.Cr || c === C.Tab) p++;
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

  /** A JSON string (escapes handled through JSON.parse of the literal). */
  string(): string {
    this.expect(C.Quote);
    const s = this.s;
    const start = this.pos;
    let p = start;
    let escaped = false;
    for (;;) {
      const c = s[p];
      if (c === undefined) throw BAIL;
      if (c === C.Quote) break;
      if (c === C.Backslash) {
        escaped = true;
        p += 2;
      } else p++;
    }
    this.pos = p + 1;
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

  /** A JSON number (see {@link readNumber}). */
  number(out: { v: number; int: boolean }): void {
    this.ws();
    out.v = readNumber(this.s, this.pos);
    out.int = gInt;
    this.pos = gPos;
  }

  /** Skips one JSON value and returns its raw text. */
  rawValue(): string {
    this.ws();
    const s = this.s;
    const start = this.pos;
    let depth = 0;
    let p = start;
    for (;;) {
      const c = s[p];
      if (c === undefined) throw BAIL;
      if (c === C.Quote) {
        p++;
        for (;;) {
          const d = s[p];
          if (d === undefined) throw BAIL;
          if (d === C.Backslash) p += 2;
          else if (d === C.Quote) break;
          else p++;
        }
        p++;
        if (depth === 0) break;
        continue;
      }
      if (c === C.LBrace || c === C.LBracket) depth++;
      else if (c === C.RBrace || c === C.RBracket) {
        if (depth === 0) break;
        depth--;
        if (depth === 0) {
          p++;
          break;
        }
      } else if (depth === 0 && (c === C.Comma || c === C.Space || c === C.Lf || c === C.Cr || c === C.Tab))
        break;
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

function parseSplitObject(sc: Scanner): DataFrame {
  sc.expect(C.LBrace);
  let columns: string[] | undefined;
  let cols: Float64Array[] | undefined;
  let ints: boolean[] | undefined;
  let rows = 0;
  let seenData = false;
  let first = true;
  const num = { v: 0, int: true };
  while (sc.peek() !== C.RBrace) {
    if (!first) sc.expect(C.Comma);
    first = false;
    const key = sc.string();
    sc.expect(C.Colon);
    if (key === "columns") {
      if (columns || seenData) throw BAIL;
      sc.expect(C.LBracket);
      columns = [];
      if (sc.peek() !== C.RBracket) {
        for (;;) {
          if (sc.peek() !== C.Quote) throw BAIL;
          columns.push(sc.string());
          if (sc.peek() === C.Comma) sc.pos++;
          else break;
        }
      }
      sc.expect(C.RBracket);
    } else if (key === "index") {
      sc.rawValue();
    } else if (key === "data") {
      if (seenData) throw BAIL;
      seenData = true;
      sc.expect(C.LBracket);
      let width = columns ? columns.length : -1;
      let cap = 1024;
      if (sc.peek() !== C.RBracket) {
        for (;;) {
          sc.expect(C.LBracket);
          if (width < 0) {
            // no columns yet: the first row fixes the width
            const save = sc.pos;
            width = 0;
            if (sc.peek() !== C.RBracket) {
              for (;;) {
                sc.number(num);
                width++;
                if (sc.peek() === C.Comma) sc.pos++;
                else break;
              }
            }
            sc.pos = save;
          }
          if (!cols) {
            cols = Array.from({ length: width }, () => new Float64Array(cap));
            ints = new Array(width).fill(true);
          }
          if (rows === cap) {
            cap *= 2;
            cols = cols.map((c) => {
              const n = new Float64Array(cap);
              n.set(c);
              return n;
            });
          }
          const b = sc.s;
          let p = sc.pos;
          for (let j = 0; j < width; j++) {
            let c = b[p];
            while (c === C.Space || c === C.Lf || c === C.Cr || c === C.Tab) c = b[++p];
            if (j > 0) {
              if (c !== C.Comma) throw BAIL;
              c = b[++p];
              while (c === C.Space || c === C.Lf || c === C.Cr || c === C.Tab) c = b[++p];
            }
            cols[j]![rows] = readNumber(b, p);
            p = gPos;
            if (!gInt) ints![j] = false;
          }
          sc.pos = p;
          sc.expect(C.RBracket);
          rows++;
          if (sc.peek() === C.Comma) sc.pos++;
          else break;
        }
      }
      sc.expect(C.RBracket);
      if (!cols) {
        cols = Array.from({ length: Math.max(width, 0) }, () => new Float64Array(0));
        ints = new Array(Math.max(width, 0)).fill(false);
      }
    } else {
      throw BAIL;
    }
  }
  sc.expect(C.RBrace);
  if (!seenData) throw BAIL;
  const names = columns ?? cols!.map((_c, i) => String(i));
  if (names.length !== cols!.length) throw BAIL;
  const out: Column[] = names.map((name, j) => {
    const values = cols![j]!.subarray(0, rows);
    if (ints![j] && rows > 0) {
      const big = new BigInt64Array(rows);
      for (let i = 0; i < rows; i++) {
        if (!Number.isSafeInteger(values[i]!)) throw BAIL;
        big[i] = BigInt(values[i]!);
      }
      return { name, dtype: "int64", values: big };
    }
    return {
      name,
      dtype: "float64",
      values: rows === values.buffer.byteLength / 8 ? values : values.slice(),
    };
  });
  return new DataFrame(out);
}

/**
 * Parses `{"dataframe_split": {...}}` (plus an optional `params`) when every cell of `data` is a
 * number; returns `undefined` for anything else so the caller can use the general parser.
 */
export function parseDataFrameSplitFast(body: string | Uint8Array): FastSplitResult | undefined {
  const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : body;
  const sc = new Scanner(bytes);
  try {
    sc.expect(C.LBrace);
    let frame: DataFrame | undefined;
    let paramsJson: string | undefined;
    let first = true;
    while (sc.peek() !== C.RBrace) {
      if (!first) sc.expect(C.Comma);
      first = false;
      const key = sc.string();
      sc.expect(C.Colon);
      if (key === "dataframe_split" && !frame) frame = parseSplitObject(sc);
      else if (key === "params" && paramsJson === undefined) paramsJson = sc.rawValue();
      else return undefined;
    }
    sc.expect(C.RBrace);
    sc.ws();
    if (sc.pos !== bytes.length || !frame) return undefined;
    return paramsJson === undefined ? { frame } : { frame, paramsJson };
  } catch (e) {
    if (e === BAIL) return undefined;
    throw e;
  }
}

/** Parses just the inner split object (`{"columns": [...], "data": [[...]]}`), or `undefined`. */
export function parseSplitObjectFast(text: string | Uint8Array): DataFrame | undefined {
  const bytes = typeof text === "string" ? Buffer.from(text, "utf8") : text;
  const sc = new Scanner(bytes);
  try {
    const df = parseSplitObject(sc);
    sc.ws();
    return sc.pos === bytes.length ? df : undefined;
  } catch (e) {
    if (e === BAIL) return undefined;
    throw e;
  }
}
