import type { Params, PyFuncImplementation, PyFuncInput, PyFuncOutput } from "@pyfunc/core";
import { MlflowException } from "@pyfunc/core";
import { toAsync } from "./convert.js";

type PredictFn = (input: PyFuncInput) => PyFuncOutput | Promise<PyFuncOutput>;
type PredictStreamFn = (input: PyFuncInput) => AsyncIterable<unknown> | Iterable<unknown>;

/** Pick the model function out of an imported module: `predict`, else a default-exported function or object. */
export function predictFunctionOf(mod: Record<string, unknown>): {
  predict: PredictFn;
  predictStream: PredictStreamFn | undefined;
} {
  const def = mod.default as Record<string, unknown> | ((...a: unknown[]) => unknown) | undefined;
  let predict: unknown = mod.predict;
  let predictStream: unknown = mod.predictStream;
  if (typeof predict !== "function" && typeof def === "function") predict = def;
  if (typeof predict !== "function" && def && typeof def === "object") {
    predict = typeof def.predict === "function" ? (def.predict as PredictFn).bind(def) : undefined;
    if (typeof def.predictStream === "function")
      predictStream = (def.predictStream as PredictStreamFn).bind(def);
  }
  if (typeof predict !== "function") {
    throw MlflowException.invalidParameter(
      "The model code does not export a `predict` function (export `predict(modelInput)` or a default function).",
    );
  }
  return {
    predict: predict as PredictFn,
    predictStream: typeof predictStream === "function" ? (predictStream as PredictStreamFn) : undefined,
  };
}

/** Build the pyfunc implementation of a function model from its imported module. */
export function functionImplementation(
  mod: Record<string, unknown>,
  warn: (message: string) => void,
): PyFuncImplementation {
  const { predict, predictStream } = predictFunctionOf(mod);
  const warnParams = (params: Params | undefined): void => {
    if (params && Object.keys(params).length > 0) {
      warn(
        "The underlying model does not support passing additional parameters to the predict function. " +
          `\`params\` ${JSON.stringify(params)} will be ignored.`,
      );
    }
  };
  const impl: PyFuncImplementation = {
    acceptsParams: false,
    predict: async (input: PyFuncInput, params?: Params) => {
      warnParams(params);
      return await predict(input);
    },
    unwrap: () => predict,
  };
  if (predictStream) {
    impl.predictStream = (input: PyFuncInput, params?: Params) => {
      warnParams(params);
      return toAsync(predictStream(input));
    };
  }
  return impl;
}

/**
 * Call the module's optional `loadContext({ artifacts, modelConfig })` export once, before any prediction
 * (function models have no artifacts; `modelConfig` is the saved `config` with load-time overrides).
 */
export async function runLoadContext(
  mod: Record<string, unknown>,
  modelConfig: Record<string, unknown>,
): Promise<void> {
  const hook = mod.loadContext;
  if (typeof hook === "function") {
    await (
      hook as (c: { artifacts: Record<string, string>; modelConfig: Record<string, unknown> }) => unknown
    )({
      artifacts: {},
      modelConfig: { ...modelConfig },
    });
  }
}
