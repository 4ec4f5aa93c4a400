import { argmaxRows, Estimator, Labels, vector } from "../base.js";
import type { Data, Dense } from "../matrix.js";
import { dense } from "../matrix.js";
import type { NdArray } from "../ndarray.js";
import type { State } from "../state.js";

/**
 * Exact k-nearest neighbours by brute force over `_fit_X` (the KD/Ball tree of the pickle only speeds this
 * up; it finds the same neighbours). Ties in distance keep the lower training index, as a stable sort.
 */
abstract class BaseNeighbors extends Estimator {
  readonly fitX: Float64Array;
  readonly n: number;
  readonly d: number;
  readonly k: number;
  readonly weights: string;
  readonly dist: (a: Float64Array, ao: number, b: Float64Array, bo: number, d: number) => number;

  constructor(s: State) {
    super(s);
    const fx = s.f64("_fit_X", 2);
    this.fitX = fx.data;
    this.n = fx.shape[0]!;
    this.d = fx.shape[1]!;
    this.k = s.int("n_neighbors");
    if (this.k < 1 || this.k > this.n) s.fail(`n_neighbors=${this.k} with ${this.n} fitted samples`);
    const w = s.raw("weights");
    if (w !== "uniform" && w !== "distance" && w !== null) s.fail("a callable `weights` needs Python");
    this.weights = w === null ? "uniform" : (w as string);
    const metric = s.str("effective_metric_");
    const params = s.opt("effective_metric_params_");
    const p =
      params instanceof Map && params.has("p") ? Number(params.get("p")) : s.has("p") ? s.num("p") : 2;
    this.dist = metricOf(s, metric, p);
  }

  /** Indices and distances of the k nearest training rows of each input row. */
  protected neighbors(m: Dense): { idx: Int32Array; dist: Float64Array } {
    const k = this.k;
    const idx = new Int32Array(m.rows * k);
    const dist = new Float64Array(m.rows * k);
    const all = new Float64Array(this.n);
    const order = new Int32Array(this.n);
    for (let r = 0; r < m.rows; r++) {
      for (let i = 0; i < this.n; i++) {
        all[i] = this.dist(m.data, r * m.cols, this.fitX, i * this.d, this.d);
        order[i] = i;
      }
      // partial selection: k smallest, stable on index
      const sel = Array.from(order)
        .sort((a, b) => all[a]! - all[b]! || a - b)
        .slice(0, k);
      for (let t = 0; t < k; t++) {
        idx[r * k + t] = sel[t]!;
        dist[r * k + t] = all[sel[t]!]!;
      }
    }
    return { idx, dist };
  }

  /** Per-neighbour weights (uniform: null); zero distances take all the weight, as _get_weights. */
  protected weightRows(dist: Float64Array, rows: number): Float64Array | null {
    if (this.weights === "uniform") return null;
    const k = this.k;
    const w = new Float64Array(dist.length);
    for (let r = 0; r < rows; r++) {
      let zero = false;
      for (let t = 0; t < k; t++) if (dist[r * k + t] === 0) zero = true;
      for (let t = 0; t < k; t++) {
        const dv = dist[r * k + t]!;
        w[r * k + t] = zero ? (dv === 0 ? 1 : 0) : 1 / dv;
      }
    }
    return w;
  }
}

function metricOf(s: State, metric: string, p: number) {
  type F = (a: Float64Array, ao: number, b: Float64Array, bo: number, d: number) => number;
  const minkowski =
    (q: number): F =>
    (a, ao, b, bo, d) => {
      let t = 0;
      for (let j = 0; j < d; j++) t += Math.abs(a[ao + j]! - b[bo + j]!) ** q;
      return t ** (1 / q);
    };
  const euclid: F = (a, ao, b, bo, d) => {
    let t = 0;
    for (let j = 0; j < d; j++) {
      const e = a[ao + j]! - b[bo + j]!;
      t += e * e;
    }
    return Math.sqrt(t);
  };
  const manhattan: F = (a, ao, b, bo, d) => {
    let t = 0;
    for (let j = 0; j < d; j++) t += Math.abs(a[ao + j]! - b[bo + j]!);
    return t;
  };
  const chebyshev: F = (a, ao, b, bo, d) => {
    let t = 0;
    for (let j = 0; j < d; j++) t = Math.max(t, Math.abs(a[ao + j]! - b[bo + j]!));
    return t;
  };
  if (metric === "euclidean" || (metric === "minkowski" && p === 2)) return euclid;
  if (
    metric === "manhattan" ||
    metric === "cityblock" ||
    metric === "l1" ||
    (metric === "minkowski" && p === 1)
  )
    return manhattan;
  if (metric === "chebyshev" || metric === "infinity") return chebyshev;
  if (metric === "minkowski" && p > 0) return minkowski(p);
  return s.fail(`metric '${metric}' is not supported`);
}

export class KNeighborsClassifier extends BaseNeighbors {
  readonly classes: Labels;
  readonly y: Int32Array;
  constructor(s: State) {
    super(s);
    this.classes = new Labels(s.array("classes_"));
    const y = s.array("_y");
    if (y.shape.length !== 1) s.fail("multi-output KNeighborsClassifier is not supported");
    this.y = Int32Array.from(y.data as ArrayLike<number>, Number);
    if (this.y.length !== this.n || this.y.some((c) => c < 0 || c >= this.classes.length))
      s.fail("_y does not match _fit_X / classes_");
  }
  override predictProba(x: Data): Dense {
    const m = this.denseInput(x);
    const { idx, dist } = this.neighbors(m);
    const w = this.weightRows(dist, m.rows);
    const nc = this.classes.length;
    const out = dense(m.rows, nc);
    const k = this.k;
    for (let r = 0; r < m.rows; r++) {
      for (let t = 0; t < k; t++) {
        const c = this.y[idx[r * k + t]!]!;
        out.data[r * nc + c] = out.data[r * nc + c]! + (w ? w[r * k + t]! : 1);
      }
      let s = 0;
      for (let c = 0; c < nc; c++) s += out.data[r * nc + c]!;
      if (s === 0) s = 1;
      for (let c = 0; c < nc; c++) out.data[r * nc + c] = out.data[r * nc + c]! / s;
    }
    return out;
  }
  override predict(x: Data): NdArray {
    return this.classes.take(argmaxRows(this.predictProba(x)));
  }
}

export class KNeighborsRegressor extends BaseNeighbors {
  readonly y: Float64Array;
  constructor(s: State) {
    super(s);
    const y = s.f64("_y");
    if (y.shape.length !== 1) s.fail("multi-output KNeighborsRegressor is not supported");
    this.y = y.data;
    if (this.y.length !== this.n) s.fail("_y does not match _fit_X");
  }
  override predict(x: Data): NdArray {
    const m = this.denseInput(x);
    const { idx, dist } = this.neighbors(m);
    const w = this.weightRows(dist, m.rows);
    const k = this.k;
    const out = new Float64Array(m.rows);
    for (let r = 0; r < m.rows; r++) {
      let s = 0;
      let ws = 0;
      for (let t = 0; t < k; t++) {
        const wt = w ? w[r * k + t]! : 1;
        s += this.y[idx[r * k + t]!]! * wt;
        ws += wt;
      }
      out[r] = w ? s / ws : s / k;
    }
    return vector(out);
  }
}
