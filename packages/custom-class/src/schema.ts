// Row schemas → MLflow signatures is core's (`@pyfunc/core/schema`, shared with @pyfunc/function); this file binds
// it to zod's own converter for zod versions without Standard JSON Schema (before 4.2).
import {
  colSpecsFromJsonSchema,
  jsonSchemaOf as coreJsonSchemaOf,
  schemaJsonFromStandardSchema as coreSchemaJson,
  isStandardSchema,
  type JsonSchemaFallback,
  type StandardSchemaLike,
  validateRows,
} from "@pyfunc/core/schema";
import { z } from "zod";

/** zod's `z.toJSONSchema` for zod schemas that do not implement Standard JSON Schema. */
export const zodJsonSchema: JsonSchemaFallback = (schema, io) =>
  schema["~standard"].vendor === "zod"
    ? (z.toJSONSchema(schema as unknown as z.ZodType, { io, unrepresentable: "any" }) as Record<
        string,
        unknown
      >)
    : undefined;

/** JSON Schema of a row schema (`input` or `output` side): core's `jsonSchemaOf` with the zod fallback. */
export function jsonSchemaOf(schema: StandardSchemaLike, io: "input" | "output"): Record<string, unknown> {
  return coreJsonSchemaOf(schema, io, zodJsonSchema);
}

/** The MLflow schema JSON string (as written in MLmodel) of a row schema, with the zod fallback. */
export function schemaJsonFromStandardSchema(schema: StandardSchemaLike, io: "input" | "output"): string {
  return coreSchemaJson(schema, io, zodJsonSchema);
}

export { colSpecsFromJsonSchema, isStandardSchema, type StandardSchemaLike, validateRows };
