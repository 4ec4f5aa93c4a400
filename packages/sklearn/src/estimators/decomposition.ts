import { Estimator, vector } from "../base.js";
import type { Data, Dense } from "../matrix.js";
import { dense } from "../matrix.js";
import type { NdArray } from "../ndarray.js";
import type { State } from "../state.js";
import { affine } from "./linalg.js";

export class PCA extends Estimator {
  readonly mean: Float64Array | null;
  readonly comp: Float64Array;
  readonly k: number;
  readonly whiten: Float64Array | null;
  constructor(s: State) {
    super(s);
    this.mean = s.opt("mean_") === null ? null : s.f64Shaped("mean_", [s.int("n_features_in_")]);
    const c = s.f64("components_", 2);
    if (c.shape[1] !== s.int("n_features_in_")) s.fail("components_ do not match n_features_in_");
    this.comp = c.data;
    this.k = c.shape[0]!;
    this.whiten = s.bool("whiten") ? s.f64Shaped("explained_variance_", [this.k]).map(Math.sqrt) : null;
  }
  override transform(x: Data): Dense {
    const m = this.denseInput(x);
    let centered = m;
    if (this.mean) {
      centered = dense(m.rows, m.cols);
      for (let r = 0; r < m.rows; r++)
        for (let j = 0; j < m.cols; j++)
          centered.data[r * m.cols + j] = m.data[r * m.cols + j]! - this.mean[j]!;
    }
    const out = affine(centered, this.comp, this.k, null);
    if (this.whiten)
      for (let r = 0; r < out.rows; r++)
        for (let c = 0; c < this.k; c++)
          out.data[r * this.k + c] = out.data[r * this.k + c]! / this.whiten[c]!;
    return out;
  }
}

export class TruncatedSVD extends Estimator {
  readonly comp: Float64Array;
  readonly k: number;
  constructor(s: State) {
    super(s);
    const c = s.f64("components_", 2);
    this.comp = c.data;
    this.k = c.shape[0]!;
  }
  override transform(x: Data): Dense {
    return affine(this.numeric(x, { acceptSparse: true }), this.comp, this.k, null);
  }
}

export class KMeans extends Estimator {
  readonly centers: Float64Array;
  readonly k: number;
  readonly cnorm: Float64Array;
  constructor(s: State) {
    super(s);
    const c = s.f64("cluster_centers_", 2);
    if (c.shape[1] !== s.int("n_features_in_")) s.fail("cluster_centers_ do not match n_features_in_");
    this.centers = c.data;
    this.k = c.shape[0]!;
    const d = c.shape[1]!;
    this.cnorm = new Float64Array(this.k);
    for (let i = 0; i < this.k; i++) {
      let t = 0;
      for (let j = 0; j < d; j++) t += this.centers[i * d + j]! ** 2;
      this.cnorm[i] = t;
    }
  }
  /** euclidean_distances(X, cluster_centers_): sqrt(max(||x||² - 2 x·c + ||c||², 0)). */
  override transform(x: Data): Dense {
    const m = this.denseInput(x);
    const dots = affine(m, this.centers, this.k, null);
    const out = dense(m.rows, this.k);
    for (let r = 0; r < m.rows; r++) {
      let xx = 0;
      for (let j = 0; j < m.cols; j++) xx += m.data[r * m.cols + j]! ** 2;
      for (let c = 0; c < this.k; c++) {
        let v = -2 * dots.data[r * this.k + c]!;
        v += xx;
        v += this.cnorm[c]!;
        out.data[r * this.k + c] = Math.sqrt(Math.max(v, 0));
      }
    }
    return out;
  }
  /** Nearest center as lloyd's chunked kernel finds it: min over c of ||c||² - 2 x·c (int32 labels). */
  override predict(x: Data): NdArray {
    const m = this.denseInput(x);
    const dots = affine(m, this.centers, this.k, null);
    const out = new Int32Array(m.rows);
    for (let r = 0; r < m.rows; r++) {
      let best = 0;
      let bd = Infinity;
      for (let c = 0; c < this.k; c++) {
        const t = this.cnorm[c]! - 2 * dots.data[r * this.k + c]!;
        if (t < bd) {
          bd = t;
          best = c;
        }
      }
      out[r] = best;
    }
    return { dtype: "int32", shape: [m.rows], data: out };
  }
}

export class SelectKBest extends Estimator {
  readonly support: number[];
  constructor(s: State) {
    super(s);
    const scores = s.f64("scores_").data;
    const k = s.raw("k");
    const n = scores.length;
    if (k === "all") this.support = Array.from({ length: n }, (_, i) => i);
    else {
      const kk = s.int("k");
      // np.argsort(_clean_nans(scores), kind="mergesort")[-k:], then in column order
      const clean = Array.from(scores, (v) => (Number.isNaN(v) ? -Number.MAX_VALUE : v));
      const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => clean[a]! - clean[b]! || a - b);
      this.support = kk === 0 ? [] : order.slice(n - kk).sort((a, b) => a - b);
    }
  }
  override transform(x: Data): Dense {
    const m = this.denseInput(x, { allowNaN: true, allowInf: true });
    const out = dense(m.rows, this.support.length);
    for (let r = 0; r < m.rows; r++)
      for (let j = 0; j < this.support.length; j++)
        out.data[r * this.support.length + j] = m.data[r * m.cols + this.support[j]!]!;
    return out;
  }
}

export { vector };
