import { isTensor, MlflowException, type PyFuncInput, type Tensor, toDataFrame } from "@pyfunc/core";
import { castTensor, dataFrameToTensor, isNumericDType } from "@pyfunc/core/inputs";

/** A row-major float64 matrix, what the predictor reads. */
export interface FeatureMatrix {
  data: Float64Array;
  rows: number;
  features: number;
}

/**
 * Any input MLflow's pyfunc accepts (DataFrame, records, dict of columns, Arrow table, 2-D tensor) → the
 * predictor's float64 [rows, features] matrix. The generic conversions are core's (`toDataFrame`,
 * `dataFrameToTensor`, `castTensor`); only what this runtime needs on top of them belongs here.
 */
export function toFeatureMatrix(input: PyFuncInput): FeatureMatrix {
  let tensor: Tensor;
  if (isTensor(input)) {
    if (input.shape.length !== 2) {
      throw MlflowException.invalidParameter(
        `Expected a 2-D [rows, features] tensor, got shape [${input.shape.join(", ")}].`,
      );
    }
    tensor = input;
  } else {
    const frame = toDataFrame(input);
    const bad = frame.columnList.find((c) => !isNumericDType(c.dtype));
    if (bad !== undefined) {
      throw MlflowException.invalidParameter(
        `Column '${bad.name}' has dtype ${bad.dtype}; this flavor predicts on numeric columns only.`,
      );
    }
    tensor = dataFrameToTensor(frame, "float64");
  }
  if (!isNumericDType(tensor.dtype)) {
    throw MlflowException.invalidParameter(
      `Expected a numeric tensor, got dtype ${tensor.dtype}; this flavor predicts on numbers only.`,
    );
  }
  const t = castTensor(tensor, "float64");
  return { data: t.data as Float64Array, rows: t.shape[0]!, features: t.shape[1]! };
}
