import type { PyFuncInput } from "@pyfunc/core";
import { rowsValidator, type StandardSchemaLike } from "@pyfunc/core/schema";

/** A model's `predictStream` result (an iterable or async iterable) as the async iterable core streams. */
export async function* toAsync(it: AsyncIterable<unknown> | Iterable<unknown>): AsyncIterable<unknown> {
  yield* it as AsyncIterable<unknown>;
}

/**
 * core input → what the model function receives: unchanged, or, when it declares an input row schema, the rows
 * parsed by that schema (core's `rowsValidator`, as custom-class does for `static inputSchema`).
 */
export function modelInputConverter(
  inputSchema: StandardSchemaLike | undefined,
): (input: PyFuncInput) => Promise<unknown> {
  if (!inputSchema) return async (input) => input;
  return rowsValidator(inputSchema);
}
