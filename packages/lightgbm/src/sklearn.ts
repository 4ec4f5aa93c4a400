import type { PyFuncInput, Tensor } from "@pyfunc/core";
import { NdArray, type NumericArray, PyObject } from "@pyfunc/pickle";
import { Booster, type Prediction, type PredictOptions } from "./booster.js";
import { modelError } from "./errors.js";
import type { PandasCategorical } from "./text-model.js";

/** The scikit-learn wrappers of lightgbm.sklearn that MLflow pickles or saves with skops. */
export const SKLEARN_CLASSES = {
  "lightgbm.sklearn.LGBMClassifier": "classifier",
  "lightgbm.sklearn.LGBMRegressor": "regressor",
  "lightgbm.sklearn.LGBMRanker": "ranker",
} as const;
export type EstimatorKind = (typeof SKLEARN_CLASSES)[keyof typeof SKLEARN_CLASSES];

export const BOOSTER_PICKLE_CLASS = "lightgbm.basic.Booster";

/** Class labels as numpy holds them: str ('<U' or object arrays of str) or numbers. */
export type Labels =
  | { dtype: "str" | "object"; data: string[] }
  | { dtype: Exclude<Tensor["dtype"], "str" | "object" | "bytes">; data: NumericArray };

function isObjectOf(v: unknown, cls: string): v is PyObject {
  return v instanceof PyObject && v.className === cls;
}

function labelsOf(arr: unknown): Labels {
  if (!(arr instanceof NdArray) || arr.shape.length !== 1) {
    throw modelError("the classifier's classes_ is not a 1-D numpy array");
  }
  const d = arr.data;
  const kind = arr.dtype.kind;
  if (kind === "U") return { dtype: "str", data: d as string[] };
  if (kind === "O") {
    const items = d as unknown[];
    if (!items.every((x) => typeof x === "string")) {
      // object arrays of numbers become plain numbers (what numpy's argmax indexing hands back)
      if (items.every((x) => typeof x === "number")) {
        return { dtype: "float64", data: Float64Array.from(items as number[]) };
      }
      throw modelError("the classifier's classes_ holds values that are neither all strings nor all numbers");
    }
    return { dtype: "object", data: items as string[] };
  }
  // numpy's dtype name (int64, float32, bool, ...) is the core Tensor dtype of the same array
  const dtype = arr.dtype.name as Exclude<Tensor["dtype"], "str" | "object" | "bytes">;
  if (
    !(kind === "b" || kind === "i" || kind === "u" || kind === "f") ||
    !ArrayBuffer.isView(d) ||
    dtype === "float16"
  ) {
    throw modelError(`unsupported classes_ dtype ${arr.dtype.str}`);
  }
  return { dtype, data: d as NumericArray };
}

function intField(obj: PyObject, name: string): number | undefined {
  const v = obj.get(name);
  if (typeof v === "number" && Number.isSafeInteger(v)) return v;
  if (typeof v === "bigint") return Number(v);
  return undefined;
}

/** `pandas_categorical` from the Booster state: None or lists of str / numbers. */
function pandasCategoricalOf(v: unknown): PandasCategorical | undefined {
  if (v === undefined) return undefined;
  if (v === null) return null;
  if (!Array.isArray(v)) throw modelError("the Booster's pandas_categorical is not a list");
  return v.map((cats) => {
    if (!Array.isArray(cats))
      throw modelError("the Booster's pandas_categorical holds a value that is not a list");
    return cats.map((c: unknown) => {
      if (typeof c === "string" || typeof c === "number" || typeof c === "boolean") return c;
      if (typeof c === "bigint") return Number(c);
      throw modelError("the Booster's pandas_categorical holds a category that is not a str, int or float");
    });
  });
}

/** A pickled `lightgbm.basic.Booster`: its state's model string (`_handle`), best_iteration and pandas_categorical. */
export function boosterFromObject(obj: unknown): Booster {
  if (!isObjectOf(obj, BOOSTER_PICKLE_CLASS))
    throw modelError("the estimator's _Booster is not a lightgbm Booster");
  const text = obj.get("_handle");
  if (typeof text !== "string") throw modelError("the pickled Booster holds no model string (_handle)");
  const opts: { bestIteration?: number; pandasCategorical?: PandasCategorical } = {
    bestIteration: intField(obj, "best_iteration") ?? 0,
  };
  const pc = pandasCategoricalOf(obj.get("pandas_categorical"));
  if (pc !== undefined) opts.pandasCategorical = pc;
  return Booster.fromString(text, opts);
}

