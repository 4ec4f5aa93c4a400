import type { Params, PyFuncImplementation, PyFuncInput, Tensor } from "@pyfunc/core";
import type { Booster, PredictOptions } from "./booster.js";
import { inputError } from "./errors.js";
import type { LGBMEstimator } from "./sklearn.js";

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
  readonly #warn: (m: string) => void;

  constructor(model: LightGBMModel, modelClass: string, warn: (m: string) => void = () => {}) {
    this.model = model;
    this.modelClass = modelClass;
    this.#warn = warn;
  }

  predict(input: PyFuncInput, params?: Params): Tensor {
    return this.model.predict(input, predictOptionsOf(params, this.#warn));
  }

  /** The Booster or the scikit-learn estimator (`mlflow.lightgbm.load_model`). */
  unwrap(): LightGBMModel {
    return this.model;
  }
}
