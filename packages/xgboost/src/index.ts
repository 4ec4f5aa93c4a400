import { registerFlavor } from "@pyfunc/core";
import { xgboostFlavor } from "./flavor.js";

export {
  Booster,
  type BoosterLoadOptions,
  type LeafPrediction,
  type ParallelPredictOptions,
  type Prediction,
  type PredictOptions,
} from "./booster.js";
export { getDefaultCondaEnv, getDefaultPipRequirements } from "./environment.js";
export {
  BOOSTER_CLASS,
  FLAVOR_NAME,
  loadXGBoostModel,
  type ModelKind,
  modelKindOf,
  PACKAGE_NAME,
  XGBoostPyFuncModel,
  xgboostFlavor,
} from "./flavor.js";
export { type FeatureMatrix, toFeatureMatrix } from "./inputs.js";
export { type ModelFormat, readModel, sniffFormat } from "./io/sniff.js";
export type { DenseMatrix, MatrixLike } from "./matrix.js";
export type { BoosterKind, RawModel, RawTree } from "./model.js";
export { knownObjectives } from "./objective.js";
export { saveModel, type XGBoostModelFormat, type XGBoostSaveOptions } from "./save.js";
export {
  type ClassPrediction,
  classesFromPrediction,
  sklearnClassifierPredict,
  sklearnClassifierPredictProba,
  sklearnIterationRange,
  sklearnRegressorPredict,
} from "./sklearn.js";

registerFlavor(xgboostFlavor);

export { logModel } from "./log-model.js";
