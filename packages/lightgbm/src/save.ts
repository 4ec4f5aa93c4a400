import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { SaveModelOptions as CoreSaveOptions, Model, Params, PyFuncInput } from "@pyfunc/core";
import * as core from "@pyfunc/core";
import { Booster } from "./booster.js";
import { DEFAULT_LGB_VERSION, getDefaultPipRequirements } from "./environment.js";
import { MlflowException } from "./errors.js";
import { BOOSTER_CLASS, FLAVOR_NAME, LOADER_MODULE } from "./plugin.js";
import { readEstimator } from "./serialized.js";
import { SKLEARN_CLASSES } from "./sklearn.js";
import { LightGBMPyFuncModel } from "./wrapper.js";

export interface LightGBMSaveOptions {
  /**
   * The model: LightGBM text (what `Booster.save_model` writes) as a string or bytes, or a path to such a file.
   * With a scikit-learn `modelClass`: the estimator pickled by cloudpickle or pickle (bytes or a path).
   */
  model: string | Uint8Array;
  /** `lightgbm.basic.Booster` (default), `lightgbm.sklearn.LGBMClassifier`, `LGBMRegressor` or `LGBMRanker`. */
  modelClass?: string;
  /** `lgb_version` recorded and pinned in the env files (the text format does not record it); default 4.6.0. */
  lgbVersion?: string;
  signature?: CoreSaveOptions["signature"];
  inputExample?: PyFuncInput;
  inputExampleParams?: Params;
  metadata?: Record<string, unknown>;
  /**
   * Replaces the default requirements (mlflow and lightgbm): a list, or a requirements file path (`-r` inlined,
   * `-c` → constraints.txt), as MLflow's `pip_requirements`.
   */
  pipRequirements?: CoreSaveOptions["pipRequirements"];
  /** Added to the default requirements: a list or a requirements file path (MLflow's `extra_pip_requirements`). */
  extraPipRequirements?: CoreSaveOptions["extraPipRequirements"];
  /** The whole conda environment: an object or a conda YAML file path (MLflow's `conda_env`). */
  condaEnv?: CoreSaveOptions["condaEnv"];
  /** Base directory of relative requirement / conda file paths (default the cwd). */
  cwd?: string;
  codePaths?: string[];
}

async function modelBytes(model: string | Uint8Array, isText: boolean): Promise<Uint8Array> {
  if (model instanceof Uint8Array) return model;
  if (typeof model !== "string") {
    throw MlflowException.invalidParameter("options.model must be model text, bytes or a file path");
  }
  // a LightGBM text model starts with its model type line; anything else is a path
  if (isText && model.startsWith("tree\n")) return new TextEncoder().encode(model);
  return new Uint8Array(await readFile(model));
}

/**
 * `mlflow.lightgbm.save_model`: writes model.lgb (a Booster) or model.pkl (a scikit-learn wrapper), MLmodel
 * with the `lightgbm` flavor block and `python_function` (loader_module mlflow.lightgbm), and conda.yaml /
 * python_env.yaml / requirements.txt pinning lightgbm, so Python MLflow loads the directory.
 */
export async function saveModel(target: string, options: LightGBMSaveOptions): Promise<Model> {
  const modelClass = options.modelClass ?? BOOSTER_CLASS;
  const isBooster = modelClass === BOOSTER_CLASS;
  if (!isBooster && !Object.hasOwn(SKLEARN_CLASSES, modelClass)) {
    throw MlflowException.invalidParameter(
      `Unsupported model_class '${modelClass}': use ${BOOSTER_CLASS} or one of ${Object.keys(SKLEARN_CLASSES).join(", ")}`,
    );
  }
  const bytes = await modelBytes(options.model, isBooster);
  // validate (and build the predictor used to infer a signature from the input example)
  let model: LightGBMPyFuncModel;
  if (isBooster) model = new LightGBMPyFuncModel(Booster.fromBytes(bytes), modelClass);
  else {
    const est = await readEstimator(bytes, "cloudpickle");
    if (est.className !== modelClass) {
      throw MlflowException.invalidParameter(
        `modelClass is '${modelClass}' but the pickle holds a ${est.className}`,
      );
    }
    model = new LightGBMPyFuncModel(est, modelClass);
  }
  const lgbVersion = options.lgbVersion ?? DEFAULT_LGB_VERSION;
  const fileName = isBooster ? "model.lgb" : "model.pkl";
  const saveOptions: CoreSaveOptions = {
    loaderModule: LOADER_MODULE,
    data: fileName,
    flavor: {
      name: FLAVOR_NAME,
      config: { code: null, data: fileName, lgb_version: lgbVersion, model_class: modelClass },
    },
    writeFiles: async (dir: string) => {
      await writeFile(path.join(dir, fileName), bytes);
    },
    defaultPipRequirements: getDefaultPipRequirements(lgbVersion, !isBooster),
    predictForSignature: async (example: PyFuncInput) => model.predict(example),
  };
  if (options.signature !== undefined) saveOptions.signature = options.signature;
  if (options.inputExample !== undefined) saveOptions.inputExample = options.inputExample;
  if (options.inputExampleParams !== undefined) saveOptions.inputExampleParams = options.inputExampleParams;
  if (options.metadata !== undefined) saveOptions.metadata = options.metadata;
  if (options.codePaths !== undefined) saveOptions.codePaths = options.codePaths;
  // the Python environment options go to core unchanged: it processes them as MLflow does
  if (options.pipRequirements !== undefined) saveOptions.pipRequirements = options.pipRequirements;
  if (options.extraPipRequirements !== undefined)
    saveOptions.extraPipRequirements = options.extraPipRequirements;
  if (options.condaEnv !== undefined) saveOptions.condaEnv = options.condaEnv;
  if (options.cwd !== undefined) saveOptions.cwd = options.cwd;
  return core.saveModel(target, saveOptions);
}
