import { describe, expect, it } from "vitest";
import { DataFrame } from "../inputs/dataframe.js";
import { Model } from "../mlmodel/model.js";
import { enforceSchema } from "../schema/enforce.js";
import { inferSignature } from "./infer.js";
import {
  convertDataFrameToExampleFormat,
  isExampleValidForTypeFromExample,
  isTypeFromExample,
  TypeFromExample,
  updateSignatureForTypeHintFromExample,
} from "./type-from-example.js";

describe("MLflow's TypeFromExample helpers", () => {
  it("accept lists and DataFrames as examples, nothing else (_is_example_valid_for_type_from_example)", () => {
    for (const ok of [["x"], [1, 2], [{ a: 1 }], DataFrame.fromRecords([{ a: 1 }])])
      expect(isExampleValidForTypeFromExample(ok)).toBe(true);
    for (const bad of ["abc", 123, null, { a: 1 }, { a: ["x", "y"] }])
      expect(isExampleValidForTypeFromExample(bad)).toBe(false);
    expect(isTypeFromExample(TypeFromExample)).toBe(true);
    expect(isTypeFromExample({})).toBe(false);
  });

  // MLflow's test_convert_dataframe_to_example_format: infer the schema, enforce it, convert back → the example
  it.each([
    [["x", "y", "z"]],
    [[1, 2, 3]],
    [[1.5, 2.5, 3.5]],
    [[true, false, true]],
    [[{ a: 1, b: 2 }]],
    [
      [
        { role: "user", content: "hello" },
        { role: "admin", content: "hi" },
      ],
    ],
  ])("gives the enforced DataFrame back in the example's form: %j", (example) => {
    const schema = inferSignature(example).inputs;
    if (!schema) throw new Error("no schema");
    const enforced = enforceSchema(example, schema);
    expect(enforced).toBeInstanceOf(DataFrame);
    expect(convertDataFrameToExampleFormat(enforced, example)).toEqual(example);
  });

  it("keeps a DataFrame for a DataFrame example, a record for a dict, a cell for a scalar", () => {
    const df = DataFrame.fromRecords([{ a: 1, b: "x" }]);
    expect(convertDataFrameToExampleFormat(df, DataFrame.fromRecords([{ a: 2, b: "y" }]))).toBe(df);
    expect(convertDataFrameToExampleFormat(df, { a: 0, b: "" })).toEqual({ a: 1, b: "x" });
    expect(convertDataFrameToExampleFormat(df, 7)).toBe(1);
    expect(convertDataFrameToExampleFormat(["not", "a", "frame"], ["x"])).toEqual(["not", "a", "frame"]);
  });

  it("marks the model for a list example and warns for anything else (update_signature_for_type_hint_from_example)", () => {
    const marked = new Model();
    expect(updateSignatureForTypeHintFromExample(["a"], marked, () => {})).toBe(true);
    expect(marked.typeHintFromExample).toBe(true);
    const warnings: string[] = [];
    const unmarked = new Model();
    expect(updateSignatureForTypeHintFromExample("abc", unmarked, (w) => warnings.push(w))).toBe(false);
    expect(unmarked.typeHintFromExample).toBeUndefined();
    expect(warnings).toEqual([expect.stringMatching(/must be one of DataFrame or list .* got string/)]);
  });
});
