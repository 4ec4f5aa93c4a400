import { Estimator } from "../base.js";
import { badState, inputError } from "../errors.js";
import type { Csr, Data } from "../matrix.js";
import { adaptArray, toFloat64, toNumber } from "../ndarray.js";
import { isDict, type State } from "../state.js";
import { ENGLISH_STOP_WORDS } from "./stop-words.js";

const WORD = "[\\p{L}\\p{N}_]";
const NOT_WORD = "[^\\p{L}\\p{N}_]";

/**
 * A Python `re` token pattern as a JS unicode regex. Python's \w is [\p{L}\p{N}_] for str patterns, \b the
 * boundary of that class; anything outside the supported subset is refused rather than guessed.
 */
export function pythonRegex(pattern: string, cls: string): RegExp {
  let p = pattern;
  p = p.replace(/^\(\?u\)/, "");
  if (/\(\?[aiLmsux]/.test(p) || /\(\?P/.test(p) || /\\[AZGzp]/.test(p))
    throw badState(
      cls,
      `token_pattern ${JSON.stringify(pattern)} uses regex syntax @pyfunc/sklearn does not translate`,
    );
  let out = "";
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === "\\" && i + 1 < p.length) {
      const n = p[i + 1]!;
      i++;
      if (n === "w") out += WORD;
      else if (n === "W") out += NOT_WORD;
      else if (n === "b") out += `(?:(?<=${WORD})(?!${WORD})|(?<!${WORD})(?=${WORD}))`;
      else if (n === "B") out += `(?:(?<=${WORD})(?=${WORD})|(?<!${WORD})(?!${WORD}))`;
      else if (n === "d") out += "\\p{Nd}";
      else if (n === "D") out += "\\P{Nd}";
      else out += `\\${n}`;
    } else out += c;
  }
  try {
    return new RegExp(out, "gu");
  } catch (e) {
    throw badState(
      cls,
      `token_pattern ${JSON.stringify(pattern)} is not a valid regex: ${(e as Error).message}`,
    );
  }
}

function stripAccentsUnicode(s: string): string {
  const n = s.normalize("NFKD");
  if (n === s) return s;
  return n.replace(/\p{Mn}/gu, "");
}

function stripAccentsAscii(s: string): string {
  // NFKD, then encode("ASCII", "ignore")
  let out = "";
  for (const ch of s.normalize("NFKD")) if (ch.charCodeAt(0) < 128) out += ch;
  return out;
}

export class CountVectorizer extends Estimator {
  readonly vocab: Map<string, number>;
  readonly nFeatures: number;
  readonly analyze: (doc: string) => string[];
  readonly binary: boolean;

  constructor(s: State) {
    super(s);
    const v = s.raw("vocabulary_");
    if (!isDict(v)) s.fail("vocabulary_ should be a dict");
    this.vocab = new Map();
    let max = -1;
    for (const [k, i] of v instanceof Map ? v.entries() : Object.entries(v)) {
      const n = toNumber(i);
      this.vocab.set(String(k), n);
      if (n > max) max = n;
    }
    this.nFeatures = max + 1;
    this.binary = s.bool("binary");
    for (const k of ["preprocessor", "tokenizer"])
      if (s.opt(k) !== null) s.fail(`a custom ${k} is Python code`);
    const analyzer = s.raw("analyzer");
    if (typeof analyzer !== "string") s.fail("a callable analyzer is Python code");
    if (s.optStr("input") !== null && s.str("input") !== "content")
      s.fail(`input='${s.str("input")}' is not supported`);
    const lower = s.bool("lowercase");
    const sa = s.opt("strip_accents");
    const accents =
      sa === null
        ? null
        : sa === "unicode"
          ? stripAccentsUnicode
          : sa === "ascii"
            ? stripAccentsAscii
            : s.fail(`strip_accents=${String(sa)} is not supported`);
    const pre = (d: string) => {
      let t = lower ? d.toLowerCase() : d;
      if (accents) t = accents(t);
      return t;
    };
    const range = s.list("ngram_range").map(Number);
    const minN = range[0]!;
    const maxN = range[1]!;
    if (analyzer === "word") {
      const re = pythonRegex(s.str("token_pattern"), s.cls);
      const groups = new RegExp(`${re.source}|`, "u").exec("")!.length - 1;
      if (groups > 1) s.fail("token_pattern should have at most one capturing group");
      const stop = stopWordsOf(s);
      this.analyze = (doc) => {
        const text = pre(doc);
        let tokens: string[] = [];
        for (const m of text.matchAll(re)) tokens.push(groups === 1 ? (m[1] ?? "") : m[0]);
        if (stop) tokens = tokens.filter((t) => !stop.has(t));
        return wordNgrams(tokens, minN, maxN);
      };
    } else if (analyzer === "char" || analyzer === "char_wb") {
      const wb = analyzer === "char_wb";
      this.analyze = (doc) => {
        const text = pre(doc).replace(/\s\s+/gu, " ");
        return wb ? charWbNgrams(text, minN, maxN) : charNgrams(text, minN, maxN);
      };
    } else s.fail(`analyzer '${analyzer}' is not supported`);
  }

  /** Documents → term counts (CSR, columns sorted), unknown terms ignored. */
  counts(x: Data): Csr {
    const docs = documentsOf(x);
    const indptr = new Int32Array(docs.length + 1);
    const idx: number[] = [];
    const val: number[] = [];
    const row = new Map<number, number>();
    docs.forEach((d, r) => {
      row.clear();
      for (const t of this.analyze(d)) {
        const j = this.vocab.get(t);
        if (j !== undefined) row.set(j, (row.get(j) ?? 0) + 1);
      }
      for (const j of [...row.keys()].sort((a, b) => a - b)) {
        idx.push(j);
        val.push(this.binary ? 1 : row.get(j)!);
      }
      indptr[r + 1] = idx.length;
    });
    return {
      kind: "csr",
      rows: docs.length,
      cols: this.nFeatures,
      indptr,
      indices: Int32Array.from(idx),
      data: Float64Array.from(val),
    };
  }

