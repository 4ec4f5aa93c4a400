import { MlflowException } from "@pyfunc/core";

/** A model file that cannot be read: corrupt, truncated, or not a LightGBM model. */
export function modelError(message: string, cause?: unknown): MlflowException {
  return new MlflowException(
    `Invalid LightGBM model: ${message}`,
    "INVALID_PARAMETER_VALUE",
    cause === undefined ? {} : { cause },
  );
}

/** Bad prediction input (shape, dtypes, options). */
export function inputError(message: string): MlflowException {
  return new MlflowException(message, "INVALID_PARAMETER_VALUE");
}

export { MlflowException };
