// @pyfunc/core/flavor: the plugin registry, how a model's flavor is chosen and how flavor packages are found.
export * from "./discovery.js";
export * from "./plugin.js";
export * from "./registry.js";
export * from "./select.js";
