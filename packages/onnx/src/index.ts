import { registerFlavor } from "@pyfunc/core";
import { onnxFlavor } from "./plugin.js";

export {
  type InputInfo,
  numpyDTypeOf,
  type OrtType,
  pythonTypeName,
} from "./convert.js";
export { DEFAULT_ONNX_VERSION, getDefaultCondaEnv, getDefaultPipRequirements } from "./environment.js";
export { checkExternalLocation, externalDataLocations } from "./external-data.js";
export {
  FLAVOR_NAME,
  loadOnnxModel,
  loadOnnxPyfunc,
  MODEL_DATA_SUBPATH,
  onnxFlavor,
  PACKAGE_NAME,
  resolveOnnxFile,
} from "./plugin.js";
export {
  defaultPipRequirements,
  inferOnnxSignature,
  type SaveOnnxModelOptions,
  saveModel,
} from "./save.js";
export {
  availableProviders,
  type CreateSessionOptions,
  createSession,
  DEFAULT_MLFLOW_PROVIDERS,
  mapProviders,
  mapSessionOptions,
  toNodeProviderName,
  toPythonProviderName,
  validateSessionOptions,
} from "./session.js";
export { OnnxModelWrapper, type SkippedOutput } from "./wrapper.js";

// Importing the package registers the flavor with @pyfunc/core's default registry.
registerFlavor(onnxFlavor);

export { logModel } from "./log-model.js";

export default onnxFlavor;
