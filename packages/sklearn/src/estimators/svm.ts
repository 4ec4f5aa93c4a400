import { argmaxRows, Estimator, Labels, matrixOut, vector } from "../base.js";
import type { Data, Dense } from "../matrix.js";
import { dense } from "../matrix.js";
import type { NdArray } from "../ndarray.js";
import type { State } from "../state.js";
import { logInPlace } from "./linalg.js";

type Kernel = (x: Float64Array, xo: number, sv: Float64Array, so: number, d: number) => number;

/** libsvm's dense kernels (k_function), in its order of operations. */
function kernelOf(s: State): Kernel {
  const kind = s.str("kernel");
  const gamma = s.num("_gamma");
  const coef0 = s.num("coef0");
  const degree = s.num("degree");
  const dot = (x: Float64Array, xo: number, v: Float64Array, vo: number, d: number) => {
    let t = 0;
    for (let j = 0; j < d; j++) t += x[xo + j]! * v[vo + j]!;
    return t;
  };
  switch (kind) {
    case "linear":
      return dot;
    case "poly":
      return (x, xo, v, vo, d) => (gamma * dot(x, xo, v, vo, d) + coef0) ** degree;
    case "rbf":
      return (x, xo, v, vo, d) => {
        let t = 0;
        for (let j = 0; j < d; j++) {
          const e = x[xo + j]! - v[vo + j]!;
          t += e * e;
        }
        return Math.exp(-gamma * t);
      };
    case "sigmoid":
      return (x, xo, v, vo, d) => Math.tanh(gamma * dot(x, xo, v, vo, d) + coef0);
    default:
      return s.fail(`kernel '${kind}' is not supported (a callable or precomputed kernel needs Python)`);
  }
}

abstract class BaseLibSVM extends Estimator {
  readonly sv: Float64Array;
  readonly nSv: number;
  readonly d: number;
  readonly dual: Float64Array;
  readonly intercept: Float64Array;
  readonly kernel: Kernel;
  constructor(s: State) {
    super(s);
    const sv = s.f64("support_vectors_", 2);
    this.sv = sv.data;
    this.nSv = sv.shape[0]!;
    this.d = sv.shape[1]!;
    this.dual = s.f64("_dual_coef_").data;
    this.intercept = s.f64("_intercept_").data;
    this.kernel = kernelOf(s);
    if (this.dual.length % Math.max(1, this.nSv) !== 0) s.fail("_dual_coef_ does not match support_vectors_");
    if (s.opt("_sparse") === true) s.fail("models fitted on sparse input are not supported");
  }
  /** K(x, sv_i) for every support vector of one row. */
  protected kvalues(x: Dense, r: number, out: Float64Array): void {
    for (let i = 0; i < this.nSv; i++) out[i] = this.kernel(x.data, r * x.cols, this.sv, i * this.d, this.d);
  }
}

export class SVR extends BaseLibSVM {
  override predict(x: Data): NdArray {
    const m = this.denseInput(x);
    const k = new Float64Array(this.nSv);
    const out = new Float64Array(m.rows);
    for (let r = 0; r < m.rows; r++) {
      this.kvalues(m, r, k);
      let t = 0;
      for (let i = 0; i < this.nSv; i++) t += this.dual[i]! * k[i]!;
      // libsvm: sum - rho, rho = -_intercept_
      out[r] = t - -this.intercept[0]!;
    }
    return vector(out);
  }
}

export class SVC extends BaseLibSVM {
  readonly classes: Labels;
  readonly nClass: number;
  readonly start: Int32Array;
  readonly count: Int32Array;
  readonly probA: Float64Array;
  readonly probB: Float64Array;
  readonly ovr: boolean;
  readonly breakTies: boolean;
  readonly probability: boolean;

