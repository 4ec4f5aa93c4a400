export { type ModelResolver, type OipModel, singleModelResolver } from "./models.js";
export {
  type GrpcLog,
  type GrpcServerOptions,
  grpcCodeOfHttpStatus,
  inferenceServiceClient,
  loadInferenceProto,
  PROTO_LOADER_OPTIONS,
  PROTO_PATH,
  type RunningGrpcServer,
  startGrpcServer,
} from "./service.js";
export {
  decodeRawContents,
  decodeTypedContents,
  encodeRawContents,
  encodeTypedContents,
  v2RequestOf,
} from "./tensors.js";
