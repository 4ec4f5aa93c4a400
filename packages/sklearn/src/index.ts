import { registerFlavor } from "@pyfunc/core";
import { sklearnFlavor } from "./plugin.js";

export { describeRefusal, sklearnAllowlist } from "./allowlist.js";
export { Estimator, type InputRules, Labels } from "./base.js";
export { toSklearnInput, toTensor } from "./convert.js";
export { badState, inputError, unsupportedEstimator } from "./errors.js";
export {
  estimatorFromBytes,
  estimatorFromPickle,
  estimatorFromSkops,
  readEstimatorFile,
  type SerializationFormat,
} from "./load.js";
export type { Csr, Data, Dense, Frame, Series } from "./matrix.js";
export type { NdArray } from "./ndarray.js";
export { FLAVOR_NAME, LOADER_MODULES, loadSklearnModel, PACKAGE_NAME, sklearnFlavor } from "./plugin.js";
export { ESTIMATORS } from "./registry.js";
export { PREDICT_FNS, type PredictFn, SklearnPyFuncModel } from "./wrapper.js";

registerFlavor(sklearnFlavor);

export default sklearnFlavor;