  constructor(s: State) {
    super(s);
    this.classes = new Labels(s.array("classes_"));
    this.nClass = this.classes.length;
    const ns = s.has("_n_support") ? s.array("_n_support") : s.array("n_support_");
    this.count = Int32Array.from(ns.data as ArrayLike<number>, Number);
    this.start = new Int32Array(this.nClass);
    for (let i = 1; i < this.nClass; i++) this.start[i] = this.start[i - 1]! + this.count[i - 1]!;
    this.probA = s.f64(s.has("_probA") ? "_probA" : "probA_").data;
    this.probB = s.f64(s.has("_probB") ? "_probB" : "probB_").data;
    const pairs = (this.nClass * (this.nClass - 1)) / 2;
    let total = 0;
    for (const c of this.count) total += c;
    if (this.count.length !== this.nClass || total !== this.nSv)
      s.fail("n_support does not match the support vectors");
    if (this.dual.length !== (this.nClass - 1) * this.nSv || this.intercept.length !== pairs)
      s.fail("_dual_coef_ / _intercept_ do not match the classes");
    if (s.bool("probability") && (this.probA.length !== pairs || this.probB.length !== pairs))
      s.fail("probA_ / probB_ do not match the classes");
    this.ovr = s.str("decision_function_shape") === "ovr";
    this.breakTies = s.bool("break_ties");
    this.probability = s.bool("probability");
  }

  override hasMethod(m: string): boolean {
    if (m === "predictProba" || m === "predictLogProba") return this.probability;
    return super.hasMethod(m);
  }

  /** libsvm's one-vs-one decision values, pairs (i < j) in order: sum - rho. */
  private ovo(m: Dense): Dense {
    const nc = this.nClass;
    const np = (nc * (nc - 1)) / 2;
    const out = dense(m.rows, np);
    const k = new Float64Array(this.nSv);
    const l = this.nSv;
    for (let r = 0; r < m.rows; r++) {
      this.kvalues(m, r, k);
      let p = 0;
      for (let i = 0; i < nc; i++) {
        for (let j = i + 1; j < nc; j++) {
          let sum = 0;
          const si = this.start[i]!;
          const sj = this.start[j]!;
          // coef1 = sv_coef[j-1] over class i's SVs, coef2 = sv_coef[i] over class j's SVs
          for (let t = 0; t < this.count[i]!; t++) sum += this.dual[(j - 1) * l + si + t]! * k[si + t]!;
          for (let t = 0; t < this.count[j]!; t++) sum += this.dual[i * l + sj + t]! * k[sj + t]!;
          out.data[r * np + p] = sum - -this.intercept[p]!;
          p++;
        }
      }
    }
    return out;
  }

  private votes(dec: Dense): Int32Array {
    const nc = this.nClass;
    const out = new Int32Array(dec.rows);
    const vote = new Int32Array(nc);
    for (let r = 0; r < dec.rows; r++) {
      vote.fill(0);
      let p = 0;
      for (let i = 0; i < nc; i++)
        for (let j = i + 1; j < nc; j++) {
          if (dec.data[r * dec.cols + p]! > 0) vote[i]!++;
          else vote[j]!++;
          p++;
        }
      let best = 0;
      for (let i = 1; i < nc; i++) if (vote[i]! > vote[best]!) best = i;
      out[r] = best;
    }
    return out;
  }

  /** sklearn's _ovr_decision_function (votes plus transformed confidences). */
  private ovrShape(dec: Dense): Dense {
    const nc = this.nClass;
    const out = dense(dec.rows, nc);
    const conf = dense(dec.rows, nc);
    for (let r = 0; r < dec.rows; r++) {
      let p = 0;
      for (let i = 0; i < nc; i++)
        for (let j = i + 1; j < nc; j++) {
          // predictions = (dec < 0) for pair (i, j); confidences = -dec
          const c = -dec.data[r * dec.cols + p]!;
          const pred = dec.data[r * dec.cols + p]! < 0 ? 1 : 0;
          conf.data[r * nc + i] = conf.data[r * nc + i]! - c;
          conf.data[r * nc + j] = conf.data[r * nc + j]! + c;
          out.data[r * nc + (pred === 0 ? i : j)] += 1;
          p++;
        }
    }
    for (let r = 0; r < dec.rows; r++)
      for (let c = 0; c < nc; c++) {
        const s = conf.data[r * nc + c]!;
        out.data[r * nc + c] = out.data[r * nc + c]! + s / (3 * (Math.abs(s) + 1));
      }
    return out;
  }

