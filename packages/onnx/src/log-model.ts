import { type LoggedModelInfo, type LogModelOptions, saveAndLogModel } from "@pyfunc/core";
import { type SaveOnnxModelOptions, saveModel } from "./save.js";

export type LogOnnxModelOptions = SaveOnnxModelOptions & Omit<LogModelOptions, "modelDir">;

/**
 * As mlflow.onnx.log_model: save the model, upload it to a run on the MLflow tracking server
 * (MLFLOW_TRACKING_URI …), and register a version when `registeredModelName` is given.
 */
export function logModel(options: LogOnnxModelOptions): Promise<LoggedModelInfo> {
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
  return saveAndLogModel((path) => saveModel(path, save as SaveOnnxModelOptions), {
    artifactPath,
    runId,
    experimentId,
    runName,
    registeredModelName,
    awaitRegistrationFor,
    tracking,
  });
}
