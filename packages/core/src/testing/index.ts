export * from "./conformance.js";
export * from "./fake-mlflow-server.js";
