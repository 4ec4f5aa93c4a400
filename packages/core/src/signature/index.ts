export * from "./infer.js";
export * from "./signature.js";
