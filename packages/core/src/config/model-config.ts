import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import yaml from "js-yaml";
import { MlflowException } from "../errors/mlflow-exception.js";

/** Environment variable MLflow reads load-time model_config overrides from (a JSON object). */
export const INFERENCE_CONFIG_ENV = "MLFLOW_PYFUNC_INFERENCE_CONFIG";

const MAX_CONFIG_BYTES = 16 * 1024 * 1024;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Read a model config file (YAML or JSON; JSON is YAML), as MLflow's `_validate_and_get_model_config_from_file`.
 * Relative paths resolve against the current directory. Errors are INVALID_PARAMETER_VALUE.
 */
export async function readModelConfigFile(file: string): Promise<Record<string, unknown>> {
  const abs = path.resolve(file);
  let size: number;
  try {
    const info = await stat(abs);
    if (!info.isFile()) throw new Error("not a file");
    size = info.size;
  } catch (error) {
    throw new MlflowException(
      `An invalid \`model_config\` file was passed. The provided \`model_config\` file '${abs}' is not a valid file path.`,
      "INVALID_PARAMETER_VALUE",
      { cause: error },
    );
  }
  if (size > MAX_CONFIG_BYTES) {
    throw MlflowException.invalidParameter(
      `The provided \`model_config\` file '${abs}' is larger than 16 MiB`,
    );
  }
  let parsed: unknown;
  try {
    parsed = yaml.load(await readFile(abs, "utf8"), { schema: yaml.CORE_SCHEMA, filename: abs });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new MlflowException(
      `The provided \`model_config\` file '${abs}' is not a valid YAML file: ${reason}`,
      "INVALID_PARAMETER_VALUE",
      { cause: error },
    );
  }
  if (parsed === null || parsed === undefined) return {};
  if (!isRecord(parsed)) {
    throw MlflowException.invalidParameter(
      `The provided \`model_config\` file '${abs}' must hold a mapping of configuration keys`,
    );
  }
  return parsed;
}

/** A `modelConfig` option: an object, or the path of a YAML/JSON file holding one. */
export type ModelConfigSource = Record<string, unknown> | string;

/** Turn a `modelConfig` option into an object (reading the file when given a path). */
export async function resolveModelConfigSource(
  source: ModelConfigSource | undefined,
): Promise<Record<string, unknown> | undefined> {
  if (source === undefined || source === null) return undefined;
  if (typeof source === "string") return readModelConfigFile(source);
  if (isRecord(source)) return source;
  throw MlflowException.invalidParameter(
    "An invalid ``model_config`` structure was passed. ``model_config`` must be a valid file path or an object with string keys.",
  );
}

/**
 * MLflow's `_get_overridden_pyfunc_model_config`: overrides come from the `MLFLOW_PYFUNC_INFERENCE_CONFIG`
 * environment variable (JSON), then the load-time config; only keys already present in the saved `config`
 * are replaced, others are ignored with a warning; without a saved config every override is ignored.
 * Returns a new object (the saved one is not mutated); `{}` when there is no config at all.
 */
export function overlayModelConfig(
  saved: Record<string, unknown> | null | undefined,
  loadTime: Record<string, unknown> | undefined,
  warn: (message: string) => void,
  env: Record<string, string | undefined> = process.env,
): Record<string, unknown> {
  const overrides: Record<string, unknown> = {};
  const fromEnv = env[INFERENCE_CONFIG_ENV];
  if (fromEnv) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(fromEnv);
    } catch (error) {
      throw new MlflowException(`${INFERENCE_CONFIG_ENV} is not valid JSON`, "INVALID_PARAMETER_VALUE", {
        cause: error,
      });
    }
    if (!isRecord(parsed))
      throw MlflowException.invalidParameter(`${INFERENCE_CONFIG_ENV} must hold a JSON object`);
    Object.assign(overrides, parsed);
  }
  if (loadTime) Object.assign(overrides, loadTime);
  const base: Record<string, unknown> = isRecord(saved) ? { ...saved } : {};
  const keys = Object.keys(overrides);
  if (keys.length === 0) return base;
  if (Object.keys(base).length === 0) {
    warn(
      `Argument(s) ${keys.join(", ")} were ignored since the model's pyfunc flavor doesn't accept model configuration. ` +
        "Use `modelConfig` when saving the model to allow it.",
    );
    return base;
  }
  const ignored = keys.filter((k) => !Object.hasOwn(base, k));
  if (ignored.length > 0) {
    warn(
      `Argument(s) ${ignored.join(", ")} were ignored since they are not valid keys in the corresponding section of the ` +
        `pyfunc flavor. Use \`modelConfig\` when saving the model to include the keys you plan to indicate. ` +
        `Current allowed configuration includes ${Object.keys(base).join(", ")}`,
    );
  }
  for (const k of keys) if (Object.hasOwn(base, k)) base[k] = overrides[k];
  return base;
}
