// The seam between PyFuncModel and the signature/schema/example modules (owned by the schema engineer).
import { readInputExample } from "../example/input-example.js";
import { toDataFrame } from "../inputs/convert.js";
import { DataFrame } from "../inputs/dataframe.js";
import type { Params, PyFuncInput } from "../inputs/model-input.js";
import type { Model } from "../mlmodel/model.js";
import { enforceParams, enforceSchema } from "../schema/enforce.js";
import { coerceForServing } from "../schema/serving.js";

/**
 * MLflow `_validate_prediction_input`, data part: enforce the input schema unless the signature came from type
 * hints; a failure is INVALID_PARAMETER_VALUE "Failed to enforce schema of data ..." (errorClass
 * SCHEMA_ENFORCEMENT_FAILED), or a generic sentence when MLFLOW_DISABLE_SCHEMA_DETAILS is true.
 */
export function enforceInput(model: Model, input: PyFuncInput, warn: (m: string) => void): PyFuncInput {
  if (model.isSignatureFromTypeHint === true) return input;
  const schema = model.getInputSchema();
  if (schema === undefined) return input;
  return enforceSchema(input, schema, { wrap: true, warn });
}

/**
 * `predict(…, { lenient: true })`: cast the input to the signature's types as the scoring server's JSON path does
 * (`castDataFrameForServing` / `coerceForServing`), so plain JS numbers can feed `float` or `integer` columns.
 * Column signatures get a DataFrame first (records, dicts of columns …), as the server builds one from JSON.
 */
export function castLeniently(model: Model, input: PyFuncInput): PyFuncInput {
  const schema = model.getInputSchema();
  if (schema === undefined || model.isSignatureFromTypeHint === true) return input;
  if (schema.isTensorSpec()) return coerceForServing(input, schema);
  return coerceForServing(input instanceof DataFrame ? input : toDataFrame(input), schema);
}

/** Params part: enforce the params schema (params without a schema are dropped with a warning). */
export function enforceParamsFor(
  model: Model,
  params: Params | undefined,
  warn: (m: string) => void,
): Params {
  return enforceParams(params, model.getParamsSchema(), warn);
}

/** The saved input example in its original type (MLflow `_read_example`), cast to the input schema. */
export async function readSavedInputExample(
  modelDir: string,
  model: Model,
): Promise<PyFuncInput | undefined> {
  const info = model.savedInputExampleInfo;
  if (!info) return undefined;
  return readInputExample(modelDir, info, model.getInputSchema() ?? null);
}
