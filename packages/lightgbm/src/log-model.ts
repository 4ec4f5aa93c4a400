import { createLogModel } from "@pyfunc/core";
import { type LightGBMSaveOptions, saveModel } from "./save.js";

/** mlflow.lightgbm.log_model: save, upload to a run on the MLflow tracking server, optionally register. */
export const logModel = createLogModel<LightGBMSaveOptions>(saveModel);
