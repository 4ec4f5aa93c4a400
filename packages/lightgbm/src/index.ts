import { registerFlavor } from "@pyfunc/core";
import { lightgbmFlavor } from "./plugin.js";

export { Booster, type BoosterOptions, type Prediction, type PredictOptions } from "./booster.js";
export { type CategoryKey, categoricalFeatures, PandasCategories } from "./categorical.js";
export { type FeatureMatrix, toFeatureMatrix } from "./convert.js";
export { DEFAULT_LGB_VERSION, getDefaultCondaEnv, getDefaultPipRequirements } from "./environment.js";
export { logModel } from "./log-model.js";
export {
  applyTransform,
  isClassification,
  type Objective,
  type OutputTransform,
  parseObjective,
} from "./objective.js";
export {
  BOOSTER_CLASS,
  FLAVOR_NAME,
  LOADER_MODULE,
  lightgbmFlavor,
  loadLightGBMModel,
  PACKAGE_NAME,
} from "./plugin.js";
export { type LightGBMSaveOptions, saveModel } from "./save.js";
export { lightgbmAllowlist, readEstimator, type SerializationFormat } from "./serialized.js";
export { type EstimatorKind, type Labels, LGBMEstimator, SKLEARN_CLASSES } from "./sklearn.js";
export {
  type LgbModel,
  type LgbTree,
  type LinearLeaves,
  type PandasCategorical,
  parseModelBytes,
  parseModelText,
} from "./text-model.js";
export { toForest } from "./to-forest.js";
export { type LightGBMModel, LightGBMPyFuncModel } from "./wrapper.js";

registerFlavor(lightgbmFlavor);

export default lightgbmFlavor;
