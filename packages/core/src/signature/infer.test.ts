import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { tableFromArrays } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { MlflowException } from "../errors/mlflow-exception.js";
import { DataFrame } from "../inputs/dataframe.js";
import { inferParamSchema, inferSchema, inferSignature } from "./infer.js";

const here = dirname(fileURLToPath(import.meta.url));
const real = JSON.parse(
  readFileSync(join(here, "../../fixtures/schema/real-signatures.json"), "utf8"),
) as Record<string, { signature: { inputs: string; outputs: string; params: string | null } }>;

describe("inferSignature (MLflow infer_signature / _infer_schema)", () => {
  it("infers the signature MLflow 3 inferred for pyfunc-function-nosig (int64 a, float64 b; float outputs)", () => {
    const df = DataFrame.fromColumns({
      a: new BigInt64Array([1n, 2n, 3n]),
      b: new Float64Array([0.5, -1, 10]),
    });
    const sig = inferSignature(df, [0.5, -2.5, 30.25]);
    expect(sig.toDict()).toEqual(real["mlflow-3.5.2.dev0/pyfunc-function-nosig"]!.signature);
  });
  it("infers float32 columns as float and a float32 tensor output with -1 first dim", () => {
    const df = DataFrame.fromColumns({ "sepal length (cm)": new Float32Array([1]) });
    const out = { dtype: "float32" as const, shape: [1, 3], data: new Float32Array(3) };
    expect(inferSignature(df, out).toDict()).toEqual({
      inputs: '[{"type": "float", "name": "sepal length (cm)", "required": true}]',
      outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 3]}}]',
      params: null,
    });
  });
  it("infers a named tensor signature from a dict of tensors", () => {
    const s = inferSchema({ features: { dtype: "float32", shape: [4, 4], data: new Float32Array(16) } });
    expect(s.toJson()).toBe(
      '[{"name": "features", "type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 4]}}]',
    );
  });
  it("marks columns with missing values as not required", () => {
    const s = inferSchema(DataFrame.fromColumns({ x: [1.5, null], s: ["a", null] }));
    expect(s.toJson()).toBe(
      '[{"type": "double", "name": "x", "required": false}, {"type": "string", "name": "s", "required": false}]',
    );
  });
  it("infers records with Array and Object columns, merging object properties", () => {
    const s = inferSchema([
      { text: "a", ids: ["x"], meta: { k: "v" } },
      { text: "b", ids: ["y", "z"], meta: { k: "v", k2: "w" } },
    ]);
    expect(s.toJson()).toBe(
      '[{"type": "string", "name": "text", "required": true}, {"type": "array", "items": {"type": "string"}, "name": "ids", "required": true}, ' +
        '{"type": "object", "properties": {"k": {"type": "string", "required": true}, "k2": {"type": "string", "required": false}}, "name": "meta", "required": true}]',
    );
  });
  it("infers an empty list as one string column and a list of scalars as one unnamed column", () => {
    expect(inferSchema([]).toJson()).toBe('[{"type": "string", "required": true}]');
    expect(inferSchema(["a", "b"]).toJson()).toBe('[{"type": "string", "required": true}]');
    expect(inferSchema("hi").toJson()).toBe('[{"type": "string", "required": true}]');
  });
  it("refuses lists mixing types with MLflow's message", () => {
    expect(() => inferSchema(["a", 1])).toThrow("Expected all values in the list to be of the same type.");
  });
  it("infers an Arrow Table like a DataFrame", () => {
    const s = inferSchema(tableFromArrays({ a: new Int32Array([1]), b: new Float64Array([1]) }));
    expect(s.toJson()).toBe(
      '[{"type": "integer", "name": "a", "required": true}, {"type": "double", "name": "b", "required": true}]',
    );
  });
  it("infers sparse matrices as tensors", () => {
    const s = inferSchema({
      format: "csr",
      shape: [3, 5],
      indptr: [0, 0, 0, 0],
      indices: [],
      values: new Float64Array(0),
    });
    expect(s.toJson()).toBe('[{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1, 5]}}]');
  });
  it("infers params: scalars, 1-D lists, datetimes and objects", () => {
    const ps = inferParamSchema({ t: 0.5, n: 3, s: "x", b: true, ks: [1, 2], cfg: { a: "b" } });
    expect(ps.toJson()).toBe(
      '[{"name": "t", "default": 0.5, "shape": null, "type": "double"}, {"name": "n", "default": 3, "shape": null, "type": "long"}, ' +
        '{"name": "s", "default": "x", "shape": null, "type": "string"}, {"name": "b", "default": true, "shape": null, "type": "boolean"}, ' +
        '{"name": "ks", "default": [1, 2], "shape": [-1], "type": "long"}, {"name": "cfg", "default": {"a": "b"}, "shape": null, "type": "object", "properties": {"a": {"type": "string", "required": true}}}]',
    );
    expect(() => inferParamSchema({ bad: [[1]] })).toThrow(MlflowException);
  });
  it("leaves a side null and warns when its inference fails", () => {
    const warnings: string[] = [];
    const sig = inferSignature(["a", 1], undefined, undefined, { warn: (m) => warnings.push(m) });
    expect(sig.inputs).toBeNull();
    expect(warnings[0]).toContain("Expected all values in the list to be of the same type.");
  });
  it("warns about integer columns as MLflow", () => {
    const warnings: string[] = [];
    inferSignature(DataFrame.fromColumns({ a: new BigInt64Array([1n]) }), undefined, undefined, {
      warn: (m) => warnings.push(m),
    });
    expect(warnings[0]).toMatch(/^Hint: Inferred schema contains integer column\(s\)\./);
  });
});
