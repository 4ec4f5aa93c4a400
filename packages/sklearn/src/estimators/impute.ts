import { cellToFloat, Estimator, toDense } from "../base.js";
import { badState, inputError } from "../errors.js";
import { type Data, type Dense, dense, type Frame, type FrameColumn } from "../matrix.js";
import { isMissing, type NdArray, toNumber } from "../ndarray.js";
import type { State } from "../state.js";
import { columnsOf } from "./encoders.js";

/** `_get_mask(X, missing_values)`: NaN (also None in object columns), or equality with the given value. */
function missingTest(mv: unknown): (v: unknown) => boolean {
  if (isMissing(mv)) return isMissing;
  const k = typeof mv === "bigint" || typeof mv === "boolean" ? toNumber(mv) : mv;
  return (v) => (typeof v === "bigint" || typeof v === "boolean" ? toNumber(v) : v) === k;
}

function isNumericColumn(c: FrameColumn): boolean {
  return c.dtype !== "object" && c.dtype !== "str";
}

/** MissingIndicator(features="missing-only"): one bool column per feature that had missing values in fit. */
export class MissingIndicator extends Estimator {
  readonly features: Int32Array;
  readonly isMiss: (v: unknown) => boolean;
  readonly all: boolean;
  constructor(s: State) {
    super(s);
    this.features = Int32Array.from(s.array("features_").data as ArrayLike<number>, Number);
    this.isMiss = missingTest(s.opt("missing_values"));
    this.all = s.str("features") === "all";
  }
  /** The indicator block for a mask computed by the imputer (the imputer passes its own columns). */
  indicate(cols: readonly FrameColumn[], rows: number): Dense {
    const feats = this.all ? Int32Array.from(cols.keys()) : this.features;
    const out = dense(rows, feats.length);
    for (let k = 0; k < feats.length; k++) {
      const v = cols[feats[k]!]!.values;
      for (let r = 0; r < rows; r++) out.data[r * feats.length + k] = this.isMiss(v[r]) ? 1 : 0;
    }
    return out;
  }
  override transform(x: Data): Dense {
    this.checkFeatures(x);
    return this.indicate(columnsOf(x), x.rows);
  }
}

export class SimpleImputer extends Estimator {
  readonly strategy: string;
  readonly statistics: NdArray;
  readonly isMiss: (v: unknown) => boolean;
  readonly keepEmpty: boolean;
  readonly indicator: MissingIndicator | null;

  constructor(s: State) {
    super(s);
    this.strategy = s.str("strategy");
    if (!["mean", "median", "most_frequent", "constant"].includes(this.strategy))
      s.fail(`unknown strategy '${this.strategy}'`);
    this.statistics = s.array("statistics_");
    this.isMiss = missingTest(s.opt("missing_values"));
    this.keepEmpty = s.has("keep_empty_features") ? s.bool("keep_empty_features") : false;
    const ind = s.opt("indicator_");
    this.indicator = ind === null ? null : s.est<MissingIndicator>("indicator_");
    if (this.indicator !== null && !(this.indicator instanceof MissingIndicator))
      throw badState(s.cls, "indicator_ should be a MissingIndicator");
  }

  override transform(x: Data): Data {
    this.checkFeatures(x);
    const cols = columnsOf(x);
    const rows = x.rows;
    const stats = this.statistics.data;
    if (cols.length !== stats.length)
      throw inputError(`X has ${cols.length} features per sample, expected ${stats.length}`);
    const numericStats = this.strategy === "mean" || this.strategy === "median";
    // features whose statistic is NaN (no observed value in fit) are dropped unless constant/keep_empty
    const keep: number[] = [];
    for (let j = 0; j < cols.length; j++) {
      const st = stats[j];
      if (this.strategy === "constant" || this.keepEmpty || !isMissing(st)) keep.push(j);
    }
    const allNumeric = cols.every(isNumericColumn) && (this.statistics.dtype !== "object" || numericStats);
    if (numericStats || allNumeric) {
      const out = dense(rows, keep.length);
      for (let k = 0; k < keep.length; k++) {
        const j = keep[k]!;
        const v = cols[j]!.values;
        const fill = cellToFloat(stats[j]);
        for (let r = 0; r < rows; r++) {
          const cell = v[r];
          out.data[r * keep.length + k] = this.isMiss(cell) ? fill : cellToFloat(cell);
        }
      }
      return this.withIndicator(out, cols, rows);
    }
    // object data (strings, mixed): an object array, as numpy keeps it
    const outCols: FrameColumn[] = keep.map((j) => {
      const v = cols[j]!.values;
      const fill = stats[j];
      const o = new Array<unknown>(rows);
      for (let r = 0; r < rows; r++) o[r] = this.isMiss(v[r]) ? fill : v[r];
      return { dtype: "object", values: o };
    });
    const frame: Frame = { kind: "frame", rows, names: null, columns: outCols };
    if (this.indicator === null) return frame;
    const ind = this.indicator.indicate(cols, rows);
    const indCols: FrameColumn[] = [];
    for (let k = 0; k < ind.cols; k++) {
      const o = new Array<unknown>(rows);
      for (let r = 0; r < rows; r++) o[r] = ind.data[r * ind.cols + k]! === 1;
      indCols.push({ dtype: "object", values: o });
    }
    return { kind: "frame", rows, names: null, columns: [...outCols, ...indCols] };
  }

  private withIndicator(out: Dense, cols: readonly FrameColumn[], rows: number): Dense {
    if (this.indicator === null) return out;
    const ind = this.indicator.indicate(cols, rows);
    const all = dense(rows, out.cols + ind.cols);
    for (let r = 0; r < rows; r++) {
      all.data.set(out.data.subarray(r * out.cols, (r + 1) * out.cols), r * all.cols);
      all.data.set(ind.data.subarray(r * ind.cols, (r + 1) * ind.cols), r * all.cols + out.cols);
    }
    return all;
  }
}

export class KBinsDiscretizer extends Estimator {
  readonly edges: Float64Array[];
  readonly nBins: Int32Array;
  readonly encode: string;
  readonly encoder: Estimator | null;

  constructor(s: State) {
    super(s);
    const be = s.array("bin_edges_");
    this.edges = Array.from(be.data, (e, j) =>
      Float64Array.from(s.arrayOf(e, `bin_edges_[${j}]`).data as ArrayLike<number>, Number),
    );
    this.nBins = Int32Array.from(s.array("n_bins_").data as ArrayLike<number>, Number);
    this.encode = s.str("encode");
    this.encoder = this.encode === "ordinal" ? null : s.est<Estimator>("_encoder");
  }

  override transform(x: Data): Data {
    const m = this.denseInput(x);
    const out = dense(m.rows, m.cols);
    for (let j = 0; j < m.cols; j++) {
      const e = this.edges[j]!;
      const last = this.nBins[j]! - 1;
      for (let r = 0; r < m.rows; r++) {
        const v = m.data[r * m.cols + j]!;
        // np.digitize(X + eps, bin_edges[1:]) with eps = atol + rtol * |X|, then clip to [0, n_bins - 1]
        const t = v + (1e-8 + 1e-5 * Math.abs(v));
        let b = 0;
        for (let k = 1; k < e.length; k++) if (e[k]! <= t) b++;
        out.data[r * m.cols + j] = Math.min(Math.max(b, 0), last);
      }
    }
    if (this.encoder === null) return out;
    const enc = this.encoder.transform!(out);
    return enc.kind === "csr" && this.encode === "onehot-dense" ? toDense(enc) : enc;
  }
}
