import { MlflowException } from "../errors/mlflow-exception.js";
import { pyStrRepr } from "../schema/pyjson.js";

/** Content types `/invocations` accepts, in the order MLflow lists them. */
export const SUPPORTED_CONTENT_TYPES = [
  "text/csv",
  "application/json",
  "application/vnd.apache.parquet",
  "application/vnd.apache.arrow.stream",
  "application/octet-stream",
] as const;

export type ScoringContentType = "json" | "csv" | "parquet" | "arrow" | "binary";

/**
 * A `Content-Type` the scoring protocol refuses. MLflow answers these with HTTP 415 and a plain-text body
 * (not an MLflow JSON error), so this is not an MlflowException: servers send `message` as text/plain.
 */
export class UnsupportedContentTypeError extends Error {
  readonly httpStatus = 415;
  /** The media type of the error body MLflow sends. */
  readonly responseContentType = "text/plain; charset=utf-8";

  constructor(message: string) {
    super(message);
    this.name = "UnsupportedContentTypeError";
  }
}

export function isUnsupportedContentTypeError(value: unknown): value is UnsupportedContentTypeError {
  return value instanceof UnsupportedContentTypeError;
}

/** MLflow's hint appended to "not exactly one input field" errors and content-type parameter errors. */
export const SCORING_PROTOCOL_CHANGE_WARNING =
  "IMPORTANT: The MLflow Model scoring protocol has changed in MLflow version 2.0. If you are seeing this error, " +
  "you are likely using an outdated scoring request format. To resolve the error, either update your request " +
  "format or adjust your MLflow Model's requirements file to specify an older version of MLflow (for example, " +
  "change the 'mlflow' requirement specifier to 'mlflow==1.30.0'). If you are making a request using the MLflow " +
  "client (e.g. via `mlflow.pyfunc.spark_udf()`), upgrade your MLflow client to a version >= 2.0 in order to use " +
  "the new request format. For more information about the updated MLflow Model scoring protocol in MLflow 2.0, " +
  "see https://www.mlflow.org/docs/latest/models.html#deploy-mlflow-models.";

export function badRequest(message: string, cause?: unknown): MlflowException {
  return MlflowException.badRequest(message, cause === undefined ? undefined : { cause });
}

/** Python's `repr()` of a str: single quotes unless the text holds a single quote and no double quote. */
export function pyRepr(text: string): string {
  return pyStrRepr(text);
}

/** Python type name of a decoded JSON value, as MLflow's messages print it. */
export function pyTypeName(value: unknown): string {
  if (value === null || value === undefined) return "NoneType";
  if (Array.isArray(value)) return "list";
  switch (typeof value) {
    case "string":
      return "str";
    case "boolean":
      return "bool";
    case "number":
      return Number.isInteger(value) ? "int" : "float";
    case "object":
      return "dict";
    default:
      return typeof value;
  }
}
