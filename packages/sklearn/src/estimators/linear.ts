import { argmaxRows, Estimator, Labels, matrixOut, vector } from "../base.js";
import type { Data, Dense } from "../matrix.js";
import { dense } from "../matrix.js";
import type { NdArray } from "../ndarray.js";
import type { State } from "../state.js";
import { affine, expit, logInPlace, mapInPlace, softmaxRows, twoColumns } from "./linalg.js";

/** coef_ as (k, d) rows and intercept_ (scalar or k-vector). */
function coefOf(s: State): { w: Float64Array; k: number; flat: boolean; b: Float64Array } {
  const { data, shape } = s.f64("coef_");
  const flat = shape.length === 1;
  const k = flat ? 1 : shape[0]!;
  const ic = s.raw("intercept_");
  const b =
    typeof ic === "number" || typeof ic === "bigint" ? Float64Array.of(Number(ic)) : s.f64("intercept_").data;
  // LinearSVC keeps a Fortran-ordered coef_; the reader gives C order either way
  const d = flat ? shape[0]! : shape[1]!;
  if (s.has("n_features_in_") && d !== s.int("n_features_in_"))
    s.fail(`coef_ has ${d} features, n_features_in_ is ${s.int("n_features_in_")}`);
  if (b.length !== 1 && b.length !== k) s.fail(`intercept_ has ${b.length} values for ${k} outputs`);
  return { w: data, k, flat, b };
}

/** LinearClassifierMixin: decision_function, predict, and OvR probabilities (`_predict_proba_lr`). */
export class LinearClassifier extends Estimator {
  readonly w: Float64Array;
  readonly k: number;
  readonly b: Float64Array;
  readonly classes: Labels;

  constructor(s: State) {
    super(s);
    const c = coefOf(s);
    this.w = c.w;
    this.k = c.k;
    this.b = c.b;
    // RidgeClassifier exposes classes_ as a property of its _label_binarizer
    this.classes = new Labels(
      s.has("classes_") ? s.array("classes_") : s.stateOf(s.object("_label_binarizer")).array("classes_"),
    );
    if (this.k !== (this.classes.length === 2 ? 1 : this.classes.length))
      s.fail(`coef_ has ${this.k} rows for ${this.classes.length} classes`);
  }

  scores(x: Data): Dense {
    const m = this.numeric(x, { acceptSparse: true });
    return affine(m, this.w, this.k, this.b);
  }

  override decisionFunction(x: Data): NdArray {
    const s = this.scores(x);
    return this.k === 1 ? vector(s.data) : matrixOut(s);
  }

  override predict(x: Data): NdArray {
    const s = this.scores(x);
    if (this.k === 1) {
      const idx = new Int32Array(s.rows);
      for (let r = 0; r < s.rows; r++) idx[r] = s.data[r]! > 0 ? 1 : 0;
      return this.classes.take(idx);
    }
    return this.classes.take(argmaxRows(s));
  }

  protected probaOvr(x: Data): Dense {
    const s = mapInPlace(this.scores(x), expit);
    if (this.k === 1) return twoColumns(s.data, s.rows);
    for (let r = 0; r < s.rows; r++) {
      let t = 0;
      for (let c = 0; c < s.cols; c++) t += s.data[r * s.cols + c]!;
      for (let c = 0; c < s.cols; c++) s.data[r * s.cols + c] = s.data[r * s.cols + c]! / t;
    }
    return s;
  }
}

