import { describe, expect, it } from "vitest";
import { ColSpec, Schema, TensorSpec } from "../schema/types.js";
import { describeSchemaView, signatureSpecs } from "./schema-view.js";

const COLS =
  '[{"type": "double", "name": "x", "required": true}, {"type": "string", "name": "s", "required": false}]';
const TENSORS = '[{"type": "tensor", "name": "img", "tensor-spec": {"dtype": "float32", "shape": [-1, 4]}}]';

describe("the one signature view, for describing a model", () => {
  it("gives the same plain specs from the MLmodel's JSON text, the parsed list and a Schema object", () => {
    const fromText = signatureSpecs(COLS);
    expect(fromText).toEqual(JSON.parse(COLS));
    expect(signatureSpecs(JSON.parse(COLS))).toEqual(fromText);
    const schema = new Schema([new ColSpec("double", "x"), new ColSpec("string", "s", false)]);
    expect(signatureSpecs(schema)).toEqual(fromText);
  });

  it("reports named tensor signatures (what tfjs and v2 metadata need)", () => {
    const view = describeSchemaView(TENSORS);
    expect(view).toMatchObject({ isTensor: true, hasNames: true, names: ["img"] });
    const fromObject = describeSchemaView(new Schema([new TensorSpec("float32", [-1, 4], "img")]));
    expect(fromObject?.names).toEqual(["img"]);
    expect(describeSchemaView(COLS)?.isTensor).toBe(false);
  });

  it("describes a damaged or absent block as no schema instead of throwing", () => {
    for (const bad of ["not json", "{", '{"a": 1}', "3", null, undefined]) {
      expect(signatureSpecs(bad)).toBeUndefined();
      expect(describeSchemaView(bad)).toBeUndefined();
    }
    expect(signatureSpecs("[]")).toEqual([]);
    expect(describeSchemaView("[]")).toBeUndefined();
  });
});
