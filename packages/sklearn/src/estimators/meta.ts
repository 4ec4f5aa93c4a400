import { argmaxRows, Estimator, Labels, matrixOut, toDense, vector } from "../base.js";
import { badState, inputError } from "../errors.js";
import type { Data, Dense } from "../matrix.js";
import { dense, hstackDense } from "../matrix.js";
import { type NdArray, toFloat64, toNumber } from "../ndarray.js";
import type { State } from "../state.js";
import { LabelEncoder } from "./encoders.js";
import { expit } from "./linalg.js";

/** An NdArray output as a 2-D dense block ((n,) → (n, 1)). */
function asBlock(a: NdArray | Dense): Dense {
  if ("kind" in a) return a as Dense;
  const nd = a as NdArray;
  const rows = nd.shape[0]!;
  const cols = nd.shape.length === 1 ? 1 : nd.shape[1]!;
  return dense(rows, cols, toFloat64(nd.data));
}

/** A method of an estimator by scikit-learn name. */
function callMethod(e: Estimator, method: string, x: Data): Dense {
  switch (method) {
    case "predict_proba":
      return e.predictProba!(x);
    case "decision_function":
      return asBlock(e.decisionFunction!(x));
    case "predict":
      return asBlock(e.predict!(x));
    case "predict_log_proba":
      return e.predictLogProba!(x);
    default:
      throw inputError(`stack_method '${method}' is not supported`);
  }
}

function encoderOf(s: State, key: string): Labels {
  const le = s.est<LabelEncoder>(key);
  if (!(le instanceof LabelEncoder)) throw badState(s.cls, `${key} should be a LabelEncoder`);
  return new Labels(le.classes);
}

function weightsOf(s: State, n: number): Float64Array | null {
  const w = s.opt("weights");
  if (w === null) return null;
  const items = Array.isArray(w) ? w : Array.from(s.array("weights").data);
  const kept = items.filter((v) => v !== null).map(toNumber);
  if (kept.length !== n) s.fail("weights do not match the fitted estimators");
  return Float64Array.from(kept);
}

export class VotingClassifier extends Estimator {
  readonly members: Estimator[];
  readonly classes: Labels;
  readonly soft: boolean;
  readonly weights: Float64Array | null;
  readonly flatten: boolean;
  constructor(s: State) {
    super(s);
    this.members = s.list("estimators_").map((e, i) => s.estOf<Estimator>(e, `estimators_[${i}]`));
    this.classes = encoderOf(s, "le_");
    this.soft = s.str("voting") === "soft";
    this.weights = weightsOf(s, this.members.length);
    this.flatten = s.bool("flatten_transform");
  }
  override hasMethod(m: string): boolean {
    if (m === "predictProba") return this.soft;
    return super.hasMethod(m);
  }
  private probas(x: Data): Dense[] {
    return this.members.map((m) => m.predictProba!(x));
  }
  override predictProba(x: Data): Dense {
    if (!this.soft) throw inputError("predict_proba is not available when voting='hard'");
    const ps = this.probas(x);
    const out = dense(ps[0]!.rows, ps[0]!.cols);
    const w = this.weights;
    let wsum = 0;
    if (w) for (const v of w) wsum += v;
    for (let i = 0; i < out.data.length; i++) {
      let t = 0;
      for (let e = 0; e < ps.length; e++) t += w ? ps[e]!.data[i]! * w[e]! : ps[e]!.data[i]!;
      out.data[i] = w ? t / wsum : t / ps.length;
    }
    return out;
  }
  override predict(x: Data): NdArray {
    if (this.soft) return this.classes.take(argmaxRows(this.predictProba(x)));
    const preds = this.members.map((m) => toFloat64(m.predict!(x).data));
    const n = preds[0]!.length;
    const idx = new Int32Array(n);
    const votes = new Float64Array(this.classes.length);
    for (let r = 0; r < n; r++) {
      votes.fill(0);
      preds.forEach((p, e) => {
        votes[p[r]!] = votes[p[r]!]! + (this.weights ? this.weights[e]! : 1);
      });
      let b = 0;
      for (let c = 1; c < votes.length; c++) if (votes[c]! > votes[b]!) b = c;
      idx[r] = b;
    }
    return this.classes.take(idx);
  }
  override transform(x: Data): Dense {
    if (this.soft) {
      if (!this.flatten)
        throw inputError(
          "transform with flatten_transform=False returns a 3-D array, which is not supported",
        );
      const ps = this.probas(x);
      return hstackDense(ps, ps[0]!.rows);
    }
    const preds = this.members.map((m) => asBlock(m.predict!(x)));
    return hstackDense(preds, preds[0]!.rows);
  }
}

