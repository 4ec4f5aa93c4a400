export * from "./load-model.js";
export * from "./pyfunc-model.js";
