import { stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  type ModelConfigSource,
  overlayModelConfig,
  resolveModelConfigSource,
} from "../config/model-config.js";
import { MlflowException } from "../errors/mlflow-exception.js";
import type { LoadContext, PyFuncImplementation } from "../flavor/plugin.js";
import { defaultFlavorRegistry, type FlavorRegistry } from "../flavor/registry.js";
import { selectFlavorPlugin } from "../flavor/select.js";
import { MLMODEL_FILE_NAME, Model } from "../mlmodel/model.js";
import { checkPyfuncPaths } from "../paths/pyfunc-paths.js";
import { resolveInsideModelDir } from "../paths/resolve-inside.js";
import { resolveModelUri } from "../uri/resolve.js";
import { PyFuncModel } from "./pyfunc-model.js";

export interface LoadModelOptions {
  /** Load-time model config: an object, or a YAML/JSON file path. Only keys present in the saved config apply (as MLflow). */
  modelConfig?: ModelConfigSource;
  /** Silence warnings (ignored params, ignored config keys …). */
  suppressWarnings?: boolean;
  /** Where remote models are downloaded (MLflow's `dst_path`). */
  dstPath?: string;
  /** Registry to resolve flavors in (default: the process-wide one). */
  registry?: FlavorRegistry;
  /** Try importing an installed `@pyfunc/*` flavor package when none is registered (default true). */
  discover?: boolean;
  /** Directories on-demand discovery searches `node_modules` from (default: the cwd, then core's own location). */
  discoveryBases?: readonly string[];
  /** Receives warnings (default: `process.emitWarning` with type `PyfuncWarning`). */
  onWarning?: (message: string) => void;
}

/** `models:/m-…`: an MLflow 3 LoggedModel addressed by its ID (MLflow's `_parse_model_id_if_present`). */
const MODEL_ID_URI = /^models:\/(m-[0-9a-f]{32})\/?$/;
const URI_SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):/;

/** The local directory for `uri`: plain paths and `file:` URIs directly, other schemes through resolveModelUri. */
export async function localModelPath(uri: string, dstPath?: string): Promise<string> {
  if (typeof uri !== "string" || uri.length === 0) {
    throw MlflowException.invalidParameter("A model URI or path is required");
  }
  const scheme = URI_SCHEME.exec(uri)?.[1];
  if (scheme !== undefined && scheme.length > 1) {
    if (scheme.toLowerCase() === "file") {
      if (uri.startsWith("file://")) {
        try {
          return fileURLToPath(uri);
        } catch (error) {
          throw MlflowException.invalidParameter(`Invalid file URI '${uri}'`, { cause: error });
        }
      }
      return path.resolve(decodeURIComponent(uri.slice("file:".length)));
    }
    return resolveModelUri(uri, dstPath === undefined ? {} : { dstPath });
  }
  return path.resolve(uri);
}

function defaultWarn(message: string): void {
  process.emitWarning(message, { type: "PyfuncWarning" });
}

/**
 * Load a model directory as a PyFuncModel (MLflow `mlflow.pyfunc.load_model`): local paths and `file://` URIs,
 * other URIs through resolveModelUri. Flavor resolution: the `js_function` block first, then
 * `python_function.loader_module`, through registered plugins and on-demand discovery of installed packages.
 */
export async function loadModel(uri: string, options: LoadModelOptions = {}): Promise<PyFuncModel> {
  const warnSink = options.onWarning ?? defaultWarn;
  const warn = options.suppressWarnings === true ? () => {} : warnSink;
  let modelDir = await localModelPath(uri, options.dstPath);
  try {
    const info = await stat(modelDir);
    if (info.isFile() && path.basename(modelDir) === MLMODEL_FILE_NAME) modelDir = path.dirname(modelDir);
  } catch (error) {
    throw new MlflowException(`Model path '${modelDir}' does not exist`, "RESOURCE_DOES_NOT_EXIST", {
      cause: error,
    });
  }
  modelDir = path.resolve(modelDir);
  const metadata = await Model.load(modelDir);
  const registry = options.registry ?? defaultFlavorRegistry;
  metadata.getSignature(); // a malformed signature fails the load, as in MLflow
  const selected = await selectFlavorPlugin(metadata, registry, {
    discover: options.discover !== false,
    ...(options.discoveryBases ? { discoveryBases: options.discoveryBases } : {}),
  });
  const { pyfuncConfig, flavorKey, plugin, loaderModule } = selected;
  const dataPath = checkPyfuncPaths(modelDir, pyfuncConfig, flavorKey);
  const flavorBlock = metadata.flavors[plugin.name];
  if (flavorBlock !== undefined && flavorBlock !== pyfuncConfig) {
    if (typeof flavorBlock.data === "string")
      resolveInsideModelDir(modelDir, flavorBlock.data, `${plugin.name}.data`);
  }
  const savedConfig = pyfuncConfig.config;
  const loadTime = await resolveModelConfigSource(options.modelConfig);
  const modelConfig = overlayModelConfig(
    typeof savedConfig === "object" && savedConfig !== null && !Array.isArray(savedConfig)
      ? (savedConfig as Record<string, unknown>)
      : undefined,
    loadTime,
    warn,
  );
  const context: LoadContext = {
    modelDir,
    model: metadata,
    pyfuncConfig,
    flavorConfig: flavorBlock,
    dataPath,
    modelConfig,
    resolvePath: (relative: string) => resolveInsideModelDir(modelDir, relative),
    warn,
  };
  let implementation: PyFuncImplementation;
  try {
    implementation = await plugin.load(context);
  } catch (error) {
    // (an MlflowException from another copy of core fails instanceof: recognise it by name)
    if (
      error instanceof MlflowException ||
      (error as { name?: unknown } | null)?.name === "MlflowException"
    ) {
      throw error;
    }
    const reason = error instanceof Error ? error.message : String(error);
    throw new MlflowException(
      `Flavor '${plugin.name}' (${plugin.packageName}) failed to load the model at '${modelDir}': ${reason}`,
      "INTERNAL_ERROR",
      { cause: error },
    );
  }
  if (
    implementation === null ||
    typeof implementation !== "object" ||
    typeof implementation.predict !== "function"
  ) {
    throw new MlflowException(
      `Flavor '${plugin.name}' (${plugin.packageName}) returned no predict function for '${modelDir}'`,
      "INTERNAL_ERROR",
    );
  }
  const modelId = MODEL_ID_URI.exec(uri)?.[1] ?? null;
  return new PyFuncModel({
    ...(modelId !== null ? { modelId } : {}),
    metadata,
    modelDir,
    modelConfig,
    loaderModule,
    flavorKey,
    pyfuncConfig,
    implementation,
    warn,
  });
}
