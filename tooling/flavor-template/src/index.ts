import { registerFlavor } from "@pyfunc/core";
import { linearTemplateFlavor } from "./plugin.js";

export { type FeatureMatrix, toFeatureMatrix } from "./convert.js";
export {
  type LinearTemplateModel,
  MAX_MODEL_BYTES,
  parseLinearTemplateModel,
  predictLinearTemplate,
  readLinearTemplateModel,
} from "./linear-template-model.js";
export { logModel } from "./log-model.js";
export {
  FLAVOR_NAME,
  linearTemplateFlavor,
  loadLinearTemplateModel,
  MODEL_FILE,
  PACKAGE_NAME,
  PACKAGE_VERSION,
} from "./plugin.js";
export { type LinearTemplateSaveOptions, saveModel } from "./save.js";
export { LinearTemplatePyFuncModel } from "./wrapper.js";

// Importing the package registers the flavor; an application that did not import it finds it through the
// flavor marker in package.json ("pyfunc": { "flavor": { "loaderModules": [...] } }) when a model names it.
registerFlavor(linearTemplateFlavor);

export default linearTemplateFlavor;
