import { type LoggedModelInfo, type LogModelOptions, saveAndLogModel } from "@pyfunc/core";
import { type SaveCustomModelOptions, saveModel } from "./save.js";

export type LogCustomModelOptions = SaveCustomModelOptions & Omit<LogModelOptions, "modelDir">;

/**
 * As mlflow.pyfunc.log_model(python_model=...): save the model, upload it to a run on the MLflow tracking server
 * (MLFLOW_TRACKING_URI …), and register a version when `registeredModelName` is given.
 */
export function logModel(options: LogCustomModelOptions): Promise<LoggedModelInfo> {
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
  return saveAndLogModel((path) => saveModel(path, save as SaveCustomModelOptions), {
    artifactPath,
    runId,
    experimentId,
    runName,
    registeredModelName,
    awaitRegistrationFor,
    tracking,
  });
}
