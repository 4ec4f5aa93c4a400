import { stat } from "node:fs/promises";
import path from "node:path";
import {
  type FlavorPlugin,
  type LoadContext,
  MlflowException,
  type PyFuncImplementation,
  registerFlavor,
} from "@pyfunc/core";
import { describeSchemaView, type SchemaSource } from "@pyfunc/core/protocol";
import { parseBackendChoice } from "./backend.js";
import { loadTfjsModel } from "./model.js";

export const FLAVOR_NAME = "tfjs";
export const PACKAGE_NAME = "@pyfunc/tfjs";
/** Environment variable that picks the backend when the model config does not ("auto", "cpu", "wasm", "tensorflow"). */
export const BACKEND_ENV = "PYFUNC_TFJS_BACKEND";

/** Names of a saved tensor-based signature block (a JSON string or list), or undefined when not all are named tensors. */
export function tensorSpecNames(block: unknown): string[] | undefined {
  const view = describeSchemaView(block as SchemaSource); // core's one signature view
  return view?.isTensor && view.hasNames ? [...view.names] : undefined;
}

async function modelJsonFor(context: LoadContext): Promise<string> {
  const modelFile = context.flavorConfig?.model_file;
  if (typeof modelFile === "string" && modelFile !== "") return context.resolvePath(modelFile);
  const data = context.dataPath;
  let isDir = false;
  try {
    isDir = (await stat(data)).isDirectory();
  } catch {
    throw MlflowException.notFound(`The TensorFlow.js model data '${data}' does not exist.`);
  }
  return isDir ? context.resolvePath(path.join(path.relative(context.modelDir, data), "model.json")) : data;
}

/**
 * The "tfjs" flavor: loads the model named by the MLmodel's `tfjs` block (`model_file`) or the pyfunc block's
 * `data`. Model config `backend` (when not "auto"), else PYFUNC_TFJS_BACKEND, picks the backend; default "auto".
 */
export const tfjsFlavor: FlavorPlugin = {
  name: FLAVOR_NAME,
  packageName: PACKAGE_NAME,
  coreVersion: "^0.1.0", // the @pyfunc/core versions this plugin is built for (checked when it registers)
  loaderModules: [PACKAGE_NAME],
  async load(context: LoadContext): Promise<PyFuncImplementation> {
    // an explicit backend in the model config wins; "auto" (the saved default) defers to PYFUNC_TFJS_BACKEND
    const configured = parseBackendChoice(context.modelConfig.backend);
    const backend =
      (configured !== "auto" ? configured : undefined) ??
      parseBackendChoice(process.env[BACKEND_ENV]) ??
      "auto";
    const signature = context.model.signature;
    return loadTfjsModel(await modelJsonFor(context), {
      backend,
      warn: (m) => context.warn(m),
      inputNames: tensorSpecNames(signature?.inputs),
      outputNames: tensorSpecNames(signature?.outputs),
    });
  },
};

/** Register the plugin with core's default registry (importing this package does it). */
export function registerTfjsFlavor(): void {
  registerFlavor(tfjsFlavor);
}
