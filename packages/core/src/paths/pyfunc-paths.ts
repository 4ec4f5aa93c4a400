import path from "node:path";
import { MlflowException } from "../errors/mlflow-exception.js";
import type { FlavorConfig } from "../mlmodel/model.js";
import { resolveInsideModelDir } from "./resolve-inside.js";

const JS_PYFUNC_FLAVOR_NAME = "js_function";

function pathList(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === "string");
  return [];
}

/**
 * Check every path the pyfunc block names (data, code, artifacts, model_code_path) stays inside the model
 * directory; returns the absolute data path (the model dir when `data` is absent).
 */
export function checkPyfuncPaths(modelDir: string, block: FlavorConfig, flavorKey: string): string {
  let dataPath = modelDir;
  if (block.data !== undefined && block.data !== null) {
    if (typeof block.data !== "string")
      throw MlflowException.invalidParameter(`'${flavorKey}.data' must be a string`);
    dataPath = resolveInsideModelDir(modelDir, block.data, `${flavorKey}.data`);
  }
  for (const code of pathList(block.code)) resolveInsideModelDir(modelDir, code, `${flavorKey}.code`);
  const artifacts = block.artifacts;
  if (artifacts !== undefined && artifacts !== null) {
    if (typeof artifacts !== "object" || Array.isArray(artifacts)) {
      throw MlflowException.invalidParameter(`'${flavorKey}.artifacts' must be a mapping`);
    }
    for (const [name, entry] of Object.entries(artifacts as Record<string, unknown>)) {
      const p = typeof entry === "string" ? entry : (entry as { path?: unknown } | null)?.path;
      if (typeof p !== "string") {
        throw MlflowException.invalidParameter(`'${flavorKey}.artifacts.${name}' has no 'path'`);
      }
      resolveInsideModelDir(modelDir, p, `${flavorKey}.artifacts.${name}`);
    }
  }
  const codePath = block.model_code_path;
  if (typeof codePath === "string") {
    // Python MLflow records the logging machine's absolute path and uses only its basename; our js_function
    // blocks record a path relative to the model directory, which must stay inside it.
    const rel = flavorKey === JS_PYFUNC_FLAVOR_NAME ? codePath : path.basename(codePath);
    resolveInsideModelDir(modelDir, rel, `${flavorKey}.model_code_path`);
  }
  return dataPath;
}
