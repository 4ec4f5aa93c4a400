/**
 * @pyfunc/core's root: what a model user and a flavor author need. Everything else lives under a named
 * subpath (`@pyfunc/core/protocol`, `/schema`, `/inputs`, `/flavor`, `/paths`, `/mlmodel`, `/artifacts`,
 * `/tracking`, `/model-code`, `/testing`), each described in the README.
 */

// Errors
export { ERROR_CODE_HTTP_STATUS, type ErrorCode, httpStatusForErrorCode } from "./errors/error-codes.js";
export {
  isMlflowException,
  MlflowException,
  type MlflowExceptionOptions,
} from "./errors/mlflow-exception.js";
// Flavor plugins
export type { FlavorPlugin, LoadContext, PyFuncImplementation } from "./flavor/plugin.js";
export { defaultFlavorRegistry, FlavorRegistry, registerFlavor } from "./flavor/registry.js";
export { JS_PYFUNC_FLAVOR_NAME, PYFUNC_FLAVOR_NAME, type PyFuncFlavorKey } from "./flavor/select.js";
export { toDataFrame } from "./inputs/convert.js";
// Inputs and outputs
export { type Column, type ColumnValues, DataFrame } from "./inputs/dataframe.js";
export {
  type BigIntTypedArray,
  isTypedArray,
  type NumericDType,
  type NumericTypedArray,
  type NumpyDType,
  type TypedArray,
} from "./inputs/dtype.js";
export type { Params, PyFuncInput, PyFuncOutput, SparseMatrix } from "./inputs/model-input.js";
export { isTensor, isTensorDict, type Tensor, type TensorDict } from "./inputs/tensor.js";
// The MLmodel file
export {
  type FlavorConfig,
  MLMODEL_FILE_NAME,
  Model,
  type ModelDict,
  type SavedInputExampleInfo,
  type SignatureDict,
} from "./mlmodel/model.js";
// Loading and predicting
export { type LoadModelOptions, loadModel } from "./model/load-model.js";
export { type PredictOptions, PyFuncModel, type PyFuncModelInit } from "./model/pyfunc-model.js";
// Saving and logging
export { coreVersion } from "./save/env.js";
export {
  type AddToModelOptions,
  addToModel,
  type SaveModelOptions,
  type SignatureInput,
  saveModel,
} from "./save/save-model.js";
// Signatures and schemas
export {
  AnyType,
  ArrayType,
  ColSpec,
  type ColSpecType,
  DATA_TYPES,
  type DataType,
  type InputSpec,
  type JsonValue,
  MapType,
  ObjectType,
  ParamSchema,
  ParamSpec,
  type ParamType,
  Property,
  Schema,
  SparkMLVector,
  TensorSpec,
} from "./schema/types.js";
export { type InferSignatureOptions, inferSignature } from "./signature/infer.js";
export { ModelSignature, type ModelSignatureDict } from "./signature/signature.js";
export {
  createLogModel,
  type FlavorLogModelOptions,
  type LoggedModelInfo,
  type LogModelOptions,
  logModel,
} from "./uri/log-model.js";
