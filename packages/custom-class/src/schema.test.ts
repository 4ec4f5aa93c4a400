import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  colSpecsFromJsonSchema,
  jsonSchemaOf,
  schemaJsonFromStandardSchema,
  validateRows,
} from "./schema.js";

const specs = (schema: z.ZodType) => colSpecsFromJsonSchema(jsonSchemaOf(schema, "input"));

describe("zod row schema → MLflow ColSpecs", () => {
  it("maps scalar fields, int widths, optional and nullable fields", () => {
    expect(
      specs(
        z.object({
          d: z.number(),
          i: z.int32(),
          l: z.int(),
          s: z.string(),
          b: z.boolean(),
          t: z.iso.datetime(),
          o: z.string().optional(),
          n: z.number().nullable(),
        }),
      ),
    ).toEqual([
      { type: "double", name: "d", required: true },
      { type: "integer", name: "i", required: true },
      { type: "long", name: "l", required: true },
      { type: "string", name: "s", required: true },
      { type: "boolean", name: "b", required: true },
      { type: "datetime", name: "t", required: true },
      { type: "string", name: "o", required: false },
      { type: "double", name: "n", required: false },
    ]);
  });

  it("maps arrays, nested objects (properties sorted), records as maps, and unknown as any", () => {
    expect(
      specs(
        z.object({
          tags: z.array(z.string()),
          point: z.object({ y: z.number(), x: z.number().optional() }),
          weights: z.record(z.string(), z.number()),
          blob: z.unknown(),
        }),
      ),
    ).toEqual([
      { type: "array", items: { type: "string" }, name: "tags", required: true },
      {
        type: "object",
        properties: { x: { type: "double", required: false }, y: { type: "double", required: true } },
        name: "point",
        required: true,
      },
      { type: "map", values: { type: "double" }, name: "weights", required: true },
      { type: "any", name: "blob", required: true },
    ]);
  });

  it("a non-object row schema is one unnamed required column, written with MLflow's separators", () => {
    expect(schemaJsonFromStandardSchema(z.string(), "input")).toBe('[{"type": "string", "required": true}]');
  });

  it("validates rows and returns the parsed values (defaults applied)", async () => {
    const schema = z.object({ a: z.number(), b: z.string().default("x") });
    expect(await validateRows(schema, [{ a: 1 }, { a: 2, b: "y" }])).toEqual([
      { a: 1, b: "x" },
      { a: 2, b: "y" },
    ]);
    await expect(validateRows(schema, [{ a: 1 }, { a: "no" }])).rejects.toThrow(/row 1: a: /);
  });
});
