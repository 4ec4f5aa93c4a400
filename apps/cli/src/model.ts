import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { defaultFlavorRegistry, isMlflowException, loadModel, Model, type PyFuncModel } from "@pyfunc/core";
import { CliError, messageOf } from "./errors.js";
import { EXIT_CODES } from "./exit-codes.js";
import { discoverFlavors, importFlavors, importInstalledFlavors, pluginModules } from "./flavors.js";

const PYFUNC_KEYS = ["js_function", "python_function"] as const;

/** The local directory of a model URI when it is a local path or a file: URI; undefined for remote schemes. */
export function localModelDir(uri: string): string | undefined {
  if (uri.startsWith("file:")) {
    try {
      return fileURLToPath(uri.startsWith("file://") ? uri : `file://${uri.slice("file:".length)}`);
    } catch {
      return uri.slice("file:".length);
    }
  }
  if (/^[a-zA-Z][a-zA-Z0-9+.-]+:/.test(uri)) return undefined;
  return uri;
}

/** The pyfunc loader modules an MLmodel names (JS entry first, as core resolves them). */
export function pyfuncLoaderModules(model: Model): string[] {
  const out: string[] = [];
  for (const key of PYFUNC_KEYS) {
    const block = model.flavors[key];
    const loader = block?.loader_module;
    if (typeof loader === "string") out.push(loader);
  }
  return out;
}

/** Read the MLmodel of a local model URI, mapping failures to exit codes (3: not found, 4: invalid). */
export async function readLocalMLmodel(uri: string): Promise<{ dir: string; model: Model } | undefined> {
  const dir = localModelDir(uri);
  if (dir === undefined) return undefined;
  if (!existsSync(dir)) {
    throw new CliError(`Model not found: '${uri}' does not exist.`, EXIT_CODES.MODEL_NOT_FOUND);
  }
  const isDir = statSync(dir).isDirectory();
  const mlmodelPath = isDir ? join(dir, "MLmodel") : dir;
  if (!existsSync(mlmodelPath)) {
    throw new CliError(
      `Model not found: '${uri}' has no MLmodel file (is it an MLflow model directory?).`,
      EXIT_CODES.MODEL_NOT_FOUND,
    );
  }
  try {
    const model = await Model.load(isDir ? dir : mlmodelPath);
    return { dir: isDir ? dir : join(mlmodelPath, ".."), model };
  } catch (error) {
    throw new CliError(`Invalid MLmodel in '${uri}': ${messageOf(error)}`, EXIT_CODES.MODEL_LOAD_FAILED, {
      cause: error,
    });
  }
}

/** Whether any registered plugin answers for one of these loader modules. */
export function resolvesLoader(loaders: readonly string[]): boolean {
  return loaders.some((l) => defaultFlavorRegistry.resolve(l) !== undefined);
}

/**
 * Import the plugin modules (--plugin, PYFUNC_PLUGINS), then the installed flavor packages the model needs, found
 * through core's discovery (every installed one when the MLmodel is not local yet), so that `serve` can hand their
 * URLs to its worker threads.
 */
export async function prepareFlavors(
  model: Model | undefined,
  plugins: readonly string[] = [],
): Promise<void> {
  const extra = pluginModules(plugins);
  if (extra.length > 0) {
    const r = await importFlavors(extra);
    const bad = [
      ...r.notInstalled.map((n) => `${n} (not found)`),
      ...r.failed.map((f) => `${f.name} (${f.error})`),
    ];
    if (bad.length > 0)
      throw new CliError(`Cannot import plugin module(s): ${bad.join(", ")}`, EXIT_CODES.USAGE);
  }
  if (model) await discoverFlavors(pyfuncLoaderModules(model));
  else await importInstalledFlavors();
}

export interface OpenModelOptions {
  plugins?: readonly string[];
  modelConfig?: Record<string, unknown>;
}

/** Load a model for predicting, with exit codes for each failure (3 not found, 4 load failed, 5 flavor missing). */
export async function openModel(uri: string, options: OpenModelOptions = {}): Promise<PyFuncModel> {
  const local = await readLocalMLmodel(uri);
  await prepareFlavors(local?.model, options.plugins);
  try {
    return await loadModel(
      uri,
      options.modelConfig === undefined ? undefined : { modelConfig: options.modelConfig },
    );
  } catch (error) {
    if (isMlflowException(error) && error.errorCode === "RESOURCE_DOES_NOT_EXIST" && !local) {
      throw new CliError(messageOf(error), EXIT_CODES.MODEL_NOT_FOUND, { cause: error });
    }
    const errorClass = isMlflowException(error) ? error.errorClass : undefined;
    if (errorClass === "FLAVOR_NOT_INSTALLED" || errorClass === "PYTHON_ONLY_FLAVOR") {
      throw new CliError(messageOf(error), EXIT_CODES.FLAVOR_MISSING, { cause: error });
    }
    if (local && !resolvesLoader(pyfuncLoaderModules(local.model))) {
      throw new CliError(messageOf(error), EXIT_CODES.FLAVOR_MISSING, { cause: error });
    }
    throw new CliError(`Failed to load model '${uri}': ${messageOf(error)}`, EXIT_CODES.MODEL_LOAD_FAILED, {
      cause: error,
    });
  }
}
