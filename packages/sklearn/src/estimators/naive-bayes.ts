import { argmaxRows, Estimator, Labels } from "../base.js";
import type { Data, Dense } from "../matrix.js";
import { dense } from "../matrix.js";
import type { NdArray } from "../ndarray.js";
import type { State } from "../state.js";
import { affine, logsumexpRows } from "./linalg.js";

/** _BaseNB: everything follows from the joint log likelihood. */
abstract class BaseNB extends Estimator {
  readonly classes: Labels;
  constructor(s: State) {
    super(s);
    this.classes = new Labels(s.array("classes_"));
  }
  abstract jll(x: Data): Dense;
  override predict(x: Data): NdArray {
    return this.classes.take(argmaxRows(this.jll(x)));
  }
  override predictJointLogProba(x: Data): Dense {
    return this.jll(x);
  }
  override predictLogProba(x: Data): Dense {
    const j = this.jll(x);
    const lse = logsumexpRows(j);
    for (let r = 0; r < j.rows; r++)
      for (let c = 0; c < j.cols; c++) j.data[r * j.cols + c] = j.data[r * j.cols + c]! - lse[r]!;
    return j;
  }
  override predictProba(x: Data): Dense {
    const l = this.predictLogProba(x);
    for (let i = 0; i < l.data.length; i++) l.data[i] = Math.exp(l.data[i]!);
    return l;
  }
}

export class GaussianNB extends BaseNB {
  readonly theta: Float64Array;
  readonly vars: Float64Array;
  readonly prior: Float64Array;
  constructor(s: State) {
    super(s);
    const k = this.classes.length;
    const d = s.int("n_features_in_");
    this.theta = s.f64Shaped("theta_", [k, d]);
    this.vars = s.f64Shaped(s.has("var_") ? "var_" : "sigma_", [k, d]);
    this.prior = s.f64Shaped("class_prior_", [k]);
  }
  override jll(x: Data): Dense {
    const m = this.denseInput(x);
    const k = this.classes.length;
    const d = m.cols;
    const out = dense(m.rows, k);
    for (let i = 0; i < k; i++) {
      const jointi = Math.log(this.prior[i]!);
      let n0 = 0;
      for (let j = 0; j < d; j++) n0 += Math.log(2 * Math.PI * this.vars[i * d + j]!);
      n0 = -0.5 * n0;
      for (let r = 0; r < m.rows; r++) {
        let q = 0;
        for (let j = 0; j < d; j++) {
          const e = m.data[r * d + j]! - this.theta[i * d + j]!;
          q += (e * e) / this.vars[i * d + j]!;
        }
        out.data[r * k + i] = jointi + (n0 - 0.5 * q);
      }
    }
    return out;
  }
}

/** MultinomialNB / ComplementNB-free linear form: X @ feature_log_prob_.T + class_log_prior_. */
export class MultinomialNB extends BaseNB {
  readonly flp: Float64Array;
  readonly clp: Float64Array;
  constructor(s: State) {
    super(s);
    const k = this.classes.length;
    this.flp = s.f64Shaped("feature_log_prob_", [k, s.int("n_features_in_")]);
    this.clp = s.f64Shaped("class_log_prior_", [k]);
  }
  override jll(x: Data): Dense {
    const m = this.numeric(x, { acceptSparse: true });
    return affine(m, this.flp, this.classes.length, this.clp);
  }
}