export class StackingClassifier extends Estimator {
  readonly members: { est: Estimator; method: string }[];
  readonly final: Estimator;
  readonly classes: Labels;
  readonly passthrough: boolean;
  constructor(s: State) {
    super(s);
    const ests = s.list("estimators_");
    const methods = s.list("stack_method_");
    this.members = [];
    ests.forEach((e, i) => {
      if (e === "drop") return;
      this.members.push({ est: s.estOf<Estimator>(e, `estimators_[${i}]`), method: String(methods[i]) });
    });
    this.final = s.est<Estimator>("final_estimator_");
    this.classes = encoderOf(s, "_label_encoder");
    this.passthrough = s.bool("passthrough");
  }
  override transform(x: Data): Dense {
    const blocks: Dense[] = [];
    for (const m of this.members) {
      let p = callMethod(m.est, m.method, x);
      if (m.method === "predict_proba" && this.classes.length === 2 && p.cols === 2) {
        const one = dense(p.rows, 1);
        for (let r = 0; r < p.rows; r++) one.data[r] = p.data[2 * r + 1]!;
        p = one;
      }
      blocks.push(p);
    }
    if (this.passthrough) blocks.push(toDense(x));
    return hstackDense(blocks, x.rows);
  }
  override predict(x: Data): NdArray {
    const enc = this.final.predict!(this.transform(x));
    return this.classes.take(Int32Array.from(enc.data as ArrayLike<number>, Number));
  }
  override predictProba(x: Data): Dense {
    return this.final.predictProba!(this.transform(x));
  }
  override decisionFunction(x: Data): NdArray {
    return this.final.decisionFunction!(this.transform(x));
  }
}

/** _SigmoidCalibration / IsotonicRegression as a 1-D map. */
class Calibrator {
  readonly f: (v: number) => number;
  constructor(s: State, o: unknown, where: string) {
    const rec = s.objectOf(o, where);
    const st = s.stateOf(rec);
    if (rec.className === "sklearn.calibration._SigmoidCalibration") {
      const a = st.num("a_");
      const b = st.num("b_");
      this.f = (v) => expit(-(a * v + b));
    } else if (rec.className === "sklearn.isotonic.IsotonicRegression") {
      const xs = st.f64("X_thresholds_").data;
      const ys = st.f64("y_thresholds_").data;
      const clip = st.str("out_of_bounds") === "clip";
      const lo = st.num("X_min_");
      const hi = st.num("X_max_");
      this.f = (v) => {
        const t = clip ? Math.min(Math.max(v, lo), hi) : v;
        return interp(t, xs, ys);
      };
    } else throw badState(s.cls, `calibrator ${rec.className} is not supported`);
  }
}

/** np.interp */
function interp(v: number, xs: Float64Array, ys: Float64Array): number {
  if (Number.isNaN(v)) return Number.NaN;
  const n = xs.length;
  if (v <= xs[0]!) return ys[0]!;
  if (v >= xs[n - 1]!) return ys[n - 1]!;
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]! <= v) lo = mid;
    else hi = mid;
  }
  const slope = (ys[hi]! - ys[lo]!) / (xs[hi]! - xs[lo]!);
  return slope * (v - xs[lo]!) + ys[lo]!;
}

class CalibratedMember {
  readonly est: Estimator;
  readonly calibrators: Calibrator[];
  readonly pos: Int32Array;
  readonly useDecision: boolean;
  constructor(s: State, o: unknown, where: string, classes: Labels) {
    const rec = s.objectOf(o, where, "sklearn.calibration._CalibratedClassifier");
    const st = s.stateOf(rec);
    this.est = st.est<Estimator>(st.has("estimator") ? "estimator" : "base_estimator");
    this.calibrators = st.list("calibrators").map((c, i) => new Calibrator(st, c, `calibrators[${i}]`));
    this.useDecision = this.est.hasMethod("decisionFunction");
    const estClasses = (this.est as unknown as { classes?: Labels }).classes;
    if (!estClasses) throw badState(s.cls, "the calibrated estimator has no classes_");
    this.pos = classes.indexOf(estClasses.values);
  }
  predictProba(x: Data, nc: number): Dense {
    let pred: Dense;
    if (this.useDecision) pred = asBlock(this.est.decisionFunction!(x));
    else {
      pred = this.est.predictProba!(x);
      if (nc === 2) {
        const one = dense(pred.rows, 1);
        for (let r = 0; r < pred.rows; r++) one.data[r] = pred.data[r * pred.cols + 1]!;
        pred = one;
      }
    }
    const out = dense(pred.rows, nc);
    this.calibrators.forEach((cal, k) => {
      const ci = nc === 2 ? this.pos[k]! + 1 : this.pos[k]!;
      for (let r = 0; r < pred.rows; r++) out.data[r * nc + ci] = cal.f(pred.data[r * pred.cols + k]!);
    });
    for (let r = 0; r < out.rows; r++) {
      if (nc === 2) out.data[r * 2] = 1 - out.data[r * 2 + 1]!;
      else {
        let d = 0;
        for (let c = 0; c < nc; c++) d += out.data[r * nc + c]!;
        for (let c = 0; c < nc; c++) out.data[r * nc + c] = d !== 0 ? out.data[r * nc + c]! / d : 1 / nc;
      }
      for (let c = 0; c < nc; c++) {
        const v = out.data[r * nc + c]!;
        if (v > 1 && v <= 1 + 1e-5) out.data[r * nc + c] = 1;
      }
    }
    return out;
  }
}

