import { registerFlavor } from "@pyfunc/core";
import { xgboostFlavor } from "./plugin.js";

export {
  Booster,
  type BoosterLoadOptions,
  type LeafPrediction,
  type ParallelPredictOptions,
  type Prediction,
  type PredictOptions,
} from "./booster.js";
export { assertFiniteForDMatrix, type FeatureMatrix, toFeatureMatrix } from "./convert.js";
export { getDefaultCondaEnv, getDefaultPipRequirements } from "./environment.js";
export { toForestModel } from "./forest-model.js";
export { type ModelFormat, readModel, sniffFormat } from "./io/sniff.js";
export { logModel } from "./log-model.js";
export type { DenseMatrix, MatrixLike } from "./matrix.js";
export type { BoosterKind, RawModel, RawTree } from "./model.js";
export { knownObjectives } from "./objective.js";
export { FLAVOR_NAME, loadXGBoostModel, PACKAGE_NAME, xgboostFlavor } from "./plugin.js";
export { saveModel, type XGBoostModelFormat, type XGBoostSaveOptions } from "./save.js";
export {
  type ClassPrediction,
  classesFromPrediction,
  sklearnClassifierPredict,
  sklearnClassifierPredictProba,
  sklearnIterationRange,
  sklearnRegressorPredict,
} from "./sklearn.js";
export { BOOSTER_CLASS, type ModelKind, modelKindOf, XGBoostPyFuncModel } from "./wrapper.js";

// Importing the package registers the flavor with @pyfunc/core's default registry.
registerFlavor(xgboostFlavor);

export default xgboostFlavor;
