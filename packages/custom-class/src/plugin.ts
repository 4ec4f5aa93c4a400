import {
  type FlavorPlugin,
  type LoadContext,
  MlflowException,
  type PyFuncImplementation,
} from "@pyfunc/core";
import { modelCodeFileOf } from "@pyfunc/core/model-code";
import { createPythonModelContext } from "./base.js";
import { implementationFor, importModelInstance } from "./loader.js";

export const CUSTOM_CLASS_LOADER_MODULE = "@pyfunc/custom-class";

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
  name: "custom_class",
  packageName: "@pyfunc/custom-class",
  coreVersion: "^0.1.0", // the @pyfunc/core versions this plugin is built for (checked when it registers)
  loaderModules: [CUSTOM_CLASS_LOADER_MODULE],
  async load(context: LoadContext): Promise<PyFuncImplementation> {
    const file = modelCodeFileOf(context);
    const pyContext = createPythonModelContext(artifactPathsOf(context), context.modelConfig);
    const instance = await importModelInstance(context.modelDir, file, [import.meta.url]);
    return implementationFor(instance, pyContext);
  },
};
