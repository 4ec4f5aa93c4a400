export * from "./errors/index.js";
export * from "./flavor/plugin.js";
export * from "./inputs/index.js";
export * from "./mlmodel/model.js";
export * from "./uri/index.js";
export * from "./protocol/index.js";
export * from "./schema/index.js";
export * from "./signature/index.js";
