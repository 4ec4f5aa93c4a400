import { Estimator } from "../base.js";
import type { Data, Dense } from "../matrix.js";
import { dense } from "../matrix.js";
import type { State } from "../state.js";

/** Per-column affine maps x → (x - shift) / div or x * mul + add, NaN kept (scalers allow NaN). */
function mapColumns(x: Dense, f: (v: number, j: number) => number): Dense {
  const out = dense(x.rows, x.cols);
  const { data } = x;
  for (let r = 0, i = 0; r < x.rows; r++) for (let j = 0; j < x.cols; j++, i++) out.data[i] = f(data[i]!, j);
  return out;
}

/** X -= center; X /= scale (two numpy in-place operations, the same rounding). */
function centerScale(m: Dense, center: Float64Array | null, scale: Float64Array | null): Dense {
  return mapColumns(m, (v, j) => {
    let t = center ? v - center[j]! : v;
    if (scale) t /= scale[j]!;
    return t;
  });
}

function optF64(s: State, key: string): Float64Array | null {
  return s.opt(key) === null ? null : perFeature(s, key);
}

/** A per-feature vector, as long as n_features_in_. */
function perFeature(s: State, key: string): Float64Array {
  return s.f64Shaped(key, [s.has("n_features_in_") ? s.int("n_features_in_") : null]);
}

export class StandardScaler extends Estimator {
  readonly mean: Float64Array | null;
  readonly scale: Float64Array | null;
  constructor(s: State) {
    super(s);
    this.mean = s.bool("with_mean") ? optF64(s, "mean_") : null;
    this.scale = s.bool("with_std") ? optF64(s, "scale_") : null;
  }
  override transform(x: Data): Dense {
    return centerScale(this.denseInput(x, { allowNaN: true }), this.mean, this.scale);
  }
  override inverseTransform(x: Dense): Dense {
    const { mean, scale } = this;
    return mapColumns(x, (v, j) => {
      let t = scale ? v * scale[j]! : v;
      if (mean) t += mean[j]!;
      return t;
    });
  }
}

export class MinMaxScaler extends Estimator {
  readonly scale: Float64Array;
  readonly min: Float64Array;
  readonly clip: boolean;
  readonly lo: number;
  readonly hi: number;
  constructor(s: State) {
    super(s);
    this.scale = perFeature(s, "scale_");
    this.min = perFeature(s, "min_");
    this.clip = s.has("clip") ? s.bool("clip") : false;
    const fr = s.list("feature_range");
    this.lo = Number(fr[0]);
    this.hi = Number(fr[1]);
  }
  override transform(x: Data): Dense {
    const m = this.denseInput(x, { allowNaN: true });
    const { scale, min, clip, lo, hi } = this;
    return mapColumns(m, (v, j) => {
      const t = v * scale[j]! + min[j]!;
      return clip ? Math.min(Math.max(t, lo), hi) : t;
    });
  }
}

export class RobustScaler extends Estimator {
  readonly center: Float64Array | null;
  readonly scale: Float64Array | null;
  constructor(s: State) {
    super(s);
    this.center = s.bool("with_centering") ? optF64(s, "center_") : null;
    this.scale = s.bool("with_scaling") ? optF64(s, "scale_") : null;
  }
  override transform(x: Data): Dense {
    return centerScale(this.denseInput(x, { allowNaN: true }), this.center, this.scale);
  }
}

export class MaxAbsScaler extends Estimator {
  readonly scale: Float64Array;
  constructor(s: State) {
    super(s);
    this.scale = perFeature(s, "scale_");
  }
  override transform(x: Data): Dense {
    const m = this.denseInput(x, { allowNaN: true });
    const { scale } = this;
    return mapColumns(m, (v, j) => v / scale[j]!);
  }
}

/** Row norms as sklearn.preprocessing.normalize computes them; zero norms become 1. */
export function normalizeRows(m: Dense, norm: string): Dense {
  const out = dense(m.rows, m.cols, Float64Array.from(m.data));
  const d = out.data;
  for (let r = 0; r < m.rows; r++) {
    const o = r * m.cols;
    let n = 0;
    if (norm === "l1") for (let j = 0; j < m.cols; j++) n += Math.abs(d[o + j]!);
    else if (norm === "max") for (let j = 0; j < m.cols; j++) n = Math.max(n, Math.abs(d[o + j]!));
    else {
      for (let j = 0; j < m.cols; j++) n += d[o + j]! * d[o + j]!;
      n = Math.sqrt(n);
    }
    if (n === 0) n = 1;
    for (let j = 0; j < m.cols; j++) d[o + j] = d[o + j]! / n;
  }
  return out;
}

export class Normalizer extends Estimator {
  readonly norm: string;
  constructor(s: State) {
    super(s);
    this.norm = s.str("norm");
    if (!["l1", "l2", "max"].includes(this.norm)) s.fail(`unknown norm '${this.norm}'`);
  }
  override transform(x: Data): Dense {
    return normalizeRows(this.denseInput(x), this.norm);
  }
}

export class PolynomialFeatures extends Estimator {
  readonly combos: number[][];
  constructor(s: State) {
    super(s);
    const deg = s.raw("degree");
    let minDeg = 0;
    let maxDeg: number;
    if (Array.isArray(deg)) {
      minDeg = Number(deg[0]);
      maxDeg = Number(deg[1]);
    } else maxDeg = s.int("degree");
    const interaction = s.bool("interaction_only");
    const bias = s.bool("include_bias");
    const n = s.int("n_features_in_");
    // refuse a degree whose expansion would not fit (the file says how many outputs it has)
    const expected = s.int("n_output_features_");
    if (expected > 1_000_000 || maxDeg > 64 || minDeg < 0 || minDeg > maxDeg)
      s.fail(`degree ${maxDeg} over ${n} features is out of range`);
    const combos: number[][] = [];
    if (bias) combos.push([]);
    // itertools.combinations(_with_replacement) over range(n) for each degree, in order
    const start = Math.max(1, minDeg);
    for (let d = start; d <= maxDeg; d++) {
      const rec = (prefix: number[], from: number) => {
        if (combos.length > expected)
          s.fail(`n_output_features_ ${expected} does not match degree ${maxDeg}`);
        if (prefix.length === d) {
          combos.push(prefix.slice());
          return;
        }
        for (let i = from; i < n; i++) {
          prefix.push(i);
          rec(prefix, interaction ? i + 1 : i);
          prefix.pop();
        }
      };
      rec([], 0);
    }
    if (expected !== combos.length)
      s.fail(`n_output_features_ ${s.int("n_output_features_")} does not match degree ${maxDeg}`);
    this.combos = combos;
  }
  override transform(x: Data): Dense {
    const m = this.denseInput(x, { allowNaN: true });
    const out = dense(m.rows, this.combos.length);
    for (let r = 0; r < m.rows; r++) {
      const row = r * m.cols;
      for (let k = 0; k < this.combos.length; k++) {
        const c = this.combos[k]!;
        // sklearn multiplies the lower-degree column by the new leading feature: x_i * (x_j * (x_k))
        let p = 1;
        if (c.length > 0) {
          p = m.data[row + c[c.length - 1]!]!;
          for (let t = c.length - 2; t >= 0; t--) p = m.data[row + c[t]!]! * p;
        }
        out.data[r * this.combos.length + k] = p;
      }
    }
    return out;
  }
}
