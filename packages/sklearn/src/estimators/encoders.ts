import { Estimator, toDense } from "../base.js";
import { inputError } from "../errors.js";
import { type Csr, type Data, type Dense, dense, denseColumns, type FrameColumn } from "../matrix.js";
import { adaptArray, isMissing, type NdArray, toNumber } from "../ndarray.js";
import type { State } from "../state.js";

/** How a category is compared: Python equality for str / int / float, every missing value as NaN. */
export function categoryKey(v: unknown): unknown {
  if (isMissing(v)) return Number.NaN;
  if (typeof v === "bigint" || typeof v === "boolean") return toNumber(v);
  return v;
}

/** The input's columns as the encoders see them (a 2-D array, column by column). */
export function columnsOf(x: Data): readonly FrameColumn[] {
  if (x.kind === "frame") return x.columns;
  if (x.kind === "series") return [x.column];
  return denseColumns(x.kind === "dense" ? x : toDense(x));
}

function categoryIndex(cats: NdArray): Map<unknown, number> {
  const m = new Map<unknown, number>();
  for (let i = 0; i < cats.data.length; i++) m.set(categoryKey(cats.data[i]), i);
  return m;
}

function reprValue(v: unknown): string {
  return typeof v === "string" ? `'${v}'` : isMissing(v) ? "nan" : String(v);
}

/** `_BaseEncoder._transform`: the category index of every cell, and which cells were known. */
abstract class BaseEncoder extends Estimator {
  readonly categories: NdArray[];
  readonly lookup: Map<unknown, number>[];

  constructor(s: State) {
    super(s);
    this.categories = s.list("categories_").map((c, i) => s.arrayOf(c, `categories_[${i}]`));
    this.lookup = this.categories.map(categoryIndex);
    if (this.nFeaturesIn !== null && this.categories.length !== this.nFeaturesIn)
      s.fail(`${this.categories.length} category lists for ${this.nFeaturesIn} features`);
  }

  protected encode(x: Data, raiseUnknown: boolean): { codes: Int32Array; known: Uint8Array; rows: number } {
    this.checkFeatures(x);
    const cols = columnsOf(x);
    const rows = x.rows;
    const nf = cols.length;
    if (nf !== this.categories.length)
      throw inputError(
        `X has ${nf} features, but ${this.shortName} is expecting ${this.categories.length} features as input.`,
      );
    const codes = new Int32Array(rows * nf);
    const known = new Uint8Array(rows * nf);
    for (let j = 0; j < nf; j++) {
      const look = this.lookup[j]!;
      const vals = cols[j]!.values;
      const unknown: unknown[] = [];
      for (let r = 0; r < rows; r++) {
        const k = look.get(categoryKey(vals[r]));
        if (k === undefined) {
          if (raiseUnknown) unknown.push(vals[r]);
          codes[r * nf + j] = 0;
        } else {
          codes[r * nf + j] = k;
          known[r * nf + j] = 1;
        }
      }
      if (unknown.length > 0) {
        const uniq = [...new Map(unknown.map((u) => [categoryKey(u), u])).values()];
        throw inputError(
          `Found unknown categories [${uniq.map(reprValue).join(", ")}] in column ${j} during transform`,
        );
      }
    }
    return { codes, known, rows };
  }
}

function optIntList(v: unknown): (number | null)[] | null {
  if (v === null || v === undefined) return null;
  const items = Array.isArray(v) ? v : Array.from(adaptArray(v)?.data ?? []);
  return items.map((e) => (e === null || e === undefined ? null : toNumber(e)));
}

export class OneHotEncoder extends BaseEncoder {
  readonly handleUnknown: string;
  readonly dropIdx: (number | null)[] | null;
  readonly infrequent: (Int32Array | null)[] | null;
  readonly mappings: (Int32Array | null)[] | null;
  readonly outs: number[];
  readonly sparse: boolean;

  constructor(s: State) {
    super(s);
    this.handleUnknown = s.str("handle_unknown");
    // scikit-learn >= 1.3 keeps the index after infrequent grouping separately; 1.2 has only drop_idx_
    this.dropIdx = optIntList(
      s.has("_drop_idx_after_grouping") ? s.opt("_drop_idx_after_grouping") : s.opt("drop_idx_"),
    );
    const enabled = s.has("_infrequent_enabled") && s.bool("_infrequent_enabled");
    const ints = (v: unknown) =>
      v === null
        ? null
        : Int32Array.from(s.arrayOf(v, "_infrequent_indices").data as ArrayLike<number>, Number);
    this.infrequent = enabled ? s.list("_infrequent_indices").map(ints) : null;
    this.mappings = enabled ? s.list("_default_to_infrequent_mappings").map(ints) : null;
    this.outs = s.list("_n_features_outs").map(Number);
    this.sparse = s.has("sparse_output") ? s.bool("sparse_output") : s.bool("sparse");
    if (
      this.outs.length !== this.categories.length ||
      this.outs.some((o, j) => o < 0 || o > this.categories[j]!.data.length)
    )
      s.fail("_n_features_outs does not match categories_");
  }

