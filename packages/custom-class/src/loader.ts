import {
  MlflowException,
  type Params,
  type PyFuncImplementation,
  type PyFuncInput,
  type PyFuncOutput,
} from "@pyfunc/core";
import { importModelCode } from "@pyfunc/core/model-code";
import { toAsyncIterable } from "./agents/common.js";
import { agentImplementation } from "./agents/wrapper.js";
import {
  agentKindOf,
  clearSetModel,
  isModelLike,
  type ModelLike,
  methodTakesContext,
  type PythonModelContext,
  takeSetModel,
} from "./base.js";
import {
  isObjectRowSchema,
  isStandardSchema,
  rowsOf,
  type StandardSchemaLike,
  validateRows,
} from "./schema.js";

let queue: Promise<unknown> = Promise.resolve();

/** Run `fn` alone (model-code imports share the setModel slot, so they are serialized). */
function exclusive<T>(fn: () => Promise<T>): Promise<T> {
  const run = queue.then(fn, fn);
  queue = run.catch(() => undefined);
  return run;
}

function instanceFrom(value: unknown): ModelLike | undefined {
  if (isModelLike(value)) return value;
  if (
    typeof value === "function" &&
    typeof (value as { prototype?: { predict?: unknown } }).prototype?.predict === "function"
  ) {
    return new (value as new () => ModelLike)();
  }
  return undefined;
}

/** Pick the model out of an imported model-code module: what it gave to setModel(), else its default export. */
export function modelFromModule(mod: Record<string, unknown>, fromSetModel: unknown): ModelLike {
  const model = instanceFrom(fromSetModel) ?? instanceFrom(mod.default);
  if (!model) {
    throw MlflowException.invalidParameter(
      "The model code did not provide a model: call setModel(new MyModel()) in it, or default-export the model instance.",
    );
  }
  return model;
}

/** Import model code (which must sit inside `rootDir`) and return the model instance it defines. */
export function importModelInstance(
  rootDir: string,
  file: string,
  extraResolveFrom: string[],
): Promise<ModelLike> {
  return exclusive(async () => {
    clearSetModel();
    try {
      const mod = await importModelCode(rootDir, file, { extraResolveFrom });
      return modelFromModule(mod, takeSetModel());
    } finally {
      clearSetModel();
    }
  });
}

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

type Fn = (...args: unknown[]) => unknown;

/**
 * Prepare a model instance for serving: set `instance.context`, call `loadContext(context)`, and wrap it as a pyfunc
 * implementation (agents get MLflow's agent wrappers, other models the PythonModel wrapper).
 */
export async function implementationFor(
  instance: ModelLike,
  context: PythonModelContext,
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
  const objectRows = inputSchema ? isObjectRowSchema(inputSchema) : false;
  const prepare = async (input: PyFuncInput): Promise<unknown> =>
    inputSchema ? await validateRows(inputSchema, rowsOf(input, objectRows)) : input;
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