  override transform(x: Data): Csr {
    return this.counts(x);
  }
}

function stopWordsOf(s: State): ReadonlySet<string> | null {
  const sw = s.opt("stop_words");
  if (sw === null) return null;
  if (sw === "english") return ENGLISH_STOP_WORDS;
  if (typeof sw === "string") return s.fail(`stop_words='${sw}' is not a supported built-in list`);
  if (Array.isArray(sw) || sw instanceof Set) return new Set(Array.from(sw as Iterable<unknown>, String));
  return s.fail("stop_words should be 'english' or a list");
}

function wordNgrams(tokens: string[], minN: number, maxN: number): string[] {
  if (maxN === 1) return tokens;
  const out = minN === 1 ? tokens.slice() : [];
  const start = minN === 1 ? 2 : minN;
  for (let n = start; n <= Math.min(maxN, tokens.length); n++)
    for (let i = 0; i + n <= tokens.length; i++) out.push(tokens.slice(i, i + n).join(" "));
  return out;
}

function charNgrams(text: string, minN: number, maxN: number): string[] {
  const chars = Array.from(text);
  const out: string[] = [];
  for (let n = minN; n <= Math.min(maxN, chars.length); n++)
    for (let i = 0; i + n <= chars.length; i++) out.push(chars.slice(i, i + n).join(""));
  return out;
}

function charWbNgrams(text: string, minN: number, maxN: number): string[] {
  const out: string[] = [];
  for (const word of text.split(/\s+/u).filter((w) => w.length > 0)) {
    const w = Array.from(` ${word} `);
    for (let n = minN; n <= maxN; n++) {
      let off = 0;
      out.push(w.slice(off, off + n).join(""));
      while (off + n < w.length) {
        off++;
        out.push(w.slice(off, off + n).join(""));
      }
      if (off === 0) break;
    }
  }
  return out;
}

/** The raw documents: a Series of str (a single column selected by name), or a 1-D input. */
function documentsOf(x: Data): string[] {
  let values: ArrayLike<unknown>;
  if (x.kind === "series") values = x.column.values;
  else if (x.kind === "frame" && x.columns.length === 1) values = x.columns[0]!.values;
  else throw inputError("Iterable over raw text documents expected, string object received.");
  return Array.from(values, (v) => {
    if (typeof v === "string") return v;
    if (typeof v === "number" && Number.isNaN(v))
      throw inputError("np.nan is an invalid document, expected byte or unicode string.");
    throw inputError(`a text document should be a str, got ${v === null ? "None" : typeof v}`);
  });
}

export class TfidfTransformer extends Estimator {
  readonly idf: Float64Array | null;
  readonly norm: string | null;
  readonly sublinear: boolean;
  constructor(s: State) {
    super(s);
    this.norm = s.optStr("norm");
    this.sublinear = s.bool("sublinear_tf");
    if (s.bool("use_idf") && !s.has("_idf_diag") && s.has("idf_")) {
      // scikit-learn >= 1.5 keeps idf_ as an array
      this.idf = s.f64("idf_").data;
    } else if (s.bool("use_idf")) {
      // a scipy csr_matrix holding idf_ on its diagonal
      const m = s.raw("_idf_diag") as { data?: unknown; indptr?: unknown; indices?: unknown } | null;
      const data = m && typeof m === "object" ? adaptArray(m.data) : undefined;
      const ip = m && typeof m === "object" ? adaptArray(m.indptr) : undefined;
      const ix = m && typeof m === "object" ? adaptArray(m.indices) : undefined;
      if (!data || !ip || !ix || data.data.length !== ip.data.length - 1)
        s.fail("_idf_diag should be a full diagonal csr_matrix");
      if (Array.from(ix.data, Number).some((c, i) => c !== i)) s.fail("_idf_diag should be diagonal");
      this.idf = toFloat64(data.data);
    } else this.idf = null;
  }
  override transform(x: Data): Csr {
    if (x.kind !== "csr") throw inputError("TfidfTransformer expects a sparse matrix of counts");
    const data = Float64Array.from(x.data);
    if (this.sublinear) for (let i = 0; i < data.length; i++) data[i] = Math.log(data[i]!) + 1;
    if (this.idf) for (let i = 0; i < data.length; i++) data[i] = data[i]! * this.idf[x.indices[i]!]!;
    if (this.norm !== null) {
      for (let r = 0; r < x.rows; r++) {
        let n = 0;
        for (let k = x.indptr[r]!; k < x.indptr[r + 1]!; k++)
          n += this.norm === "l1" ? Math.abs(data[k]!) : data[k]! * data[k]!;
        if (this.norm === "l2") n = Math.sqrt(n);
        if (n === 0) continue;
        for (let k = x.indptr[r]!; k < x.indptr[r + 1]!; k++) data[k] = data[k]! / n;
      }
    }
    return { ...x, data };
  }
}

export class TfidfVectorizer extends CountVectorizer {
  readonly tfidf: TfidfTransformer;
  constructor(s: State) {
    super(s);
    this.tfidf = s.est<TfidfTransformer>("_tfidf");
  }
  override transform(x: Data): Csr {
    return this.tfidf.transform(this.counts(x));
  }
}
