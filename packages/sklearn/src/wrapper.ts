import {
  MlflowException,
  type Params,
  type PyFuncImplementation,
  type PyFuncInput,
  type Tensor,
} from "@pyfunc/core";
import type { Estimator } from "./base.js";
import { denseToTensor, toSklearnInput, toTensor } from "./convert.js";

/** The pyfunc methods MLflow's _SklearnModelWrapper exposes (snake_case as in MLmodel → ours). */
export const PREDICT_FNS = {
  predict: "predict",
  predict_proba: "predictProba",
  predict_log_proba: "predictLogProba",
  predict_joint_log_proba: "predictJointLogProba",
  score: "score",
} as const;

export type PredictFn = keyof typeof PREDICT_FNS;

/**
 * MLflow's `_SklearnModelWrapper`: `predict(data, params)` calls the estimator's method named by
 * `python_function.predict_fn` and returns its array as is (labels keep their dtype).
 */
export class SklearnPyFuncModel implements PyFuncImplementation {
  readonly estimator: Estimator;
  readonly predictFn: PredictFn;
  readonly acceptsParams: boolean;

  constructor(estimator: Estimator, predictFn: string = "predict") {
    if (!Object.hasOwn(PREDICT_FNS, predictFn)) {
      throw new MlflowException(
        `Model implementation is missing required ${predictFn} method.`,
        "INVALID_PARAMETER_VALUE",
      );
    }
    const fn = predictFn as PredictFn;
    if (fn !== "score" && !estimator.hasMethod(PREDICT_FNS[fn])) {
      throw new MlflowException(
        `Model implementation is missing required ${predictFn} method: ${estimator.shortName} has no ${predictFn}.`,
        "INVALID_PARAMETER_VALUE",
      );
    }
    this.estimator = estimator;
    this.predictFn = fn;
    // _SklearnModelWrapper.predict takes params (and ignores them); the bound sklearn methods do not
    this.acceptsParams = fn === "predict";
  }

  predict(input: PyFuncInput, _params?: Params): Tensor {
    const x = toSklearnInput(input);
    const e = this.estimator;
    switch (this.predictFn) {
      case "predict":
        return toTensor(e.predict!(x));
      case "predict_proba":
        return denseToTensor(e.predictProba!(x));
      case "predict_log_proba":
        return denseToTensor(e.predictLogProba!(x));
      case "predict_joint_log_proba":
        return denseToTensor(e.predictJointLogProba!(x));
      default:
        throw new MlflowException(
          `${e.shortName}.score(X, y) needs the true labels y, which pyfunc predict does not pass (MLflow fails the same way).`,
          "INVALID_PARAMETER_VALUE",
        );
    }
  }

  unwrap(): Estimator {
    return this.estimator;
  }

  async close(): Promise<void> {
    const c = (this.estimator as unknown as { close?: () => Promise<void> }).close;
    if (typeof c === "function") await c.call(this.estimator);
  }
}
