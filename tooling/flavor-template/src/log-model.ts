import { createLogModel } from "@pyfunc/core";
import { type LinearTemplateSaveOptions, saveModel } from "./save.js";

/** Save, upload to a run on the MLflow tracking server (MLFLOW_TRACKING_URI), and optionally register. */
export const logModel = createLogModel<LinearTemplateSaveOptions>(saveModel);
