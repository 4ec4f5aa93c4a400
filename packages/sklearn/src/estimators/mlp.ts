import { argmaxRows, Estimator, Labels, matrixOut, vector } from "../base.js";
import type { Data, Dense } from "../matrix.js";
import type { NdArray } from "../ndarray.js";
import type { State } from "../state.js";
import { LabelBinarizer } from "./encoders.js";
import { expit, logInPlace, matmul, softmaxRows, twoColumns } from "./linalg.js";

const ACTIVATIONS: Record<string, ((m: Dense) => void) | undefined> = {
  identity: () => {},
  relu: (m) => {
    for (let i = 0; i < m.data.length; i++) if (!(m.data[i]! > 0)) m.data[i] = Math.max(m.data[i]!, 0);
  },
  tanh: (m) => {
    for (let i = 0; i < m.data.length; i++) m.data[i] = Math.tanh(m.data[i]!);
  },
  logistic: (m) => {
    for (let i = 0; i < m.data.length; i++) m.data[i] = expit(m.data[i]!);
  },
  softmax: (m) => {
    softmaxRows(m);
  },
};

abstract class BaseMLP extends Estimator {
  readonly layers: { w: Float64Array; b: Float64Array; out: number }[];
  readonly hidden: (m: Dense) => void;
  readonly output: (m: Dense) => void;
  constructor(s: State) {
    super(s);
    const coefs = s.list("coefs_");
    const ints = s.list("intercepts_");
    let width = s.int("n_features_in_");
    if (coefs.length === 0 || ints.length !== coefs.length) s.fail("coefs_ and intercepts_ do not match");
    this.layers = coefs.map((c, i) => {
      const w = s.arrayOf(c, `coefs_[${i}]`);
      const b = s.arrayOf(ints[i], `intercepts_[${i}]`);
      if (w.shape.length !== 2 || w.shape[0] !== width || b.data.length !== w.shape[1])
        s.fail(`layer ${i} has shape (${w.shape.join(", ")}) after a layer of ${width}`);
      width = w.shape[1]!;
      return {
        w: Float64Array.from(w.data as ArrayLike<number>),
        b: Float64Array.from(b.data as ArrayLike<number>),
        out: w.shape[1]!,
      };
    });
    const h = ACTIVATIONS[s.str("activation")];
    const o = ACTIVATIONS[s.str("out_activation_")];
    if (!h || !o) s.fail("unknown activation");
    this.hidden = h;
    this.output = o;
  }
  /** _forward_pass_fast: act = act @ W + b, hidden activation between layers, output activation last. */
  protected forward(x: Data): Dense {
    let a = this.denseInput(x);
    this.layers.forEach((l, i) => {
      const z = matmul(a, l.w, l.out);
      for (let r = 0; r < z.rows; r++)
        for (let c = 0; c < l.out; c++) z.data[r * l.out + c] = z.data[r * l.out + c]! + l.b[c]!;
      if (i < this.layers.length - 1) this.hidden(z);
      else this.output(z);
      a = z;
    });
    return a;
  }
}

export class MLPRegressor extends BaseMLP {
  override predict(x: Data): NdArray {
    const y = this.forward(x);
    return y.cols === 1 ? vector(y.data) : matrixOut(y);
  }
}

export class MLPClassifier extends BaseMLP {
  readonly classes: Labels;
  constructor(s: State) {
    super(s);
    const lb = s.est<LabelBinarizer>("_label_binarizer");
    if (!(lb instanceof LabelBinarizer)) s.fail("_label_binarizer should be a LabelBinarizer");
    if (lb.yType !== "binary" && lb.yType !== "multiclass")
      s.fail(`multilabel MLPClassifier (${lb.yType}) is not supported`);
    this.classes = new Labels(lb.classes);
  }
  override predict(x: Data): NdArray {
    const y = this.forward(x);
    if (y.cols === 1) {
      const idx = new Int32Array(y.rows);
      for (let r = 0; r < y.rows; r++) idx[r] = y.data[r]! > 0.5 ? 1 : 0;
      return this.classes.take(idx);
    }
    return this.classes.take(argmaxRows(y));
  }
  override predictProba(x: Data): Dense {
    const y = this.forward(x);
    return y.cols === 1 ? twoColumns(y.data, y.rows) : y;
  }
  override predictLogProba(x: Data): Dense {
    return logInPlace(this.predictProba(x));
  }
}
