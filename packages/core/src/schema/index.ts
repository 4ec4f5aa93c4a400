// @pyfunc/core/schema: MLflow's column and tensor types, schema and params enforcement, Python-style values.
export * from "../signature/infer.js";
export * from "../signature/signature.js";
export * from "../signature/standard-schema.js";
export * from "../signature/type-from-example.js";
export * from "./enforce.js";
export * from "./enforce-types.js";
export { convertParamValue, enforceParams, toPyDatetimeIso } from "./params.js";
export * from "./pyjson.js";
export * from "./serving.js";
export * from "./types.js";
