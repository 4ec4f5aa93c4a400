import type { Params, PyFuncImplementation, PyFuncInput, Tensor } from "@pyfunc/core";
import type { Booster, Prediction, PredictOptions } from "./booster.js";
import { assertFiniteForDMatrix, toFeatureMatrix } from "./convert.js";
import { inputError, MlflowException } from "./errors.js";
import { classesFromPrediction, sklearnIterationRange } from "./sklearn.js";

/** The model_class of a plain Booster (what mlflow.xgboost writes for xgb.train models). */
export const BOOSTER_CLASS = "xgboost.core.Booster";

export type ModelKind = "booster" | "classifier" | "regressor";

/** What `model_class` makes pyfunc predict return. */
export function modelKindOf(modelClass: string | undefined): ModelKind {
  if (modelClass === undefined || modelClass === BOOSTER_CLASS || modelClass.endsWith(".Booster"))
    return "booster";
  const short = modelClass.slice(modelClass.lastIndexOf(".") + 1);
  if (short.endsWith("Classifier")) return "classifier";
  if (short.startsWith("XGB") || short.endsWith("Regressor") || short.endsWith("Ranker")) return "regressor";
  throw new MlflowException(`Unsupported xgboost model_class '${modelClass}'`, "INVALID_PARAMETER_VALUE");
}

const BOOSTER_PARAMS = new Set([
  "output_margin",
  "iteration_range",
  "pred_leaf",
  "validate_features",
  "strict_shape",
  "training",
  "ntree_limit",
]);
const SKLEARN_PARAMS = new Set([
  "output_margin",
  "iteration_range",
  "validate_features",
  "ntree_limit",
  "base_margin",
]);

function parseRange(v: unknown): [number, number] {
  if (Array.isArray(v) && v.length === 2 && v.every((x) => Number.isSafeInteger(Number(x)))) {
    return [Number(v[0]), Number(v[1])];
  }
  throw inputError(`iteration_range must be a pair of integers, got ${JSON.stringify(v)}`);
}

/**
 * MLflow's `_XGBModelWrapper` in TypeScript: Booster → the objective's transformed output;
 * XGBClassifier → class indices; other sklearn wrappers → float32 predictions (best_iteration).
 */
export class XGBoostPyFuncModel implements PyFuncImplementation {
  readonly booster: Booster;
  readonly kind: ModelKind;
  readonly modelClass: string;
  readonly acceptsParams = true;
  /** worker threads for large batches (0 = predict on the calling thread) */
  readonly workers: number;
  readonly #warn: (m: string) => void;

  constructor(
    booster: Booster,
    modelClass: string = BOOSTER_CLASS,
    warn: (m: string) => void = () => {},
    options: { workers?: number } = {},
  ) {
    this.booster = booster;
    this.modelClass = modelClass;
    this.kind = modelKindOf(modelClass);
    this.#warn = warn;
    this.workers = Math.max(0, Math.floor(options.workers ?? 0));
  }

  /**
   * Predict as MLflow's wrapper does. Returns a Promise when worker threads are enabled and the
   * batch is large enough to be split (at least 2 × 2048 rows); otherwise computes synchronously.
   */
  predict(input: PyFuncInput, params?: Params): Tensor | Promise<Tensor> {
    return this.#predict(input, params, true);
  }

  /** The same prediction, always computed on the calling thread. */
  predictSync(input: PyFuncInput, params?: Params): Tensor {
    return this.#predict(input, params, false) as Tensor;
  }

  #predict(input: PyFuncInput, params: Params | undefined, allowAsync: boolean): Tensor | Promise<Tensor> {
    const b = this.booster;
    const allowed = this.kind === "booster" ? BOOSTER_PARAMS : SKLEARN_PARAMS;
    const p: Params = {};
    const dropped: string[] = [];
    for (const [k, v] of Object.entries(params ?? {})) {
      if (allowed.has(k)) p[k] = v;
      else dropped.push(k);
    }
    if (dropped.length > 0) {
      this.#warn(
        `Params {${dropped.map((d) => `'${d}'`).join(", ")}} are not accepted by the xgboost model, ignoring them during predict.`,
      );
    }
    const { matrix, names } = toFeatureMatrix(input, b.numFeature, b.featureNames);
    // MLflow predicts a Booster through xgb.DMatrix, which refuses infinite values; the scikit-learn wrappers
    // predict through inplace_predict, which accepts them
    if (this.kind === "booster") assertFiniteForDMatrix(matrix);
    if (names === null && b.featureNames !== null && p.validate_features !== false && matrix.numRows > 0) {
      throw inputError(`training data did not have the following fields: ${b.featureNames.join(", ")}`);
    }
    const opts: PredictOptions = {};
    if (p.iteration_range !== undefined && p.iteration_range !== null)
      opts.iterationRange = parseRange(p.iteration_range);
    else if (this.kind !== "booster") {
      const r = sklearnIterationRange(b);
      if (r) opts.iterationRange = r;
    }
    const outputMargin = p.output_margin === true;
    if (this.kind === "booster" && p.pred_leaf === true) {
      const leaf = b.predictLeaf({ data: matrix.X, shape: [matrix.numRows, matrix.numCols] }, opts);
      return { dtype: "float32", shape: leaf.shape, data: Float32Array.from(leaf.data) };
    }
    if (this.workers > 1 && allowAsync && matrix.numRows >= 2 * 2048) {
      return b
        .predictAsync(
          { data: matrix.X, shape: [matrix.numRows, matrix.numCols] },
          { ...opts, outputMargin: true, workers: this.workers },
        )
        .then((m) => this.#output(b.finish(m.data, matrix.numRows, outputMargin), outputMargin));
    }
    return this.#output(
      b.finish(b.predictMarginMatrix(matrix, opts), matrix.numRows, outputMargin),
      outputMargin,
    );
  }

  #output(pred: Prediction, outputMargin: boolean): Tensor {
    if (this.kind !== "classifier" || outputMargin)
      return { dtype: "float32", shape: pred.shape, data: pred.data };
    const c = classesFromPrediction(this.booster, pred);
    return { dtype: c.dtype, shape: c.shape, data: c.data };
  }

  unwrap(): Booster {
    return this.booster;
  }

  close(): Promise<void> {
    return this.booster.close();
  }
}
