import type {
  FlavorPlugin,
  LoadContext,
  Params,
  PyFuncImplementation,
  PyFuncInput,
  PyFuncOutput,
} from "@pyfunc/core";
import { MlflowException } from "@pyfunc/core";
import { importModelCode, modelCodeFileOf } from "@pyfunc/core/model-code";

export const FUNCTION_LOADER_MODULE = "@pyfunc/function";
export const FUNCTION_PACKAGE_NAME = "@pyfunc/function";

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

async function* toAsync(it: AsyncIterable<unknown> | Iterable<unknown>): AsyncIterable<unknown> {
  yield* it as AsyncIterable<unknown>;
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

/** The FlavorPlugin for function models (`js_function.loader_module: "@pyfunc/function"`). */
export const functionFlavor: FlavorPlugin = {
  name: "function",
  packageName: FUNCTION_PACKAGE_NAME,
  coreVersion: "^0.1.0", // the @pyfunc/core versions this plugin is built for (checked when it registers)
  loaderModules: [FUNCTION_LOADER_MODULE],
  async load(context: LoadContext): Promise<PyFuncImplementation> {
    const file = modelCodeFileOf(context);
    const mod = await importModelCode(context.modelDir, file, { extraResolveFrom: [import.meta.url] });
    await runLoadContext(mod, context.modelConfig);
    return functionImplementation(mod, (m) => context.warn(m));
  },
};
