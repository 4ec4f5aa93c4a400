import { registerTfjsFlavor } from "./plugin.js";

export * from "./backend.js";
export * from "./io/fs-handler.js";
export * from "./io/model-json.js";
export * from "./io/names.js";
export * from "./model.js";
export * from "./plugin.js";
export * from "./save.js";

registerTfjsFlavor();

export { logModel } from "./log-model.js";
