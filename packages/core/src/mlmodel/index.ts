// @pyfunc/core/mlmodel: the model directory's files: MLmodel, environment files, input example, model config.
export * from "../config/model-config.js";
export * from "../example/input-example.js";
export * from "../save/env.js";
export * from "../save/save-model.js";
export * from "./model.js";
