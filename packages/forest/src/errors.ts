import { MlflowException } from "@pyfunc/core";

/** A tree ensemble that breaks the model form's rules (a converter bug or a corrupt model file). */
export function forestError(message: string): MlflowException {
  return new MlflowException(`Invalid tree ensemble: ${message}`, "INVALID_PARAMETER_VALUE");
}

/** Bad prediction input or options (shape, tree range). */
export function forestInputError(message: string): MlflowException {
  return new MlflowException(message, "INVALID_PARAMETER_VALUE");
}
