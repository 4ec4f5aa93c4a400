import { createLogModel } from "@pyfunc/core";
import { type SaveTfjsModelOptions, saveModel } from "./save.js";

/** Save a tfjs model (in memory or model.json), upload it to a run on the MLflow tracking server, optionally register it. */
export const logModel = createLogModel<SaveTfjsModelOptions>(saveModel);
