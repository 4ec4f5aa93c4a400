import type { PyFuncInput } from "@pyfunc/core";
import { isFrameLike, rowsValidator, type StandardSchemaLike } from "@pyfunc/core/schema";

import { zodJsonSchema } from "./schema.js";

/**
 * core input → what a model class's `predict` receives: unchanged, or, with a declared `static inputSchema`, the
 * rows parsed by that schema (core's `rowsValidator`).
 */
export function modelInputConverter(
  inputSchema: StandardSchemaLike | undefined,
): (input: PyFuncInput) => Promise<unknown> {
  if (!inputSchema) return async (input) => input;
  return rowsValidator(inputSchema, zodJsonSchema);
}
