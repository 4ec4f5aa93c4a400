import type { Params, PyFuncImplementation, PyFuncInput, PyFuncOutput } from "@pyfunc/core";
import { MlflowException } from "@pyfunc/core";
import { isStandardSchema, isTypeFromExample, type RowSchemas } from "@pyfunc/core/schema";
import { modelInputConverter, toAsync } from "./convert.js";

type PredictFn = (input: PyFuncInput) => PyFuncOutput | Promise<PyFuncOutput>;
type PredictStreamFn = (input: PyFuncInput) => AsyncIterable<unknown> | Iterable<unknown>;

/**
 * Pick the model function out of an imported module: the export `exportName` when given (a model saved from a
 * function value), else `predict`, else a default-exported function or object.
 */
export function predictFunctionOf(
  mod: Record<string, unknown>,
  exportName?: string,
): {
  predict: PredictFn;
  predictStream: PredictStreamFn | undefined;
} {
  if (exportName !== undefined) {
    const fn = mod[exportName];
    if (typeof fn !== "function") {
      throw MlflowException.invalidParameter(
        `The model code does not export a function \`${exportName}\` (the model's \`model_code_function\`).`,
      );
    }
    return { predict: fn as PredictFn, predictStream: undefined };
  }
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

/**
 * The row schemas of a model function (MLflow: the type hint of its parameter): `inputSchema` / `outputSchema`
 * set on the function itself, else exported by its module. zod, valibot, arktype … (Standard Schema with Standard
 * JSON Schema).
 */
export function rowSchemasOf(predict: unknown, mod: Record<string, unknown> = {}): RowSchemas {
  const own = predict as { inputSchema?: unknown; outputSchema?: unknown } | undefined;
  const input = own?.inputSchema ?? mod.inputSchema;
  const output = own?.outputSchema ?? mod.outputSchema;
  const out: RowSchemas = {};
  if (isStandardSchema(input)) out.input = input;
  if (isStandardSchema(output)) out.output = output;
  return out;
}

/** Whether the model function declares `inputSchema = TypeFromExample` (MLflow's TypeFromExample type hint). */
export function declaresTypeFromExample(predict: unknown, mod: Record<string, unknown> = {}): boolean {
  return isTypeFromExample(
    (predict as { inputSchema?: unknown } | undefined)?.inputSchema ?? mod.inputSchema,
  );
}

/**
 * Build the pyfunc implementation of a function model from its imported module (`exportName`: the function's
 * export, for models saved from a function value). With an input row schema the function receives the validated rows;
 * `convertInput` (core's `typeFromExampleInputConverter`, for `type_hint_from_example` models) is applied first.
 */
export function functionImplementation(
  mod: Record<string, unknown>,
  warn: (message: string) => void,
  exportName?: string,
  convertInput?: (input: PyFuncInput) => PyFuncInput,
): PyFuncImplementation {
  const { predict, predictStream } = predictFunctionOf(mod, exportName);
  const inputSchema = rowSchemasOf(predict, mod).input;
  const convertRows = modelInputConverter(inputSchema);
  const prepare = convertInput ? (input: PyFuncInput) => convertRows(convertInput(input)) : convertRows;
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
      return await predict((await prepare(input)) as PyFuncInput);
    },
    unwrap: () => predict,
  };
  if (predictStream) {
    impl.predictStream = (input: PyFuncInput, params?: Params) => {
      warnParams(params);
      if (!inputSchema && !convertInput) return toAsync(predictStream(input));
      return (async function* () {
        yield* toAsync(predictStream((await prepare(input)) as PyFuncInput));
      })();
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
