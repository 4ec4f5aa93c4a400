// @pyfunc/core/artifacts: model URIs (runs:/, models:/, mlflow-artifacts:/, s3://, file://) resolved to local directories.
export { localModelPath } from "../model/load-model.js";
export * from "./artifact-repository.js";
export * from "./download.js";
export * from "./local-repository.js";
export * from "./mlflow-artifacts-repository.js";
export * from "./model-uri.js";
export * from "./repository-for-uri.js";
export * from "./resolve.js";
export * from "./s3-repository.js";