  override decisionFunction(x: Data): NdArray {
    const dec = this.ovo(this.denseInput(x));
    if (this.nClass === 2) {
      const out = new Float64Array(dec.rows);
      for (let r = 0; r < dec.rows; r++) out[r] = -dec.data[r]!;
      return vector(out);
    }
    return matrixOut(this.ovr ? this.ovrShape(dec) : dec);
  }

  override predict(x: Data): NdArray {
    const dec = this.ovo(this.denseInput(x));
    if (this.breakTies && this.ovr && this.nClass > 2) {
      return this.classes.take(argmaxRows(this.ovrShape(dec)));
    }
    return this.classes.take(this.votes(dec));
  }

  override predictProba(x: Data): Dense {
    if (!this.probability) throw new Error("predict_proba is not available when probability=False");
    const dec = this.ovo(this.denseInput(x));
    const nc = this.nClass;
    const out = dense(dec.rows, nc);
    const rmat = new Float64Array(nc * nc);
    const minProb = 1e-7;
    for (let r = 0; r < dec.rows; r++) {
      let p = 0;
      for (let i = 0; i < nc; i++)
        for (let j = i + 1; j < nc; j++) {
          const v = Math.min(
            Math.max(sigmoidPredict(dec.data[r * dec.cols + p]!, this.probA[p]!, this.probB[p]!), minProb),
            1 - minProb,
          );
          rmat[i * nc + j] = v;
          rmat[j * nc + i] = 1 - v;
          p++;
        }
      const pr = out.data.subarray(r * nc, (r + 1) * nc);
      if (nc === 2) {
        pr[0] = rmat[1]!;
        pr[1] = rmat[nc]!;
      } else multiclassProbability(nc, rmat, pr);
    }
    return out;
  }

  override predictLogProba(x: Data): Dense {
    return logInPlace(this.predictProba(x));
  }
}

function sigmoidPredict(dec: number, a: number, b: number): number {
  const f = dec * a + b;
  return f >= 0 ? Math.exp(-f) / (1 + Math.exp(-f)) : 1 / (1 + Math.exp(f));
}

/** libsvm's multiclass_probability (Wu, Lin and Weng, method 2). */
function multiclassProbability(k: number, r: Float64Array, p: Float64Array): void {
  const maxIter = Math.max(100, k);
  const q = new Float64Array(k * k);
  const qp = new Float64Array(k);
  const eps = 0.005 / k;
  for (let t = 0; t < k; t++) {
    p[t] = 1 / k;
    q[t * k + t] = 0;
    for (let j = 0; j < t; j++) {
      q[t * k + t] = q[t * k + t]! + r[j * k + t]! * r[j * k + t]!;
      q[t * k + j] = q[j * k + t]!;
    }
    for (let j = t + 1; j < k; j++) {
      q[t * k + t] = q[t * k + t]! + r[j * k + t]! * r[j * k + t]!;
      q[t * k + j] = -r[j * k + t]! * r[t * k + j]!;
    }
  }
  for (let iter = 0; iter < maxIter; iter++) {
    let pQp = 0;
    for (let t = 0; t < k; t++) {
      qp[t] = 0;
      for (let j = 0; j < k; j++) qp[t] = qp[t]! + q[t * k + j]! * p[j]!;
      pQp += p[t]! * qp[t]!;
    }
    let maxError = 0;
    for (let t = 0; t < k; t++) {
      const e = Math.abs(qp[t]! - pQp);
      if (e > maxError) maxError = e;
    }
    if (maxError < eps) break;
    for (let t = 0; t < k; t++) {
      const diff = (-qp[t]! + pQp) / q[t * k + t]!;
      p[t] = p[t]! + diff;
      pQp = (pQp + diff * (diff * q[t * k + t]! + 2 * qp[t]!)) / (1 + diff) / (1 + diff);
      for (let j = 0; j < k; j++) {
        qp[j] = (qp[j]! + diff * q[t * k + j]!) / (1 + diff);
        p[j] = p[j]! / (1 + diff);
      }
    }
  }
}
