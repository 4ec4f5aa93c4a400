import { randomBytes, randomUUID } from "node:crypto";
import { cp, lstat, mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { type ModelConfigSource, resolveModelConfigSource } from "../config/model-config.js";
import { MlflowException } from "../errors/mlflow-exception.js";
import { npmPackageOf } from "../flavor/discovery.js";
import { JS_PYFUNC_FLAVOR_NAME, PYFUNC_FLAVOR_NAME, type PyFuncFlavorKey } from "../flavor/select.js";
import type { Params, PyFuncInput, PyFuncOutput } from "../inputs/model-input.js";
import {
  type FlavorConfig,
  formatUtcTimeCreated,
  MLMODEL_FILE_NAME,
  Model,
  type SavedInputExampleInfo,
  type SignatureDict,
} from "../mlmodel/model.js";
import { checkPyfuncPaths } from "../paths/pyfunc-paths.js";
import {
  CONDA_ENV_FILE_NAME,
  MLFLOW_VERSION,
  NODE_ENV_FILE_NAME,
  nodeEnvRecord,
  PYTHON_ENV_FILE_NAME,
  PYTHON_VERSION,
  writeNodeEnvFile,
} from "./env.js";
import {
  type CondaEnv,
  processPythonEnv,
  validateEnvArguments,
  writeProcessedPythonEnv,
} from "./python-env.js";
import {
  type AuthPolicy,
  authPolicyDict,
  type PromptReference,
  promptUris,
  type ResourcesSource,
  resolveResources,
} from "./resources.js";
import { inferSignatureFor, saveExampleFiles } from "./signature-bridge.js";

/** Anything with MLflow's signature dict form: a ModelSignature (its `toDict()`) or the raw dict. */
export type SignatureInput = { toDict(): SignatureDict | Record<string, unknown> } | SignatureDict;

export interface SaveModelOptions {
  /** e.g. "mlflow.onnx" (Python-loadable) or "@pyfunc/custom-class" (JS only, with pyfuncFlavorKey "js_function"). */
  loaderModule: string;
  /** Default "python_function"; models that only run in JavaScript use "js_function". */
  pyfuncFlavorKey?: PyFuncFlavorKey;
  /** Relative path (file or directory) recorded as the pyfunc block's `data`. */
  data?: string;
  /** `code` of the pyfunc block; `null` writes `code: null` (as PythonModel saves); set automatically by codePaths. */
  code?: string | null;
  /** Extra keys in the pyfunc block (streamable, artifacts, model_code_path, predict_fn …). */
  pyfuncExtra?: Record<string, unknown>;
  /** The native flavor block, e.g. {name: "onnx", config: {...}}. */
  flavor?: { name: string; config: Record<string, unknown> };
  /** Write the model files into the (temporary) model directory. */
  writeFiles?: (tmpModelDir: string) => Promise<void>;
  signature?: SignatureInput | null;
  inputExample?: PyFuncInput;
  inputExampleParams?: Params;
  /** With an inputExample and no signature: infer outputs by calling this on the example (MLflow runs the model). */
  predictForSignature?: (example: PyFuncInput) => Promise<PyFuncOutput>;
  /** Written as the pyfunc block's `config`: an object, or a YAML/JSON file path read at save time. */
  modelConfig?: ModelConfigSource;
  metadata?: Record<string, unknown>;
  /**
   * Python-loadable models: the flavor's own requirements (MLflow's `get_default_pip_requirements()`), used
   * unless `pipRequirements` or `condaEnv` replaces them. mlflow is pinned automatically.
   */
  defaultPipRequirements?: readonly string[];
  /** Replaces the default requirements: a list or a requirements-file path (`-r` inlined, `-c` → constraints.txt). */
  pipRequirements?: readonly string[] | string;
  /** Added to the default requirements: a list or a requirements-file path. */
  extraPipRequirements?: readonly string[] | string;
  /** The whole conda environment: an object or a conda YAML file path (MLflow `conda_env`). */
  condaEnv?: CondaEnv | string;
  /** Add to this existing Model (MLflow `mlflow_model`) instead of a new one; it is returned. */
  mlflowModel?: Model;
  /** Resources the model uses (MLflow `resources`): a list or a YAML file in MLmodel's form. */
  resources?: ResourcesSource;
  /** MLflow `auth_policy` (not together with `resources`). */
  authPolicy?: AuthPolicy;
  /** Prompts the model uses (`prompts:/name/version` URIs or `{name, version}`), written as MLmodel `prompts`. */
  prompts?: readonly PromptReference[];
  /** Base directory of relative env/config/resource file paths (default the cwd). */
  cwd?: string;
  /** Files or directories copied under `code/` and recorded as `code`. */
  codePaths?: string[];
  /** `python_version` for python_function blocks and env files (default PYTHON_VERSION). */
  pythonVersion?: string;
  /** Receives warnings (signature inference failures …); default `process.emitWarning`. */
  onWarning?: (message: string) => void;
  /** js_function models: package versions recorded in node_env.yaml besides @pyfunc/core and the loader package. */
  packageVersions?: Record<string, string>;
}

/** Options of addToModel: everything that only touches the MLmodel, not files. */
export type AddToModelOptions = Omit<
  SaveModelOptions,
  | "writeFiles"
  | "inputExample"
  | "inputExampleParams"
  | "predictForSignature"
  | "codePaths"
  | "pipRequirements"
  | "extraPipRequirements"
  | "defaultPipRequirements"
  | "mlflowModel"
  | "resources"
  | "authPolicy"
  | "prompts"
  | "cwd"
  | "onWarning"
  | "modelConfig"
  | "condaEnv"
> & {
  /** Written as the pyfunc block's `config`. */
  modelConfig?: Record<string, unknown>;
  /** The conda env file name recorded in the block's `env` (MLflow's `conda_env` argument of add_to_model). */
  condaEnv?: string;
  /** The python_env.yaml file name recorded in the block's `env.virtualenv` (MLflow's `python_env`). */
  pythonEnv?: string;
};

function signatureDictOf(signature: SignatureInput): SignatureDict {
  const raw =
    "toDict" in signature && typeof signature.toDict === "function" ? signature.toDict() : signature;
  const dict = raw as Record<string, unknown>;
  const pick = (k: string): string | null => {
    const v = dict[k];
    if (v === undefined || v === null) return null;
    if (typeof v !== "string")
      throw MlflowException.invalidParameter(`signature.${k} must be a JSON string or null`);
    return v;
  };
  return { inputs: pick("inputs"), outputs: pick("outputs"), params: pick("params") };
}

/**
 * MLflow `mlflow.pyfunc.add_to_model` (plus the native flavor block): add the pyfunc block (`python_function`
 * or `js_function`) to `model`. Returns the same model.
 */
export function addToModel(model: Model, options: AddToModelOptions): Model {
  if (typeof options.loaderModule !== "string" || options.loaderModule.length === 0) {
    throw MlflowException.invalidParameter("loaderModule is required");
  }
  const key = options.pyfuncFlavorKey ?? PYFUNC_FLAVOR_NAME;
  if (key !== PYFUNC_FLAVOR_NAME && key !== JS_PYFUNC_FLAVOR_NAME) {
    throw MlflowException.invalidParameter(
      `pyfuncFlavorKey must be '${PYFUNC_FLAVOR_NAME}' or '${JS_PYFUNC_FLAVOR_NAME}'`,
    );
  }
  const block: FlavorConfig = { ...(options.pyfuncExtra ?? {}) };
  block.loader_module = options.loaderModule;
  if (key === PYFUNC_FLAVOR_NAME) {
    block.python_version = options.pythonVersion ?? PYTHON_VERSION;
    block.env = {
      conda: options.condaEnv ?? CONDA_ENV_FILE_NAME,
      virtualenv: options.pythonEnv ?? PYTHON_ENV_FILE_NAME,
    };
  } else {
    block.node_version = process.versions.node;
    block.env = { node: NODE_ENV_FILE_NAME };
  }
  if (options.code !== undefined) block.code = options.code;
  if (options.data) block.data = options.data;
  if (options.modelConfig && Object.keys(options.modelConfig).length > 0)
    block.config = { ...options.modelConfig };
  model.addFlavor(key, block);
  if (options.flavor) {
    if (options.flavor.name === PYFUNC_FLAVOR_NAME || options.flavor.name === JS_PYFUNC_FLAVOR_NAME) {
      throw MlflowException.invalidParameter(`The native flavor cannot be named '${options.flavor.name}'`);
    }
    model.addFlavor(options.flavor.name, options.flavor.config);
  }
  if (options.signature) model.signature = signatureDictOf(options.signature);
  if (options.metadata) model.metadata = { ...(model.metadata ?? {}), ...options.metadata };
  return model;
}

async function isNonEmptyDir(p: string): Promise<boolean> {
  try {
    const info = await stat(p);
    if (!info.isDirectory()) return true;
    return (await readdir(p)).length > 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}

/** MLflow `get_total_file_size`: the sum of file sizes under `dir`. */
export async function totalFileSize(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) total += await totalFileSize(p);
    else if (entry.isFile()) total += (await lstat(p)).size;
  }
  return total;
}

