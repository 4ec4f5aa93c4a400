import type { Params, PyFuncImplementation, PyFuncInput, Tensor } from "@pyfunc/core";
import type { Booster, Prediction, PredictOptions } from "./booster.js";
import { inputError } from "./errors.js";
import { LGBMEstimator } from "./sklearn.js";

/** Rows each worker thread gets at least (smaller batches stay on the calling thread). */
const MIN_ROWS_PER_WORKER = 2048;

/** What an `mlflow.lightgbm` directory holds: a Booster (model.lgb) or a scikit-learn wrapper (model.pkl / .skops). */
export type LightGBMModel = Booster | LGBMEstimator;

/** `Booster.predict` keywords a pyfunc caller may pass as params (MLflow's Python wrapper ignores params). */
const PREDICT_PARAMS = new Set(["raw_score", "pred_leaf", "num_iteration", "start_iteration"]);

function intParam(name: string, v: unknown): number | null {
  if (v === null || v === undefined) return null;
  const n = typeof v === "bigint" ? Number(v) : v;
  if (typeof n !== "number" || !Number.isSafeInteger(n))
    throw inputError(`${name} must be an integer, got ${JSON.stringify(String(v))}`);
  return n;
}

function boolParam(name: string, v: unknown): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v !== "boolean") throw inputError(`${name} must be a boolean, got ${JSON.stringify(String(v))}`);
  return v;
}

/** pyfunc params → Booster.predict keywords; anything else is reported through `warn` and dropped. */
export function predictOptionsOf(params: Params | undefined, warn: (m: string) => void): PredictOptions {
  const opts: PredictOptions = {};
  const dropped: string[] = [];
  for (const [k, v] of Object.entries(params ?? {})) {
    if (!PREDICT_PARAMS.has(k)) dropped.push(k);
    else if (k === "raw_score") opts.rawScore = boolParam(k, v);
    else if (k === "pred_leaf") opts.predLeaf = boolParam(k, v);
    else if (k === "num_iteration") opts.numIteration = intParam(k, v);
    else opts.startIteration = intParam(k, v) ?? 0;
  }
  if (dropped.length > 0) {
    warn(
      `Params {${dropped.map((d) => `'${d}'`).join(", ")}} are not accepted by the lightgbm model, ignoring them during predict.`,
    );
  }
  return opts;
}

/**
 * MLflow's `_LGBModelWrapper`: pyfunc predict is `model.predict(data)`. A Booster returns float64
 * predictions ([rows] or [rows, classes]); LGBMClassifier returns class labels; LGBMRegressor / LGBMRanker
 * float64 predictions. best_iteration is used when the pickled Booster records one.
 */
export class LightGBMPyFuncModel implements PyFuncImplementation {
  readonly model: LightGBMModel;
  readonly modelClass: string;
  readonly acceptsParams = true;
  /** worker threads for large batches (0 = predict on the calling thread) */
  readonly workers: number;
  readonly #warn: (m: string) => void;

  constructor(
    model: LightGBMModel,
    modelClass: string,
    warn: (m: string) => void = () => {},
    options: { workers?: number } = {},
  ) {
    this.model = model;
    this.modelClass = modelClass;
    this.#warn = warn;
    this.workers = Math.max(0, Math.floor(options.workers ?? 0));
  }

  /**
   * Predict as MLflow's wrapper does. Returns a Promise when worker threads are enabled and the batch is
   * large enough to split (at least 2 × 2048 rows); otherwise computes synchronously.
   */
  predict(input: PyFuncInput, params?: Params): Tensor | Promise<Tensor> {
    const opts = predictOptionsOf(params, this.#warn);
    const est = this.model instanceof LGBMEstimator ? this.model : null;
    const booster = est === null ? (this.model as Booster) : est.booster;
    // a one-row input reuses the booster's row buffer: such a batch is always predicted synchronously below
    const m = booster.toMatrix(input, true);
    const finish = (p: Prediction): Tensor => (est === null ? p : est.finishPredict(p, opts));
    if (this.workers > 1 && m.numRows >= 2 * MIN_ROWS_PER_WORKER && opts.predLeaf !== true) {
      return booster.predictMatrixAsync(m, { ...opts, workers: this.workers }).then(finish);
    }
    return finish(booster.predictMatrix(m, opts));
  }

  /** The Booster or the scikit-learn estimator (`mlflow.lightgbm.load_model`). */
  unwrap(): LightGBMModel {
    return this.model;
  }

  close(): Promise<void> {
    return (this.model instanceof LGBMEstimator ? this.model.booster : this.model).close();
  }
}
