export * from "./pyfunc-paths.js";
export * from "./resolve-inside.js";
