import { stat } from "node:fs/promises";
import path from "node:path";
import { type FlavorPlugin, type LoadContext, MlflowException } from "@pyfunc/core";
import { describeSchemaView, type SchemaSource } from "@pyfunc/core/protocol";
import { parseBackendChoice, useBackend } from "./backend.js";
import { readModelArtifacts } from "./io/fs-handler.js";
import { type LoadTfjsModelOptions, modelFromArtifacts, type TfjsModel } from "./wrapper.js";

export const FLAVOR_NAME = "tfjs";
export const PACKAGE_NAME = "@pyfunc/tfjs";
/** Environment variable that picks the backend when the model config does not ("auto", "cpu", "wasm", "tensorflow"). */
export const BACKEND_ENV = "PYFUNC_TFJS_BACKEND";

/** Names of a saved tensor-based signature block (a JSON string or list), or undefined when not all are named tensors. */
export function tensorSpecNames(block: unknown): string[] | undefined {
  const view = describeSchemaView(block as SchemaSource); // core's one signature view
  return view?.isTensor && view.hasNames ? [...view.names] : undefined;
}

/** Resolve a model directory or a model.json path to the model.json path. */
export async function resolveModelJsonPath(pathOrDir: string): Promise<string> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(pathOrDir);
  } catch {
    throw MlflowException.notFound(`No TensorFlow.js model at '${pathOrDir}'.`);
  }
  return info.isDirectory() ? path.join(pathOrDir, "model.json") : pathOrDir;
}

/**
 * Load a bare TensorFlow.js LayersModel or GraphModel (no MLmodel) from a model directory or a model.json path
 * with this package's file-system loader, after selecting the backend. MLflow model directories load through
 * core's `loadModel`, which calls {@link loadTfjsPyfunc}.
 */
export async function loadTfjsModel(
  pathOrDir: string,
  options: LoadTfjsModelOptions = {},
): Promise<TfjsModel> {
  const modelJsonPath = await resolveModelJsonPath(pathOrDir);
  const backend = await useBackend(options);
  const { modelJson, artifacts } = await readModelArtifacts(modelJsonPath, options);
  return modelFromArtifacts(modelJson, artifacts, backend, options, modelJsonPath);
}

/** The model.json of a model directory: the `tfjs` block's `model_file`, else the pyfunc block's `data`. */
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
 * Load the model an MLmodel's `tfjs` block (`model_file`) or pyfunc block (`data`) names. Model config `backend`
 * (when not "auto"), else PYFUNC_TFJS_BACKEND, picks the backend; default "auto". Input and output names come
 * from the saved signature when it names every tensor.
 */
export async function loadTfjsPyfunc(context: LoadContext): Promise<TfjsModel> {
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
}

/** The "tfjs" flavor plugin: loads `loader_module: @pyfunc/tfjs` models. */
export const tfjsFlavor: FlavorPlugin = {
  name: FLAVOR_NAME,
  packageName: PACKAGE_NAME,
  coreVersion: "^0.1.0", // the @pyfunc/core versions this plugin is built for (checked when it registers)
  loaderModules: [PACKAGE_NAME],
  safeInThread: true,
  load: loadTfjsPyfunc,
};
