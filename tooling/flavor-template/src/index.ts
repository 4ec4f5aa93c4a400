export { FLAVOR_NAME, MODEL_FILE, PACKAGE_NAME } from "./flavor-name.js";
export { type LinearModel, predictLinear, readLinearModel } from "./linear-model.js";
export { linearTemplatePlugin } from "./plugin.js";
export { type SaveLinearModelOptions, saveModel } from "./save.js";
