import { statSync } from "node:fs";
import { join } from "node:path";
import { type FlavorPlugin, type LoadContext, MlflowException } from "@pyfunc/core";
import { type CreateSessionOptions, createSession, DEFAULT_MLFLOW_PROVIDERS } from "./session.js";
import { OnnxModelWrapper } from "./wrapper.js";

export const FLAVOR_NAME = "onnx";
export const PACKAGE_NAME = "@pyfunc/onnx";
/** Default file name of the ONNX graph inside an MLflow model directory. */
export const MODEL_DATA_SUBPATH = "model.onnx";

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The ONNX file of a model directory: the pyfunc `data` file, else the onnx block's `data`, else model.onnx. */
export function resolveOnnxFile(context: LoadContext): string {
  if (!isDirectory(context.dataPath)) return context.dataPath;
  const data = context.flavorConfig?.data;
  const rel = typeof data === "string" && data.length > 0 ? data : MODEL_DATA_SUBPATH;
  const file = context.resolvePath(rel);
  if (isDirectory(file)) return context.resolvePath(join(rel, MODEL_DATA_SUBPATH));
  return file;
}

/** The `_load_pyfunc` of mlflow.onnx: one InferenceSession from the model file, options from the MLmodel. */
export async function loadOnnxPyfunc(context: LoadContext): Promise<OnnxModelWrapper> {
  const file = resolveOnnxFile(context);
  const config = context.flavorConfig ?? {};
  const providers = Object.hasOwn(config, "providers") ? config.providers : DEFAULT_MLFLOW_PROVIDERS;
  const session = await createSession(file, {
    providers,
    onnxSessionOptions: config.onnx_session_options,
    warn: (m) => context.warn(m),
  });
  try {
    return new OnnxModelWrapper(session, (m) => context.warn(m));
  } catch (err) {
    await session.release();
    throw err;
  }
}

/**
 * Load a bare `.onnx` file (no MLmodel) as a pyfunc implementation; external-data sidecars next to it
 * resolve. Options default to MLflow's (providers CUDA then CPU, i.e. cpu here; no session options).
 */
export async function loadOnnxModel(
  path: string,
  options: CreateSessionOptions = {},
): Promise<OnnxModelWrapper> {
  if (isDirectory(path)) {
    throw MlflowException.invalidParameter(
      `'${path}' is a directory; use loadModel() from @pyfunc/core for MLflow model directories, or pass the .onnx file.`,
    );
  }
  const warn = options.warn ?? ((m: string) => process.emitWarning(m));
  const session = await createSession(path, { ...options, warn });
  try {
    return new OnnxModelWrapper(session, warn);
  } catch (err) {
    await session.release();
    throw err;
  }
}

/** The "onnx" flavor plugin: loads `loader_module: mlflow.onnx` (and `@pyfunc/onnx`) models. */
export const onnxFlavor: FlavorPlugin = {
  name: FLAVOR_NAME,
  packageName: PACKAGE_NAME,
  coreVersion: "^0.1.0", // the @pyfunc/core versions this plugin is built for (checked when it registers)
  loaderModules: ["mlflow.onnx", PACKAGE_NAME],
  load: loadOnnxPyfunc,
};