function alreadyExists(target: string): MlflowException {
  return new MlflowException(`Path '${target}' already exists and is not empty`, "RESOURCE_ALREADY_EXISTS");
}

/**
 * Save a model directory as MLflow's `save_model` functions do: refuse a non-empty target
 * (RESOURCE_ALREADY_EXISTS), build everything in a temporary directory beside it, then rename it into place,
 * so a failed save leaves nothing behind. Writes MLmodel (model_uuid, utc_time_created, mlflow_version,
 * model_size_bytes, signature, input example, flavors) and the environment files: conda.yaml, python_env.yaml and
 * requirements.txt for `python_function` models, node_env.yaml for `js_function` models.
 */
export async function saveModel(target: string, options: SaveModelOptions): Promise<Model> {
  const dest = path.resolve(target);
  if (await isNonEmptyDir(dest)) throw alreadyExists(dest);
  const parent = path.dirname(dest);
  await mkdir(parent, { recursive: true });
  const tmp = path.join(parent, `.${path.basename(dest)}.tmp-${randomBytes(6).toString("hex")}`);
  await mkdir(tmp);
  try {
    const key = options.pyfuncFlavorKey ?? PYFUNC_FLAVOR_NAME;
    const cwd = options.cwd ?? process.cwd();
    validateEnvArguments(options);
    if (options.resources !== undefined && options.authPolicy !== undefined) {
      throw MlflowException.invalidParameter("Only one of `resources`, and `auth_policy` can be specified.");
    }
    const modelConfig =
      options.modelConfig === undefined ? undefined : await resolveModelConfigSource(options.modelConfig);
    const warn = options.onWarning ?? ((m: string) => process.emitWarning(m, { type: "PyfuncWarning" }));
    let code = options.code;
    if (options.codePaths && options.codePaths.length > 0) {
      await mkdir(path.join(tmp, "code"), { recursive: true });
      for (const src of options.codePaths) {
        try {
          await cp(src, path.join(tmp, "code", path.basename(src)), { recursive: true, errorOnExist: true });
        } catch (error) {
          throw new MlflowException(
            `Failed to copy the specified code path '${src}' into the model artifacts`,
            "INVALID_PARAMETER_VALUE",
            { cause: error },
          );
        }
      }
      code = "code";
    }
    if (options.writeFiles) await options.writeFiles(tmp);

    // As MLflow's `mlflow_model` argument: the given Model keeps what it has (run_id, artifact_path …).
    const model = options.mlflowModel ?? new Model();
    const now = new Date();
    model.utcTimeCreated ??= formatUtcTimeCreated(now, Number(process.hrtime.bigint() % 1000n));
    model.mlflowVersion = MLFLOW_VERSION;
    model.modelUuid ??= randomUUID().replaceAll("-", "");
    if (options.resources !== undefined) model.resources = resolveResources(options.resources, cwd);
    if (options.authPolicy !== undefined) model.authPolicy = authPolicyDict(options.authPolicy);
    if (options.prompts !== undefined) model.prompts = promptUris(options.prompts);

    let signature = options.signature ?? null;
    if (options.inputExample !== undefined) {
      const info: SavedInputExampleInfo = await saveExampleFiles(
        tmp,
        options.inputExample,
        options.inputExampleParams,
      );
      model.savedInputExampleInfo = info;
      if (signature === null && options.signature !== null) {
        signature = await inferSignatureFor(
          options.inputExample,
          options.predictForSignature,
          options.inputExampleParams,
          warn,
        );
      }
    }
    const { condaEnv: _condaEnv, modelConfig: _config, ...blockOptions } = options;
    addToModel(model, { ...blockOptions, code, signature, ...(modelConfig ? { modelConfig } : {}) });

    const block = model.flavors[key] as FlavorConfig;
    checkPyfuncPaths(tmp, block, key);
    if (typeof block.data === "string") {
      try {
        await stat(path.join(tmp, block.data));
      } catch {
        throw MlflowException.invalidParameter(`The model's data path '${block.data}' was not written`);
      }
    }
    const size = await totalFileSize(tmp);
    if (size > 0) model.modelSizeBytes = size;
    await model.save(path.join(tmp, MLMODEL_FILE_NAME));
    if (key === PYFUNC_FLAVOR_NAME) {
      const pythonVersion = options.pythonVersion ?? PYTHON_VERSION;
      const env = processPythonEnv(options.defaultPipRequirements ?? [], options, { cwd, pythonVersion });
      await writeProcessedPythonEnv(tmp, env, pythonVersion);
    } else {
      await writeNodeEnvFile(
        tmp,
        nodeEnvRecord(options.packageVersions ?? {}, npmPackageOf(options.loaderModule)),
      );
    }
    if (await isNonEmptyDir(dest)) throw alreadyExists(dest);
    try {
      await rename(tmp, dest);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOTEMPTY" || code === "EEXIST" || code === "ENOTDIR") throw alreadyExists(dest);
      throw error;
    }
    return model;
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
}