  override transform(x: Data): Dense | Csr {
    const { codes, known, rows } = this.encode(x, this.handleUnknown === "error");
    const nf = this.categories.length;
    if (this.infrequent && this.mappings) {
      for (let j = 0; j < nf; j++) {
        const inf = this.infrequent[j];
        if (!inf) continue;
        for (let r = 0; r < rows; r++) {
          const i = r * nf + j;
          if (!known[i]) {
            codes[i] = inf[0]!;
            if (this.handleUnknown === "infrequent_if_exist") known[i] = 1;
          }
        }
      }
      for (let j = 0; j < nf; j++) {
        const map = this.mappings[j];
        if (!map) continue;
        for (let r = 0; r < rows; r++) codes[r * nf + j] = map[codes[r * nf + j]!]!;
      }
    }
    if (this.dropIdx) {
      for (let j = 0; j < nf; j++) {
        const d = this.dropIdx[j] ?? null;
        const lim = d ?? this.categories[j]!.data.length;
        for (let r = 0; r < rows; r++) {
          const i = r * nf + j;
          const keep = codes[i] !== d;
          if (codes[i]! > lim) codes[i]! -= 1;
          if (!keep) known[i] = 0;
        }
      }
    }
    const offsets = new Int32Array(nf + 1);
    for (let j = 0; j < nf; j++) offsets[j + 1] = offsets[j]! + this.outs[j]!;
    const cols = offsets[nf]!;
    const indptr = new Int32Array(rows + 1);
    const indices: number[] = [];
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < nf; j++) if (known[r * nf + j]) indices.push(codes[r * nf + j]! + offsets[j]!);
      indptr[r + 1] = indices.length;
    }
    const data = new Float64Array(indices.length).fill(1);
    if (this.sparse) return { kind: "csr", rows, cols, indptr, indices: Int32Array.from(indices), data };
    const out = dense(rows, cols);
    for (let r = 0; r < rows; r++)
      for (let k = indptr[r]!; k < indptr[r + 1]!; k++) out.data[r * cols + indices[k]!] = 1;
    return out;
  }
}

export class OrdinalEncoder extends BaseEncoder {
  readonly handleUnknown: string;
  readonly unknownValue: number;
  readonly missingIdx: Map<number, number>;
  readonly encodedMissing: number;

  constructor(s: State) {
    super(s);
    this.handleUnknown = s.str("handle_unknown");
    this.unknownValue = s.optNum("unknown_value") ?? Number.NaN;
    this.encodedMissing = s.has("encoded_missing_value")
      ? (s.optNum("encoded_missing_value") ?? Number.NaN)
      : Number.NaN;
    this.missingIdx = new Map();
    const mi = s.opt("_missing_indices");
    if (mi instanceof Map) for (const [k, v] of mi) this.missingIdx.set(toNumber(k), toNumber(v));
  }

  override transform(x: Data): Dense {
    const { codes, known, rows } = this.encode(x, this.handleUnknown === "error");
    const nf = this.categories.length;
    const out = dense(rows, nf);
    for (let i = 0; i < codes.length; i++) out.data[i] = codes[i]!;
    for (const [j, idx] of this.missingIdx) {
      for (let r = 0; r < rows; r++)
        if (codes[r * nf + j] === idx && known[r * nf + j]) out.data[r * nf + j] = this.encodedMissing;
    }
    if (this.handleUnknown === "use_encoded_value") {
      for (let i = 0; i < codes.length; i++) if (!known[i]) out.data[i] = this.unknownValue;
    }
    return out;
  }
}

/** LabelEncoder: `classes_` only (Voting/Stacking decode their members' predictions with it). */
export class LabelEncoder extends Estimator {
  readonly classes: NdArray;
  constructor(s: State) {
    super(s);
    this.classes = s.array("classes_");
  }
}

/** LabelBinarizer (MLPClassifier's `_label_binarizer`): `classes_` and the label type. */
export class LabelBinarizer extends Estimator {
  readonly classes: NdArray;
  readonly yType: string;
  constructor(s: State) {
    super(s);
    this.classes = s.array("classes_");
    this.yType = s.str("y_type_");
  }
}
