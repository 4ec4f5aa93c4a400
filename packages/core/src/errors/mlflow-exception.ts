import { type ErrorCode, httpStatusForErrorCode } from "./error-codes.js";

export interface MlflowExceptionOptions {
  /** MLflow's error class (e.g. SCHEMA_ENFORCEMENT_FAILED); optional, as released servers omit it. */
  errorClass?: string;
  cause?: unknown;
}

/**
 * The one error type @pyfunc raises for anything MLflow reports with an error code.
 * `errorCode` is MLflow's code name, so a server can map it to the same HTTP status as MLflow.
 */
export class MlflowException extends Error {
  readonly errorCode: ErrorCode;
  readonly errorClass: string | undefined;

  constructor(
    message: string,
    errorCode: ErrorCode = "INTERNAL_ERROR",
    options: MlflowExceptionOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "MlflowException";
    this.errorCode = errorCode;
    this.errorClass = options.errorClass;
  }

  get httpStatus(): number {
    return httpStatusForErrorCode(this.errorCode);
  }

  /** The JSON body MLflow's server sends for this error. */
  toJSON(): { error_code: ErrorCode; message: string } {
    return { error_code: this.errorCode, message: this.message };
  }

  static invalidParameter(message: string, options?: MlflowExceptionOptions): MlflowException {
    return new MlflowException(message, "INVALID_PARAMETER_VALUE", options);
  }

  static badRequest(message: string, options?: MlflowExceptionOptions): MlflowException {
    return new MlflowException(message, "BAD_REQUEST", options);
  }

  static notFound(message: string, options?: MlflowExceptionOptions): MlflowException {
    return new MlflowException(message, "RESOURCE_DOES_NOT_EXIST", options);
  }
}

export function isMlflowException(value: unknown): value is MlflowException {
  return value instanceof MlflowException;
}
