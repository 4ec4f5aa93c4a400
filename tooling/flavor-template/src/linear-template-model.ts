import { readFile, stat } from "node:fs/promises";
import { MlflowException, type Tensor } from "@pyfunc/core";

/**
 * The model format of this flavor: y = x · coef + intercept, stored as JSON. Replace this file with your format's
 * reader and predictor; keep its rules: a model file is untrusted bytes, so reading it is bounded in size and every
 * problem is an `MlflowException`, never a crash or another error type.
 */
export interface LinearTemplateModel {
  /** [features][outputs] */
  coef: number[][];
  /** [outputs], at least one */
  intercept: number[];
}

/** The largest model file read (bytes): a bound on what a model directory can make this process allocate. */
export const MAX_MODEL_BYTES = 64 * 1024 * 1024;

function invalidModel(message: string, cause?: unknown): MlflowException {
  return new MlflowException(
    `Invalid linear_template model: ${message}`,
    "INVALID_PARAMETER_VALUE",
    cause === undefined ? {} : { cause },
  );
}

const isFiniteNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/** Parse and validate the bytes of a model file. */
export function parseLinearTemplateModel(bytes: Uint8Array): LinearTemplateModel {
  if (bytes.length > MAX_MODEL_BYTES) {
    throw invalidModel(`the model file is ${bytes.length} bytes, more than the ${MAX_MODEL_BYTES} read`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (error) {
    throw invalidModel(`not UTF-8 JSON (${(error as Error).message})`, error);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw invalidModel("expected a JSON object {coef, intercept}");
  }
  const { coef, intercept } = parsed as Record<string, unknown>;
  if (!Array.isArray(intercept) || intercept.length === 0 || !intercept.every(isFiniteNumber)) {
    throw invalidModel("intercept must be a non-empty list of finite numbers");
  }
  const outputs = intercept.length;
  if (
    !Array.isArray(coef) ||
    !coef.every((row) => Array.isArray(row) && row.length === outputs && row.every(isFiniteNumber))
  ) {
    throw invalidModel(`coef must be a list of rows of ${outputs} finite number(s), one row per feature`);
  }
  return { coef: coef as number[][], intercept: intercept as number[] };
}

/** Read a model file; a missing or oversized file is an `MlflowException` too. */
export async function readLinearTemplateModel(file: string): Promise<LinearTemplateModel> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (error) {
    throw new MlflowException(
      `Cannot read the linear_template model file ${file}: ${(error as Error).message}`,
      "RESOURCE_DOES_NOT_EXIST",
      { cause: error },
    );
  }
  if (size > MAX_MODEL_BYTES)
    throw invalidModel(`${file} is ${size} bytes, more than the ${MAX_MODEL_BYTES} read`);
  return parseLinearTemplateModel(new Uint8Array(await readFile(file)));
}

/** Predict on a row-major [rows, features] float64 matrix; the result is a float64 [rows, outputs] tensor. */
export function predictLinearTemplate(
  model: LinearTemplateModel,
  x: Float64Array,
  rows: number,
): Tensor<"float64"> {
  const features = model.coef.length;
  const outputs = model.intercept.length;
  if (rows * features !== x.length) {
    throw MlflowException.invalidParameter(
      `Expected ${features} feature(s) per row, got ${rows === 0 ? x.length : x.length / rows}.`,
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
