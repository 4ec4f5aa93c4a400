export * from "./error-codes.js";
export * from "./mlflow-exception.js";