/**
 * A fitted `LGBMClassifier` / `LGBMRegressor` / `LGBMRanker` read from its pickled (or skops) state:
 * predict and predict_proba as lightgbm.sklearn computes them.
 */
export class LGBMEstimator {
  readonly className: string;
  readonly kind: EstimatorKind;
  readonly booster: Booster;
  /** classes_ for classifiers (sorted by the LabelEncoder), else null */
  readonly classes: Labels | null;

  constructor(className: string, booster: Booster, classes: Labels | null) {
    this.className = className;
    this.kind = SKLEARN_CLASSES[className as keyof typeof SKLEARN_CLASSES];
    if (this.kind === undefined) throw modelError(`unsupported lightgbm estimator class '${className}'`);
    this.booster = booster;
    this.classes = classes;
    if (this.kind === "classifier") {
      const n = classes?.data.length ?? 0;
      const outputs = booster.numOutputs;
      if (n < 2 || (outputs === 1 ? n !== 2 : n !== outputs)) {
        throw modelError(`the classifier has ${n} classes but its booster predicts ${outputs} outputs`);
      }
    }
  }

  /** Read the estimator out of the object a pickle or skops file decoded to. */
  static fromObject(obj: unknown): LGBMEstimator {
    if (!(obj instanceof PyObject) || !Object.hasOwn(SKLEARN_CLASSES, obj.className)) {
      const what = obj instanceof PyObject ? obj.className : typeof obj;
      throw modelError(`expected a lightgbm scikit-learn estimator, the file holds ${what}`);
    }
    if (obj.get("fitted_") === false || obj.get("_Booster") === undefined || obj.get("_Booster") === null) {
      throw modelError(`the ${obj.className} is not fitted`);
    }
    const booster = boosterFromObject(obj.get("_Booster"));
    let classes: Labels | null = null;
    if (SKLEARN_CLASSES[obj.className as keyof typeof SKLEARN_CLASSES] === "classifier") {
      const le = obj.get("_le");
      const arr = obj.get("_classes") ?? (le instanceof PyObject ? le.get("classes_") : undefined);
      classes = labelsOf(arr);
    }
    return new LGBMEstimator(obj.className, booster, classes);
  }

  /** `predict_proba` (classifiers): [rows, classes]; binary is [1 - p, p]. */
  predictProba(input: PyFuncInput, options: PredictOptions = {}): Prediction {
    if (this.kind !== "classifier") throw modelError(`${this.className} has no predict_proba`);
    return this.probaOf(this.booster.predict(input, options), options);
  }

  /**
   * `predict`: class labels (classes_[argmax(predict_proba)], the first maximum on ties) for classifiers,
   * the booster's predictions for regressors and rankers; raw_score / pred_leaf as the booster gives them.
   */
  predict(input: PyFuncInput, options: PredictOptions = {}): Tensor {
    return this.finishPredict(this.booster.predict(input, options), options);
  }

  /** The booster's prediction as predict_proba returns it. */
  probaOf(p: Prediction, options: PredictOptions = {}): Prediction {
    if (options.rawScore === true || options.predLeaf === true || p.shape.length > 1) return p;
    const n = p.shape[0]!;
    const out = new Float64Array(n * 2);
    for (let r = 0; r < n; r++) {
      out[2 * r] = 1 - (p.data[r] as number);
      out[2 * r + 1] = p.data[r] as number;
    }
    return { dtype: "float64", shape: [n, 2], data: out };
  }

  /** The booster's prediction as predict returns it (labels for classifiers). */
  finishPredict(p: Prediction, options: PredictOptions = {}): Tensor {
    if (this.kind !== "classifier" || options.rawScore === true || options.predLeaf === true) return p;
    const proba = this.probaOf(p, options);
    const [n, k] = proba.shape as [number, number];
    const classes = this.classes!;
    const index = new Int32Array(n);
    for (let r = 0; r < n; r++) {
      let best = 0;
      for (let j = 1; j < k; j++) if (proba.data[r * k + j]! > proba.data[r * k + best]!) best = j;
      index[r] = best;
    }
    if (classes.dtype === "str" || classes.dtype === "object") {
      const names = classes.data as string[];
      return { dtype: classes.dtype, shape: [n], data: Array.from(index, (i) => names[i]!) };
    }
    const src = classes.data as unknown as {
      [i: number]: number | bigint;
      constructor: new (n: number) => NumericArray;
    };
    const out = new src.constructor(n) as unknown as { [i: number]: number | bigint };
    for (let r = 0; r < n; r++) out[r] = src[index[r]!]!;
    return { dtype: classes.dtype, shape: [n], data: out as unknown as NumericArray };
  }
}
