export { forestError, forestInputError } from "./errors.js";
export {
  type Aggregation,
  type CategoryRule,
  type CategorySplit,
  type Comparison,
  type ForestModel,
  type InputPrecision,
  type LinearLeaves,
  MissingRule,
  type MissingRuleCode,
  type Tree,
  type TreeRange,
  ZERO_THRESHOLD,
} from "./model.js";
export { workerCountFromEnv } from "./pool.js";
export {
  type AsyncPredictOptions,
  type CompileOptions,
  compileForest,
  type ForestLayout,
  type ForestOutput,
  ForestPredictor,
  float32Threshold,
} from "./predictor.js";
export {
  inCategorySet,
  leafOf,
  leafOutput,
  nextNode,
  predictLeafReference,
  predictReference,
  resolveRange,
} from "./reference.js";
export { FOREST_LIMITS, validateForest } from "./validate.js";
