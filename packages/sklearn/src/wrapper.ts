import {
  MlflowException,
  type Params,
  type PyFuncImplementation,
  type PyFuncInput,
  type Tensor,
} from "@pyfunc/core";
import type { Estimator } from "./base.js";
import { denseToTensor, toSklearnInput, toTensor } from "./convert.js";
import { Pipeline } from "./estimators/compose.js";
import { TreeModel } from "./estimators/trees.js";
import type { Data, Dense } from "./matrix.js";
import type { NdArray } from "./ndarray.js";

/** Batches at least this large go to worker threads when workers are enabled (two halves of 2048 rows). */
const MIN_ASYNC_ROWS = 2 * 2048;

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

  /** worker threads for large batches of tree models (0 = predict on the calling thread) */
  readonly workers: number;

  constructor(estimator: Estimator, predictFn: string = "predict", options: { workers?: number } = {}) {
    this.workers = Math.max(0, Math.floor(options.workers ?? 0));
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

  /**
   * Predict as MLflow's wrapper does. Returns a Promise only for a tree model (alone or last in a Pipeline)
   * with workers enabled and a batch of at least 4096 rows; otherwise computes synchronously.
   */
  predict(input: PyFuncInput, _params?: Params): Tensor | Promise<Tensor> {
    return this.#run(this.predictFn, input);
  }

  // The wrapper's other methods, as MLflow's _SklearnModelWrapper has them: core's PyFuncModel calls the one the
  // pyfunc block's `predict_fn` names (`getattr(model_impl, predict_fn)`).
  predictProba(input: PyFuncInput, _params?: Params): Tensor | Promise<Tensor> {
    return this.#run("predict_proba", input);
  }

  predictLogProba(input: PyFuncInput, _params?: Params): Tensor | Promise<Tensor> {
    return this.#run("predict_log_proba", input);
  }

  predictJointLogProba(input: PyFuncInput, _params?: Params): Tensor | Promise<Tensor> {
    return this.#run("predict_joint_log_proba", input);
  }

  score(input: PyFuncInput, _params?: Params): Tensor | Promise<Tensor> {
    return this.#run("score", input);
  }

  #run(fn: PredictFn, input: PyFuncInput): Tensor | Promise<Tensor> {
    if (fn !== "score" && !this.estimator.hasMethod(PREDICT_FNS[fn])) {
      throw new MlflowException(
        `${this.estimator.shortName} has no ${fn} method.`,
        "INVALID_PARAMETER_VALUE",
      );
    }
    const x = toSklearnInput(input);
    if (this.workers > 1 && x.rows >= MIN_ASYNC_ROWS && fn !== "score") {
      const e = this.estimator;
      const tree =
        e instanceof TreeModel ? e : e instanceof Pipeline && e.final instanceof TreeModel ? e.final : null;
      if (tree !== null) {
        const xt = tree === e ? x : (e as Pipeline).preprocess(x);
        const method = methodOf(tree, fn);
        return tree.callAsync(method, xt, this.workers).then(toOutput);
      }
    }
    return this.#runSync(fn, x);
  }

  /** The same prediction, always on the calling thread. */
  predictSync(input: PyFuncInput | Data, _params?: Params): Tensor {
    return this.#runSync(this.predictFn, isData(input) ? input : toSklearnInput(input));
  }

  #runSync(fn: PredictFn, x: Data): Tensor {
    const e = this.estimator;
    switch (fn) {
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

function methodOf(e: Estimator, fn: Exclude<PredictFn, "score">): (x: Data) => NdArray | Dense {
  switch (fn) {
    case "predict":
      return e.predict!;
    case "predict_proba":
      return e.predictProba!;
    case "predict_log_proba":
      return e.predictLogProba!;
    default:
      return e.predictJointLogProba!;
  }
}

function isData(v: unknown): v is Data {
  const k = (v as { kind?: unknown } | null)?.kind;
  return k === "dense" || k === "csr" || k === "frame" || k === "series";
}

function toOutput(v: NdArray | Dense): Tensor {
  return "kind" in v ? denseToTensor(v as Dense) : toTensor(v);
}
