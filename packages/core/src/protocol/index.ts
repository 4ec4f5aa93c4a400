export { parseCsvFast } from "../inputs/csv-fast-parser.js";
export {
  type FastSplitResult,
  parseDataFrameSplitFast,
  parseSplitObjectFast,
} from "../inputs/split-parser.js";
export { parseArrowStreamBody } from "./arrow-ipc.js";
export {
  BINARY_TENSOR_CONTENT_TYPE,
  binaryOutputChoice,
  bytesElementText,
  decodeBinaryTensorBody,
  decodeRawTensor,
  elementCount,
  encodeRawTensor,
  type FramedOutput,
  frameBinaryTensorBody,
  INFERENCE_HEADER_CONTENT_LENGTH,
  inferenceHeaderLength,
  MAX_TENSOR_DIMS,
  NUMPY_DTYPE_FOR_V2,
  tensorShape,
  V2_ELEMENT_WIDTH,
  wireValue,
} from "./binary-tensor.js";
export { CastError, castValues, ndarrayFromJson, parsePyFloat } from "./coerce.js";
export { parseContentType } from "./content-type.js";
export { parseCsvBody } from "./csv.js";
export {
  isUnsupportedContentTypeError,
  SCORING_PROTOCOL_CHANGE_WARNING,
  type ScoringContentType,
  SUPPORTED_CONTENT_TYPES,
  UnsupportedContentTypeError,
} from "./errors.js";
export { decodeUtf8, parseJsonLenient } from "./json.js";
export { parseParquetBody } from "./parquet.js";
export {
  frameFromRawColumns,
  INPUT_FORMAT_KEYS,
  type ParsedScoringRequest,
  type ParseScoringOptions,
  parseJsonScoringBody,
  parseScoringRequest,
  parseScoringRequestAsync,
  type ScoringFormat,
} from "./parse.js";
export {
  type ColSpecJson,
  describeSchemaView,
  type InputSchemaView,
  type InputSpecJson,
  inputSchemaView,
  type ParamSpecJson,
  paramSchemaView,
  type SchemaSource,
  type ScoringSchemas,
  signatureSpecs,
  type TensorSpecJson,
} from "./schema-view.js";
export {
  predictParsed,
  type ScorableModel,
  type ScoreOptions,
  type ScoreOutcome,
  type ScoreStage,
  scoreRequest,
  scoringSchemasOf,
} from "./score.js";
export {
  dataFrameFromColumns,
  encodeBytes,
  isDataFrameInstance,
  predictionsToJsonable,
  type SerializeOptions,
  serializePredictions,
} from "./serialize.js";
