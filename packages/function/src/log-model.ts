import { createLogModel } from "@pyfunc/core";
import { type SaveFunctionModelOptions, saveModel } from "./save.js";

/** Save the model, upload it to a run on the MLflow tracking server and optionally register it (MLflow's log_model). */
export const logModel = createLogModel<SaveFunctionModelOptions>(saveModel);
