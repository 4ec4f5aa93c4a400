import { MlflowException } from "@pyfunc/core";

/** A class the package does not implement: never a wrong answer, always this error. */
export function unsupportedEstimator(cls: string, where?: string): MlflowException {
  return new MlflowException(
    `scikit-learn class '${cls}'${where ? ` (${where})` : ""} is not supported by @pyfunc/sklearn. ` +
      "Convert the model to ONNX with skl2onnx (`skl2onnx.to_onnx(model, X[:1])`) and save it with mlflow.onnx.",
    "NOT_IMPLEMENTED",
    { errorClass: "UNSUPPORTED_ESTIMATOR" },
  );
}

/** A pickled state that does not have the layout scikit-learn 1.2 writes. */
export function badState(cls: string, message: string): MlflowException {
  return new MlflowException(
    `The pickled ${cls.startsWith("'") ? cls : `'${cls}'`} does not have the scikit-learn 1.2 layout @pyfunc/sklearn reads: ${message}`,
    "INVALID_PARAMETER_VALUE",
    { errorClass: "UNSUPPORTED_PICKLE_LAYOUT" },
  );
}

/** Bad prediction input, worded as scikit-learn's ValueError. */
export function inputError(message: string): MlflowException {
  return MlflowException.invalidParameter(message);
}
