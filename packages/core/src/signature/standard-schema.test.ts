import { describe, expect, it } from "vitest";
import { MlflowException } from "../errors/mlflow-exception.js";
import { DataFrame } from "../inputs/dataframe.js";
import { rowsValidator, type StandardSchemaLike, signatureFromRowSchemas } from "./standard-schema.js";

// A hand-written Standard Schema v1 validator with Standard JSON Schema, as valibot or arktype provide: rows of
// `{ x: number, tag?: string }`, x must be ≥ 0.
const row: StandardSchemaLike = {
  "~standard": {
    version: 1,
    vendor: "handwritten",
    validate(value: unknown) {
      const v = value as { x?: unknown; tag?: unknown };
      if (typeof v?.x !== "number") return { issues: [{ message: "x must be a number", path: ["x"] }] };
      if (v.x < 0) return { issues: [{ message: "x must be >= 0", path: ["x"] }] };
      return { value: { x: v.x, tag: typeof v.tag === "string" ? v.tag : "none" } };
    },
    jsonSchema: {
      input: () => ({
        type: "object",
        properties: { x: { type: "number" }, tag: { type: "string" } },
        required: ["x"],
      }),
      output: () => ({ type: "object", properties: { x: { type: "number" } }, required: ["x"] }),
    },
  },
};

describe("row schemas from any Standard JSON Schema validator", () => {
  it("gives MLflow's column signature for the input and output row schemas", () => {
    expect(signatureFromRowSchemas({ input: row, output: row })).toEqual({
      inputs:
        '[{"type": "double", "name": "x", "required": true}, {"type": "string", "name": "tag", "required": false}]',
      outputs: '[{"type": "double", "name": "x", "required": true}]',
      params: null,
    });
    expect(signatureFromRowSchemas({ input: row }).outputs).toBeNull();
  });

  it("turns a DataFrame or records into parsed rows and names each failing row", async () => {
    const toRows = rowsValidator(row);
    expect(await toRows(DataFrame.fromRecords([{ x: 1 }, { x: 2, tag: "b" }]))).toEqual([
      { x: 1, tag: "none" },
      { x: 2, tag: "b" },
    ]);
    expect(await toRows({ x: [3] })).toEqual([{ x: 3, tag: "none" }]);
    const error = await toRows([{ x: 1 }, { x: -1 }, { y: 0 }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MlflowException);
    expect((error as MlflowException).message).toMatch(
      /row 1: x: x must be >= 0; row 2: x: x must be a number/,
    );
  });

  it("refuses a validator without Standard JSON Schema unless a fallback converts it", () => {
    const { jsonSchema: _drop, ...std } = row["~standard"];
    const bare: StandardSchemaLike = { "~standard": std };
    expect(() => signatureFromRowSchemas({ input: bare })).toThrow(/does not implement Standard JSON Schema/);
    expect(signatureFromRowSchemas({ input: bare }, () => ({ type: "integer" })).inputs).toBe(
      '[{"type": "long", "required": true}]',
    );
  });
});
