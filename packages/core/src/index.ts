export * from "./errors/index.js";
export * from "./flavor/plugin.js";
export * from "./inputs/index.js";
export * from "./mlmodel/model.js";
