export * from "./discovery.js";
export * from "./plugin.js";
export * from "./registry.js";
export * from "./select.js";