export class CalibratedClassifierCV extends Estimator {
  readonly classes: Labels;
  readonly members: CalibratedMember[];
  constructor(s: State) {
    super(s);
    this.classes = new Labels(s.array("classes_"));
    this.members = s
      .list("calibrated_classifiers_")
      .map((c, i) => new CalibratedMember(s, c, `calibrated_classifiers_[${i}]`, this.classes));
  }
  override predictProba(x: Data): Dense {
    const nc = this.classes.length;
    const mean = dense(x.rows, nc);
    for (const m of this.members) {
      const p = m.predictProba(x, nc);
      for (let i = 0; i < mean.data.length; i++) mean.data[i] = mean.data[i]! + p.data[i]!;
    }
    for (let i = 0; i < mean.data.length; i++) mean.data[i] = mean.data[i]! / this.members.length;
    return mean;
  }
  override predict(x: Data): NdArray {
    return this.classes.take(argmaxRows(this.predictProba(x)));
  }
}

export class TransformedTargetRegressor extends Estimator {
  readonly regressor: Estimator;
  readonly transformer: Estimator;
  readonly trainingDim: number;
  constructor(s: State) {
    super(s);
    this.regressor = s.est<Estimator>("regressor_");
    this.transformer = s.est<Estimator>("transformer_");
    this.trainingDim = s.int("_training_dim");
    if (!this.transformer.inverseTransform) s.fail(`${this.transformer.shortName} has no inverse_transform`);
  }
  override predict(x: Data): NdArray {
    const pred = this.regressor.predict!(x);
    const block = asBlock(pred);
    const inv = this.transformer.inverseTransform!(block);
    if (this.trainingDim === 1 && inv.cols === 1) return vector(inv.data);
    return matrixOut(inv);
  }
}

/** DummyRegressor / DummyClassifier(strategy="prior") as GradientBoosting `init_` and on their own. */
export class DummyRegressor extends Estimator {
  readonly constant: Float64Array;
  constructor(s: State) {
    super(s);
    this.constant = s.f64("constant_").data;
  }
  override predict(x: Data): NdArray {
    const n = x.rows;
    const k = this.constant.length;
    const out = new Float64Array(n * k);
    for (let r = 0; r < n; r++) out.set(this.constant, r * k);
    return k === 1 ? vector(out) : { dtype: "float64", shape: [n, k], data: out };
  }
}

export class DummyClassifier extends Estimator {
  readonly prior: Float64Array;
  readonly classes: Labels;
  readonly strategy: string;
  constructor(s: State) {
    super(s);
    this.prior = s.f64("class_prior_").data;
    this.classes = new Labels(s.array("classes_"));
    this.strategy = s.str("strategy");
    if (this.strategy !== "prior" && this.strategy !== "most_frequent")
      s.fail(`strategy '${this.strategy}' is not supported`);
  }
  override predictProba(x: Data): Dense {
    const k = this.prior.length;
    const out = dense(x.rows, k);
    if (this.strategy === "prior") for (let r = 0; r < x.rows; r++) out.data.set(this.prior, r * k);
    else {
      let b = 0;
      for (let c = 1; c < k; c++) if (this.prior[c]! > this.prior[b]!) b = c;
      for (let r = 0; r < x.rows; r++) out.data[r * k + b] = 1;
    }
    return out;
  }
  override predict(x: Data): NdArray {
    let b = 0;
    for (let c = 1; c < this.prior.length; c++) if (this.prior[c]! > this.prior[b]!) b = c;
    return this.classes.take(new Int32Array(x.rows).fill(b));
  }
}