export class LogisticRegression extends LinearClassifier {
  readonly ovr: boolean;
  constructor(s: State) {
    super(s);
    const mc = s.str("multi_class");
    const solver = s.str("solver");
    this.ovr =
      mc === "ovr" ||
      mc === "warn" ||
      ((mc === "auto" || mc === "deprecated") &&
        (this.classes.length <= 2 || solver === "liblinear" || solver === "newton-cholesky"));
  }
  override predictProba(x: Data): Dense {
    if (this.ovr) return this.probaOvr(x);
    const s = this.scores(x);
    if (this.k === 1) {
      const two = dense(s.rows, 2);
      for (let r = 0; r < s.rows; r++) {
        two.data[2 * r] = -s.data[r]!;
        two.data[2 * r + 1] = s.data[r]!;
      }
      return softmaxRows(two);
    }
    return softmaxRows(s);
  }
  override predictLogProba(x: Data): Dense {
    return logInPlace(this.predictProba(x));
  }
}

export class SGDClassifier extends LinearClassifier {
  readonly loss: string;
  constructor(s: State) {
    super(s);
    this.loss = s.str("loss");
  }
  override hasMethod(m: string): boolean {
    if (m === "predictProba" || m === "predictLogProba")
      return ["log_loss", "log", "modified_huber"].includes(this.loss);
    return super.hasMethod(m);
  }
  override predictProba(x: Data): Dense {
    if (this.loss === "log_loss" || this.loss === "log") return this.probaOvr(x);
    if (this.loss !== "modified_huber")
      throw new Error(
        `predict_(log_)proba only supported when loss='log_loss' or loss='modified_huber' ('${this.loss}' given)`,
      );
    const s = this.scores(x);
    const clip = (v: number) => (Math.min(Math.max(v, -1), 1) + 1) / 2;
    if (this.k === 1) return twoColumns(s.data, s.rows, clip);
    for (let r = 0; r < s.rows; r++) {
      let t = 0;
      for (let c = 0; c < s.cols; c++) {
        const p = clip(s.data[r * s.cols + c]!);
        s.data[r * s.cols + c] = p;
        t += p;
      }
      for (let c = 0; c < s.cols; c++)
        s.data[r * s.cols + c] = t === 0 ? 1 / s.cols : s.data[r * s.cols + c]! / t;
    }
    return s;
  }
  override predictLogProba(x: Data): Dense {
    return logInPlace(this.predictProba(x));
  }
}

/** LinearSVC, RidgeClassifier, Perceptron, PassiveAggressiveClassifier: decision_function and predict only. */
export class DecisionOnlyClassifier extends LinearClassifier {}

/** LinearModel._decision_function: X @ coef_.T + intercept_ (LinearRegression, Ridge, Lasso, SGDRegressor …). */
export class LinearRegressor extends Estimator {
  readonly w: Float64Array;
  readonly k: number;
  readonly flat: boolean;
  readonly b: Float64Array;
  constructor(s: State) {
    super(s);
    const c = coefOf(s);
    this.w = c.w;
    this.k = c.k;
    this.flat = c.flat;
    this.b = c.b;
  }
  protected raw(x: Data): Dense {
    const m = this.numeric(x, { acceptSparse: true });
    return affine(m, this.w, this.k, this.b);
  }
  override predict(x: Data): NdArray {
    const s = this.raw(x);
    return this.flat ? vector(s.data) : matrixOut(s);
  }
}

/** PoissonRegressor, GammaRegressor, TweedieRegressor: the link's inverse of the linear predictor. */
export class GeneralizedLinearRegressor extends LinearRegressor {
  readonly inverse: (v: number) => number;
  constructor(s: State) {
    super(s);
    const loss = s.object("_base_loss");
    const link = loss.dictState()?.get("link");
    const linkClass =
      typeof link === "object" && link !== null && "className" in link ? String(link.className) : "";
    if (linkClass === "sklearn._loss.link.LogLink") this.inverse = Math.exp;
    else if (linkClass === "sklearn._loss.link.IdentityLink") this.inverse = (v) => v;
    else if (linkClass === "sklearn._loss.link.LogitLink") this.inverse = expit;
    else s.fail(`unsupported link '${linkClass}'`);
  }
  override predict(x: Data): NdArray {
    const s = this.raw(x);
    return vector(mapInPlace(s, this.inverse).data);
  }
}
