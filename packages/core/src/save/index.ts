export * from "./env.js";
export * from "./save-model.js";
