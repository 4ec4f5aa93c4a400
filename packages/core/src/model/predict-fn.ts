import { MlflowException } from "../errors/mlflow-exception.js";
import type { PyFuncImplementation } from "../flavor/plugin.js";
import type { Params, PyFuncInput, PyFuncOutput } from "../inputs/model-input.js";
import type { FlavorConfig } from "../mlmodel/model.js";

export type PredictMethod = (input: PyFuncInput, params?: Params) => PyFuncOutput | Promise<PyFuncOutput>;
export type PredictStreamMethod = (input: PyFuncInput, params?: Params) => AsyncIterable<unknown>;

/** `predict_proba` → `predictProba`: MLflow writes Python method names, implementations use JS ones. */
function camelCase(name: string): string {
  return name.replace(/_+([a-zA-Z0-9])/g, (_m, c: string) => c.toUpperCase());
}

function methodOf(impl: PyFuncImplementation, name: string): ((...args: never[]) => unknown) | undefined {
  const record = impl as unknown as Record<string, unknown>;
  for (const candidate of [name, camelCase(name)]) {
    const fn = record[candidate];
    if (typeof fn === "function") return fn as (...args: never[]) => unknown;
  }
  return undefined;
}

function configuredName(config: FlavorConfig, key: string, fallback: string): string {
  const value = config[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "string" || value.length === 0) {
    throw MlflowException.invalidParameter(
      `The pyfunc block's '${key}' must be a method name, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/**
 * The implementation method the pyfunc block's `predict_fn` names (default `predict`), as MLflow's PyFuncModel
 * calls `getattr(model_impl, predict_fn)`. The Python spelling and its camelCase form are both accepted.
 */
export function predictMethodFor(impl: PyFuncImplementation, config: FlavorConfig): PredictMethod {
  const name = configuredName(config, "predict_fn", "predict");
  const fn = methodOf(impl, name);
  if (fn === undefined) {
    throw new MlflowException(`Model implementation is missing required ${name} method.`, "INTERNAL_ERROR");
  }
  return fn as unknown as PredictMethod;
}

/** The method `predict_stream_fn` names (default `predict_stream` / `predictStream`), or undefined when absent. */
export function predictStreamMethodFor(
  impl: PyFuncImplementation,
  config: FlavorConfig,
): PredictStreamMethod | undefined {
  const name = configuredName(config, "predict_stream_fn", "predict_stream");
  return methodOf(impl, name) as PredictStreamMethod | undefined;
}
