import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { SaveModelOptions as CoreSaveOptions, Model, Params, PyFuncInput } from "@pyfunc/core";
import * as core from "@pyfunc/core";
import { Booster } from "./booster.js";
import { getDefaultPipRequirements } from "./environment.js";
import { MlflowException } from "./errors.js";
import { sniffFormat } from "./io/sniff.js";
import { FLAVOR_NAME } from "./plugin.js";
import { BOOSTER_CLASS, modelKindOf, XGBoostPyFuncModel } from "./wrapper.js";

export type XGBoostModelFormat = "ubj" | "json" | "xgb";

export interface XGBoostSaveOptions {
  /** The XGBoost model: file bytes, or a path to a model file (.json, .ubj, .xgb, any extension). */
  model: Uint8Array | string;
  /**
   * `model_format` to record (and the file name model.<format>). Default: from the bytes
   * (JSON → json, UBJSON → ubj, legacy binary → xgb). The bytes are written unchanged, so the
   * format must fit them: json needs JSON bytes, ubj needs UBJSON, xgb takes legacy binary or UBJSON
   * (what XGBoost >= 2.1 writes to .xgb).
   */
  modelFormat?: XGBoostModelFormat;
  /** Fully qualified class, e.g. xgboost.core.Booster (default), xgboost.sklearn.XGBClassifier. */
  modelClass?: string;
  /** `xgb_version` to record and pin in requirements.txt; default: the version stored in the model, else 1.7.4. */
  xgbVersion?: string;
  signature?: CoreSaveOptions["signature"];
  inputExample?: PyFuncInput;
  inputExampleParams?: Params;
  metadata?: Record<string, unknown>;
  /**
   * Replaces the default requirements (mlflow and xgboost): a list, or a requirements file path (`-r` inlined,
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

const FORMAT_BYTES: Record<XGBoostModelFormat, readonly string[]> = {
  json: ["json"],
  ubj: ["ubj"],
  xgb: ["binary", "ubj"],
};

/**
 * `mlflow.xgboost.save_model`: writes model.<format>, MLmodel with the `xgboost` flavor block and
 * `python_function` (loader_module mlflow.xgboost), and conda.yaml / python_env.yaml / requirements.txt,
 * so Python MLflow's `mlflow.xgboost.load_model` and `mlflow.pyfunc.load_model` accept the directory.
 */
export async function saveModel(target: string, options: XGBoostSaveOptions): Promise<Model> {
  const bytes =
    typeof options.model === "string" ? new Uint8Array(await readFile(options.model)) : options.model;
  if (!(bytes instanceof Uint8Array)) {
    throw MlflowException.invalidParameter("options.model must be model bytes (Uint8Array) or a file path");
  }
  const booster = Booster.fromBytes(bytes); // validates the model
  const sniffed = sniffFormat(bytes);
  const format: XGBoostModelFormat =
    options.modelFormat ?? (sniffed === "binary" ? "xgb" : sniffed === "json" ? "json" : "ubj");
  if (!Object.hasOwn(FORMAT_BYTES, format)) {
    throw MlflowException.invalidParameter(
      `Unsupported model_format '${String(format)}': use ubj, json or xgb`,
    );
  }
  if (!FORMAT_BYTES[format].includes(sniffed)) {
    throw MlflowException.invalidParameter(
      `model_format '${format}' does not fit the model bytes (${sniffed}); pass modelFormat '${sniffed === "binary" ? "xgb" : sniffed}'`,
    );
  }
  const modelClass = options.modelClass ?? BOOSTER_CLASS;
  modelKindOf(modelClass); // refuse unknown classes early
  const v = booster.raw.version;
  const xgbVersion =
    options.xgbVersion ?? (v !== null && booster.format !== "binary" ? v.join(".") : "1.7.4");
  const fileName = `model.${format}`;
  const wrapper = new XGBoostPyFuncModel(booster, modelClass);
  try {
    const saveOptions: CoreSaveOptions = {
      loaderModule: "mlflow.xgboost",
      data: fileName,
      flavor: {
        name: FLAVOR_NAME,
        config: {
          code: null,
          data: fileName,
          model_class: modelClass,
          model_format: format,
          xgb_version: xgbVersion,
        },
      },
      writeFiles: async (dir: string) => {
        await writeFile(path.join(dir, fileName), bytes);
      },
      defaultPipRequirements: getDefaultPipRequirements(xgbVersion),
      predictForSignature: async (example: PyFuncInput) => wrapper.predict(example),
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
    return await core.saveModel(target, saveOptions);
  } finally {
    await booster.close();
  }
}
