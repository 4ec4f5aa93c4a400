import { registerFlavor } from "@pyfunc/core";
import { functionFlavor } from "./plugin.js";

export { TypeFromExample, updateSignatureForTypeHintFromExample } from "@pyfunc/core/schema";
export { FLAVOR_NAME, FUNCTION_LOADER_MODULE, FUNCTION_PACKAGE_NAME, functionFlavor } from "./plugin.js";
export { type ModelFunction, type SaveFunctionModelOptions, saveModel } from "./save.js";
export { PACKAGE_VERSION } from "./version.js";
export {
  declaresTypeFromExample,
  functionImplementation,
  predictFunctionOf,
  rowSchemasOf,
  runLoadContext,
} from "./wrapper.js";

registerFlavor(functionFlavor);

/** The flavor plugin (also registered with @pyfunc/core's default registry on import). */
export default functionFlavor;
export { logModel } from "./log-model.js";
