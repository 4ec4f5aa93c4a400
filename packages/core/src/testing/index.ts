export * from "./conformance.js";
export * from "./fake-mlflow-server.js";
export * from "./log-model-round-trip.js";
