import { DataFrame, type PyFuncInput, type Tensor, toDataFrame } from "@pyfunc/core";
import { inputError } from "./errors.js";
import type { Data, Dense, Frame } from "./matrix.js";
import type { NdArray } from "./ndarray.js";

function isTensorLike(v: unknown): v is Tensor {
  return (
    typeof v === "object" &&
    v !== null &&
    typeof (v as Tensor).dtype === "string" &&
    Array.isArray((v as Tensor).shape) &&
    (ArrayBuffer.isView((v as Tensor).data) || Array.isArray((v as Tensor).data))
  );
}

/** Core's inference input as the estimators take it: a DataFrame stays a frame; a numeric 2-D tensor is X. */
export function toSklearnInput(input: PyFuncInput): Data {
  if (isTensorLike(input) && input.dtype !== "object" && input.dtype !== "str" && input.dtype !== "bytes") {
    const shape = input.shape;
    if (shape.length !== 2 && shape.length !== 1)
      throw inputError(`Expected 2D array, got a ${shape.length}-D tensor of shape (${shape.join(", ")})`);
    if (shape.length === 1)
      throw inputError("Expected 2D array, got 1D array instead: reshape your data (-1, 1) or (1, -1).");
    const data =
      input.data instanceof Float64Array
        ? input.data
        : Float64Array.from(input.data as ArrayLike<number | bigint>, Number);
    return { kind: "dense", rows: shape[0]!, cols: shape[1]!, data } satisfies Dense;
  }
  const df = input instanceof DataFrame ? input : toDataFrame(input);
  return {
    kind: "frame",
    rows: df.numRows,
    names: df.columns,
    columns: df.columnList.map((c) => ({ dtype: c.dtype, values: c.values })),
  } satisfies Frame;
}

/** An estimator output as the Tensor MLflow's pyfunc returns (the numpy array the method returned). */
export function toTensor(a: NdArray): Tensor {
  const dtype = a.dtype === "str" || a.dtype === "object" ? a.dtype : a.dtype;
  return { dtype: dtype as Tensor["dtype"], shape: a.shape.slice(), data: a.data as Tensor["data"] };
}

export function denseToTensor(m: Dense): Tensor {
  return { dtype: "float64", shape: [m.rows, m.cols], data: m.data };
}
