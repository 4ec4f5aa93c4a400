import { readFile } from "node:fs/promises";
import { MlflowException, type Tensor } from "@pyfunc/core";

/** y = x · coef + intercept, with coef of shape [features, outputs]. */
export interface LinearModel {
  coef: number[][];
  intercept: number[];
}

/** Parse and validate a model file; bad files are an MlflowException, never a crash. */
export async function readLinearModel(path: string): Promise<LinearModel> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    throw new MlflowException(
      `Cannot read linear model ${path}: ${(error as Error).message}`,
      "INVALID_STATE",
    );
  }
  const m = parsed as Partial<LinearModel>;
  const outputs = m.intercept?.length ?? 0;
  const ok =
    Array.isArray(m.coef) &&
    Array.isArray(m.intercept) &&
    m.intercept.every(Number.isFinite) &&
    m.coef.every((row) => Array.isArray(row) && row.length === outputs && row.every(Number.isFinite));
  if (!ok)
    throw new MlflowException(
      `${path} is not a linear model ({coef: number[][], intercept: number[]}).`,
      "INVALID_STATE",
    );
  return m as LinearModel;
}

/** Predict on a row-major [rows, features] float64 matrix. */
export function predictLinear(model: LinearModel, x: Float64Array, rows: number): Tensor<"float64"> {
  const features = model.coef.length;
  const outputs = model.intercept.length;
  if (rows * features !== x.length) {
    throw MlflowException.invalidParameter(
      `Expected ${features} features per row, got ${x.length / Math.max(rows, 1)}.`,
    );
  }
  const out = new Float64Array(rows * outputs);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outputs; o++) {
      let acc = model.intercept[o]!;
      for (let f = 0; f < features; f++) acc += x[r * features + f]! * model.coef[f]![o]!;
      out[r * outputs + o] = acc;
    }
  }
  return { dtype: "float64", shape: [rows, outputs], data: out };
}
