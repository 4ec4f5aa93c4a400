import { createLogModel } from "@pyfunc/core";
import { saveModel, type XGBoostSaveOptions } from "./save.js";

/** mlflow.xgboost.log_model: save, upload to a run on the MLflow tracking server, optionally register. */
export const logModel = createLogModel<XGBoostSaveOptions>(saveModel);
