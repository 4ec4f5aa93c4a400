// MLflow's `TypeFromExample` type hint (mlflow.types.type_hints): the model declares no schema of its own; the
// signature is inferred from the input example, and at predict time the input (a DataFrame after schema
// enforcement) is turned back into the example's form before the model sees it.
import { readInputExample } from "../example/input-example.js";
import { DataFrame } from "../inputs/dataframe.js";
import type { PyFuncInput } from "../inputs/model-input.js";
import type { Model } from "../mlmodel/model.js";
import { isFrameLike } from "./standard-schema.js";

const MARK = Symbol.for("@pyfunc/core.TypeFromExample");

/**
 * The marker a model declares as its input type (custom-class `static inputSchema`, a function's `inputSchema`).
 * Recognised by a registered symbol, so model code that imports another copy of core is understood too.
 */
export const TypeFromExample: { readonly [MARK]: true } = Object.freeze({ [MARK]: true as const });

/** MLflow `_is_type_hint_from_example`. */
export function isTypeFromExample(value: unknown): boolean {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[MARK] === true;
}

/** MLflow `_is_example_valid_for_type_from_example`: a list or a DataFrame (pandas DataFrame / Series). */
export function isExampleValidForTypeFromExample(example: unknown): boolean {
  return Array.isArray(example) || example instanceof DataFrame || isFrameLike(example);
}

/** MLflow's warning when a model with the TypeFromExample type hint is saved without an input example. */
export const TYPE_FROM_EXAMPLE_ERROR_MESSAGE =
  "Input example must be provided when using TypeFromExample as type hint. Fix by passing `inputExample` when " +
  "saving or logging the model.";

/**
 * MLflow `update_signature_for_type_hint_from_example(input_example, signature)`: when a model's input type is
 * TypeFromExample and its signature came from the input example, mark the model so that predict converts the
 * enforced input back to the example's form (MLmodel `type_hint_from_example: true`). An example that is not a
 * list or a DataFrame leaves the model unmarked, with MLflow's warning. Returns whether the model was marked.
 */
export function updateSignatureForTypeHintFromExample(
  inputExample: unknown,
  model: Model,
  warn: (message: string) => void = (m) => process.emitWarning(m, "PyfuncWarning"),
): boolean {
  if (isExampleValidForTypeFromExample(inputExample)) {
    model.typeHintFromExample = true;
    return true;
  }
  const kind = inputExample === null ? "null" : Array.isArray(inputExample) ? "list" : typeof inputExample;
  warn(
    `Input example must be one of DataFrame or list when using TypeFromExample as type hint, got ${kind}. ` +
      "Check https://mlflow.org/docs/latest/model/python_model.html#typefromexample-type-hint-usage for more details.",
  );
  return false;
}

const isScalar = (v: unknown): boolean =>
  v === null || ["string", "number", "boolean", "bigint"].includes(typeof v) || v instanceof Date;

/**
 * MLflow `_convert_dataframe_to_example_format(data, input_example)`: a DataFrame produced by schema enforcement,
 * back in the form of the input example: a DataFrame stays one, a scalar example gives the first cell, a dict the
 * single record, a list of scalars the first column's values, any other list the records. Other data is unchanged.
 */
export function convertDataFrameToExampleFormat(data: PyFuncInput, inputExample: unknown): PyFuncInput {
  if (!isFrameLike(data)) return data;
  if (isFrameLike(inputExample)) return data;
  if (isScalar(inputExample)) {
    const first = data.columns[0];
    return first === undefined || data.numRows === 0 ? null : (data.toRecords()[0]?.[first] as PyFuncInput);
  }
  if (Array.isArray(inputExample)) {
    if (data.columns.length === 1 && inputExample.every(isScalar)) {
      const name = data.columns[0] as string;
      return data.toRecords().map((r) => r[name]);
    }
    return data.toRecords();
  }
  if (typeof inputExample === "object" && inputExample !== null && data.numRows === 1) {
    return data.toRecords()[0] as PyFuncInput;
  }
  return data;
}

/**
 * For a model saved with `type_hint_from_example: true`: read its saved input example once and return the
 * conversion predict applies to the enforced input (MLflow's PyFuncModel.predict does it before calling the model);
 * undefined when the model is not marked or has no saved example.
 */
export async function typeFromExampleInputConverter(
  modelDir: string,
  model: Model,
): Promise<((input: PyFuncInput) => PyFuncInput) | undefined> {
  if (model.typeHintFromExample !== true || !model.savedInputExampleInfo) return undefined;
  const example = await readInputExample(modelDir, model.savedInputExampleInfo, null);
  return (input) => convertDataFrameToExampleFormat(input, example);
}
