import { type LoggedModelInfo, type LogModelOptions, saveAndLogModel } from "@pyfunc/core";
import { type SaveFunctionModelOptions, saveModel } from "./save.js";

export type LogFunctionModelOptions = SaveFunctionModelOptions & Omit<LogModelOptions, "modelDir">;

/**
 * As mlflow.pyfunc.log_model with a function: save the model, upload it to a run on the MLflow tracking server
 * (MLFLOW_TRACKING_URI …), and register a version when `registeredModelName` is given.
 */
export function logModel(options: LogFunctionModelOptions): Promise<LoggedModelInfo> {
  const {
    artifactPath,
    runId,
    experimentId,
    runName,
    registeredModelName,
    awaitRegistrationFor,
    tracking,
    ...save
  } = options;
  return saveAndLogModel((path) => saveModel(path, save as SaveFunctionModelOptions), {
    artifactPath,
    runId,
    experimentId,
    runName,
    registeredModelName,
    awaitRegistrationFor,
    tracking,
  });
}
