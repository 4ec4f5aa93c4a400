export * from "./enforce.js";
export * from "./enforce-types.js";
export { convertParamValue, enforceParams, toPyDatetimeIso } from "./params.js";
export * from "./pyjson.js";
export * from "./serving.js";
export * from "./types.js";
