// PLACEHOLDER owned by the schema helper: replaced by MLflow's enforcement rules.
import type { Params, PyFuncInput } from "../inputs/model-input.js";

export interface SchemaLike {
  readonly kind?: string;
}

/** Enforce an input schema on data (MLflow `_enforce_schema`). */
export function enforceSchema(input: PyFuncInput, _schema: SchemaLike): PyFuncInput {
  return input;
}

/** Enforce a params schema (MLflow `_enforce_params_schema`). */
export function enforceParams(
  params: Params | undefined,
  _schema: SchemaLike | undefined,
  _warn: (message: string) => void,
): Params {
  return params ?? {};
}
