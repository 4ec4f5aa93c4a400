import { registerFlavor } from "@pyfunc/core";
import { functionFlavor } from "./plugin.js";

export { type BundleModelCodeOptions, type BundleModelCodeResult, bundleModelCode } from "./code/bundle.js";
export { ensureModelCodeHook } from "./code/hook.js";
export { defaultResolveBases, type ImportModelCodeOptions, importModelCode } from "./code/import.js";
export { type StagedModelCode, stageModelCode } from "./code/staging.js";
export {
  FUNCTION_LOADER_MODULE,
  functionFlavor,
  functionImplementation,
  modelCodeFileOf,
  predictFunctionOf,
  runLoadContext,
} from "./plugin.js";
export { type SaveFunctionModelOptions, saveModel } from "./save.js";
export { PACKAGE_VERSION } from "./version.js";

registerFlavor(functionFlavor);

/** The flavor plugin (also registered with @pyfunc/core's default registry on import). */
export default functionFlavor;
export { logModel } from "./log-model.js";
