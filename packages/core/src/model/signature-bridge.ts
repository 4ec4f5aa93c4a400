// The seam between PyFuncModel and the signature/schema/example modules (owned by the schema engineer).
import { readInputExample } from "../example/input-example.js";
import { toDataFrame } from "../inputs/convert.js";
import { DataFrame } from "../inputs/dataframe.js";
import type { Params, PyFuncInput } from "../inputs/model-input.js";
import { isTensor, type Tensor, type TensorDict } from "../inputs/tensor.js";
import type { Model } from "../mlmodel/model.js";
import { enforceParams, enforceSchema, isPlainDict } from "../schema/enforce.js";
import { coerceForServing } from "../schema/serving.js";
import { type Schema, TensorSpec } from "../schema/types.js";

/**
 * A tensor schema's verdict on an input it accepts unchanged, computed from the input's structure alone (which
 * tensors, their dtypes and shapes): the input the model receives, or undefined when the full enforcement must
 * run (it then accepts, converts, warns or throws MLflow's error exactly as before).
 */
type TensorVerdict = (input: PyFuncInput) => PyFuncInput | undefined;

/** A spec whose dtype the full check compares verbatim (`<U…`/`|S…` dtypes are renamed before comparing). */
const plainDType = (spec: TensorSpec): boolean =>
  typeof spec.type === "string" && !spec.type.startsWith("<U") && !spec.type.startsWith("|S");

/**
 * True when `enforceTensorSpec(t, spec)` passes `t` through: the same dtype and rank, every fixed dimension
 * equal. Structural only: a tensor's elements are never read (they are typed by its dtype), so the answer is the
 * same for every tensor of that dtype and shape.
 */
function structureMatches(t: Tensor, spec: TensorSpec): boolean {
  if (t.dtype !== spec.type) return false;
  const expected = spec.shape;
  const actual = t.shape;
  if (actual.length !== expected.length) return false;
  for (let i = 0; i < expected.length; i++) {
    const d = expected[i]!;
    if (d !== -1 && d !== actual[i]) return false;
  }
  return true;
}

/** The verdict function of a tensor schema, built once per parsed schema (null: no fast verdict applies). */
function compileTensorVerdict(schema: Schema): TensorVerdict | null {
  if (!schema.isTensorSpec()) return null;
  const specs = schema.inputs as TensorSpec[];
  if (!specs.every((s) => s instanceof TensorSpec && plainDType(s))) return null;
  if (!schema.hasInputNames()) {
    const spec = specs[0]!;
    return (input) => (isTensor(input) && structureMatches(input, spec) ? input : undefined);
  }
  const names = specs.map((s) => s.name);
  if (names.some((n) => typeof n !== "string" || n === "") || new Set(names).size !== names.length)
    return null;
  const single = specs.length === 1 ? specs[0]! : null;
  return (input) => {
    if (single !== null && isTensor(input)) {
      return structureMatches(input, single) ? { [names[0] as string]: input } : undefined;
    }
    if (!isPlainDict(input)) return undefined;
    // exactly the spec's names: an extra input takes the full path, which warns about it
    if (Object.keys(input).length !== names.length) return undefined;
    const out: TensorDict = {};
    for (let i = 0; i < specs.length; i++) {
      const name = names[i] as string;
      const v = input[name];
      if (!isTensor(v) || !structureMatches(v, specs[i]!)) return undefined;
      out[name] = v;
    }
    return out;
  };
}

const verdicts = new WeakMap<Schema, TensorVerdict | null>();

function tensorVerdictFor(schema: Schema): TensorVerdict | null {
  let v = verdicts.get(schema);
  if (v === undefined) {
    v = compileTensorVerdict(schema);
    verdicts.set(schema, v);
  }
  return v;
}

/**
 * MLflow `_validate_prediction_input`, data part: enforce the input schema unless the signature came from type
 * hints; a failure is INVALID_PARAMETER_VALUE "Failed to enforce schema of data ..." (errorClass
 * SCHEMA_ENFORCEMENT_FAILED), or a generic sentence when MLFLOW_DISABLE_SCHEMA_DETAILS is true.
 */
export function enforceInput(model: Model, input: PyFuncInput, warn: (m: string) => void): PyFuncInput {
  if (model.isSignatureFromTypeHint === true) return input;
  const schema = model.getInputSchema();
  if (schema === undefined) return input;
  // A tensor input whose structure the schema accepts as it is skips the general path; anything else (another
  // dtype or shape, a DataFrame, whose cells are checked one by one, a sparse matrix …) is enforced in full.
  const fast = tensorVerdictFor(schema)?.(input);
  if (fast !== undefined) return fast;
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
