import type { PyFuncInput } from "@pyfunc/core";
import { rowsValidator, type StandardSchemaLike } from "@pyfunc/core/schema";
import { zodJsonSchema } from "./schema.js";

/** The part of @pyfunc/core's DataFrame the custom-class wrappers use, checked by shape (works across copies). */
export interface FrameLike {
  readonly numRows: number;
  readonly columns: string[];
  toRecords(): Record<string, unknown>[];
}

export function isFrameLike(value: unknown): value is FrameLike {
  const v = value as Partial<FrameLike> | null;
  return (
    typeof v === "object" &&
    v !== null &&
    typeof v.numRows === "number" &&
    Array.isArray(v.columns) &&
    typeof v.toRecords === "function"
  );
}

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
