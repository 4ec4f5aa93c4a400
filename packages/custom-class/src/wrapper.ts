import type { Params, PyFuncImplementation, PyFuncInput, PyFuncOutput } from "@pyfunc/core";
import { isStandardSchema, isTypeFromExample, type StandardSchemaLike } from "@pyfunc/core/schema";
import { toAsyncIterable } from "./agents/common.js";
import { agentImplementation } from "./agents/wrapper.js";
import { agentKindOf, type ModelLike, methodTakesContext, type PythonModelContext } from "./base.js";
import { modelInputConverter } from "./convert.js";

/** The input/output row schemas a model class declares (`static inputSchema` / `static outputSchema`). */
export function declaredSchemas(instance: ModelLike): {
  input?: StandardSchemaLike;
  output?: StandardSchemaLike;
} {
  const ctor = (instance as { constructor?: { inputSchema?: unknown; outputSchema?: unknown } }).constructor;
  const out: { input?: StandardSchemaLike; output?: StandardSchemaLike } = {};
  if (isStandardSchema(ctor?.inputSchema)) out.input = ctor.inputSchema;
  if (isStandardSchema(ctor?.outputSchema)) out.output = ctor.outputSchema;
  return out;
}

/** Whether a model class declares `static inputSchema = TypeFromExample` (MLflow's TypeFromExample type hint). */
export function declaresTypeFromExample(instance: ModelLike): boolean {
  return isTypeFromExample(
    (instance as { constructor?: { inputSchema?: unknown } }).constructor?.inputSchema,
  );
}

export interface ImplementationOptions {
  /**
   * Applied to the (schema-enforced) input before the model's own conversion: for models saved with
   * `type_hint_from_example`, core's `typeFromExampleInputConverter` (the DataFrame back in the example's form).
   */
  convertInput?: (input: PyFuncInput) => PyFuncInput;
}

type Fn = (...args: unknown[]) => unknown;

/**
 * Prepare a model instance for serving: set `instance.context`, call `loadContext(context)`, and wrap it as a pyfunc
 * implementation (agents get MLflow's agent wrappers, other models the PythonModel wrapper).
 */
export async function implementationFor(
  instance: ModelLike,
  context: PythonModelContext,
  options: ImplementationOptions = {},
): Promise<PyFuncImplementation> {
  try {
    instance.context = context;
  } catch {
    // a frozen or accessor-only instance keeps its own context handling
  }
  if (typeof instance.loadContext === "function") await instance.loadContext(context);
  const kind = agentKindOf(instance);
  if (kind) return agentImplementation(instance, kind, context);

  const predict = instance.predict as Fn;
  const withContext = methodTakesContext(instance, predict);
  const { input: inputSchema } = declaredSchemas(instance);
  const convertRows = modelInputConverter(inputSchema);
  const { convertInput } = options;
  const prepare = convertInput ? (input: PyFuncInput) => convertRows(convertInput(input)) : convertRows;
  const args = (data: unknown, params: Params | undefined): unknown[] =>
    withContext ? [context, data, params] : [data, params];

  const impl: PyFuncImplementation = {
    acceptsParams: true,
    async predict(input: PyFuncInput, params?: Params): Promise<PyFuncOutput> {
      return (await predict.apply(instance, args(await prepare(input), params))) as PyFuncOutput;
    },
    unwrap: () => instance,
    unwrapPythonModel: () => instance,
  };
  const stream = instance.predictStream as Fn | undefined;
  if (typeof stream === "function") {
    const streamWithContext = methodTakesContext(instance, stream);
    impl.predictStream = (input: PyFuncInput, params?: Params) =>
      (async function* () {
        const data = await prepare(input);
        const callArgs = streamWithContext ? [context, data, params] : [data, params];
        yield* toAsyncIterable(stream.apply(instance, callArgs) as AsyncIterable<unknown>);
      })();
  }
  return impl;
}
