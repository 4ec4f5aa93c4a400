import { registerFlavor } from "@pyfunc/core";
import { tfjsFlavor } from "./plugin.js";

export {
  type BackendChoice,
  type BackendOptions,
  defaultResolver,
  detectTfjsNode,
  isBackendRegistered,
  type ModuleImporter,
  type ModuleResolver,
  parseBackendChoice,
  TFJS_NODE_BACKEND,
  TFJS_NODE_PACKAGE,
  type TfjsBackendName,
  tryTfjsNode,
  useBackend,
  wasmDistDir,
} from "./backend.js";
export {
  type FileSystemLoadOptions,
  fileSystemLoader,
  fileSystemSaver,
  modelJsonForArtifacts,
  readModelArtifacts,
  readModelJson,
  readWeights,
  resolveWeightPath,
  WEIGHTS_FILE_NAME,
} from "./io/fs-handler.js";
export {
  checkLayerSizes,
  checkModelJson,
  DEFAULT_MAX_MODEL_JSON_BYTES,
  DEFAULT_MAX_WEIGHT_BYTES,
  MAX_WEIGHT_ENTRIES,
  MAX_WEIGHT_PATHS,
  type ModelJson,
  parseModelJson,
  type TfjsModelFormat,
  totalWeightValues,
  type WeightDType,
  type WeightEntry,
  type WeightsGroup,
  weightByteLength,
} from "./io/model-json.js";
export { graphSignatureAliases, graphSignatureShapes, savedLayersIoNames } from "./io/names.js";
export { logModel } from "./log-model.js";
export {
  BACKEND_ENV,
  FLAVOR_NAME,
  loadTfjsModel,
  loadTfjsPyfunc,
  PACKAGE_NAME,
  resolveModelJsonPath,
  tensorSpecNames,
  tfjsFlavor,
} from "./plugin.js";
export { MODEL_DATA_DIR, type SaveTfjsModelOptions, saveModel, signatureFromModel } from "./save.js";
export {
  type LoadTfjsModelOptions,
  modelFromArtifacts,
  type TfjsInputSpec,
  TfjsModel,
  type TfjsOutputSpec,
} from "./wrapper.js";

// Importing the package registers the flavor with @pyfunc/core's default registry.
registerFlavor(tfjsFlavor);

export default tfjsFlavor;
