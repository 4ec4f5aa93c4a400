export { type LoadedOipModel, type ModelResolver, type OipModel, registryResolver } from "./models.js";
export {
  type GrpcLog,
  type GrpcMetrics,
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
