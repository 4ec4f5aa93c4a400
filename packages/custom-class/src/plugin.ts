import {
  type FlavorPlugin,
  type LoadContext,
  MlflowException,
  type PyFuncImplementation,
} from "@pyfunc/core";
import { importModelCode, modelCodeFileOf } from "@pyfunc/core/model-code";
import { typeFromExampleInputConverter } from "@pyfunc/core/schema";
import {
  clearSetModel,
  createPythonModelContext,
  isModelLike,
  type ModelLike,
  takeSetModel,
} from "./base.js";
import { implementationFor } from "./wrapper.js";

export const FLAVOR_NAME = "custom_class";
export const PACKAGE_NAME = "@pyfunc/custom-class";
export const CUSTOM_CLASS_LOADER_MODULE = PACKAGE_NAME;

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

/** Absolute paths (inside the model dir) of the artifacts recorded in the pyfunc block. */
export function artifactPathsOf(context: LoadContext): Record<string, string> {
  const raw = context.pyfuncConfig.artifacts;
  const out: Record<string, string> = {};
  if (raw === undefined || raw === null) return out;
  if (typeof raw !== "object" || Array.isArray(raw)) {
    throw MlflowException.invalidParameter(
      "The model's `artifacts` must be a mapping of name to {path, uri}.",
    );
  }
  for (const [name, entry] of Object.entries(raw as Record<string, unknown>)) {
    const rel = typeof entry === "string" ? entry : (entry as { path?: unknown } | null)?.path;
    if (typeof rel !== "string")
      throw MlflowException.invalidParameter(`The model's artifact '${name}' has no path.`);
    out[name] = context.resolvePath(rel);
  }
  return out;
}

/** The FlavorPlugin for custom-class models (`js_function.loader_module: "@pyfunc/custom-class"`). */
export const customClassFlavor: FlavorPlugin = {
  name: FLAVOR_NAME,
  packageName: PACKAGE_NAME,
  coreVersion: "^0.1.0", // the @pyfunc/core versions this plugin is built for (checked when it registers)
  loaderModules: [CUSTOM_CLASS_LOADER_MODULE],
  async load(context: LoadContext): Promise<PyFuncImplementation> {
    const file = modelCodeFileOf(context);
    const pyContext = createPythonModelContext(artifactPathsOf(context), context.modelConfig);
    const instance = await importModelInstance(context.modelDir, file, [import.meta.url]);
    const convertInput = await typeFromExampleInputConverter(context.modelDir, context.model);
    return implementationFor(instance, pyContext, convertInput ? { convertInput } : {});
  },
};
