/**
 * MLflow's protocol error codes (mlflow/protos/databricks.proto) and the HTTP status MLflow's
 * server maps each one to. The server and the CLI use this single table.
 */
export const ERROR_CODE_HTTP_STATUS = {
  BAD_REQUEST: 400,
  INVALID_PARAMETER_VALUE: 400,
  RESOURCE_ALREADY_EXISTS: 400,
  INVALID_STATE: 500,
  INTERNAL_ERROR: 500,
  DATA_LOSS: 500,
  RESOURCE_DOES_NOT_EXIST: 404,
  NOT_FOUND: 404,
  ENDPOINT_NOT_FOUND: 404,
  PERMISSION_DENIED: 403,
  UNAUTHENTICATED: 401,
  CUSTOMER_UNAUTHORIZED: 401,
  ABORTED: 409,
  RESOURCE_CONFLICT: 409,
  ALREADY_EXISTS: 409,
  REQUEST_LIMIT_EXCEEDED: 429,
  RESOURCE_EXHAUSTED: 429,
  CANCELLED: 499,
  NOT_IMPLEMENTED: 501,
  TEMPORARILY_UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
} as const;

export type ErrorCode = keyof typeof ERROR_CODE_HTTP_STATUS;

/** HTTP status for an error code; unknown codes are 500, as in MLflow. */
export function httpStatusForErrorCode(code: string): number {
  return (ERROR_CODE_HTTP_STATUS as Record<string, number>)[code] ?? 500;
}
