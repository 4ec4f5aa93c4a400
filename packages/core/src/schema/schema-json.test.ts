import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { MlflowException } from "../errors/mlflow-exception.js";
import { ModelSignature } from "../signature/signature.js";
import { PyFloat, pyFloatRepr, pyJsonDumps, pyRepr } from "./pyjson.js";
import {
  AnyType,
  ArrayType,
  ColSpec,
  MapType,
  ObjectType,
  ParamSchema,
  ParamSpec,
  Property,
  Schema,
  TensorSpec,
} from "./types.js";

const here = dirname(fileURLToPath(import.meta.url));
const real = JSON.parse(
  readFileSync(join(here, "../../fixtures/schema/real-signatures.json"), "utf8"),
) as Record<
  string,
  { signature: { inputs: string | null; outputs: string | null; params?: string | null } | null }
>;
const pyDumps = JSON.parse(
  readFileSync(join(here, "../../fixtures/schema/python-json-dumps.json"), "utf8"),
) as {
  floats: [number, string][];
  strings: [string, string][];
  nested: { value: unknown; dumps: string; indent2: string }[];
};

describe("MLflow signature JSON", () => {
  for (const [name, entry] of Object.entries(real)) {
    if (!entry.signature) continue;
    it(`round-trips the real signature of ${name} byte for byte`, () => {
      const sig = ModelSignature.fromDict(entry.signature!);
      expect(sig.toDict()).toEqual({
        inputs: entry.signature!.inputs,
        outputs: entry.signature!.outputs,
        params: entry.signature!.params ?? null,
      });
    });
  }

  it("writes ColSpec keys as type, name, required and omits name when unnamed", () => {
    expect(new Schema([new ColSpec("double", "x")]).toJson()).toBe(
      '[{"type": "double", "name": "x", "required": true}]',
    );
    expect(new Schema([new ColSpec("long")]).toJson()).toBe('[{"type": "long", "required": true}]');
  });

  it("reads the legacy optional: true as required: false and writes required", () => {
    const s = Schema.fromJson('[{"type": "string", "name": "a", "optional": true}]');
    expect((s.inputs[0] as ColSpec).required).toBe(false);
    expect(s.toJson()).toBe('[{"type": "string", "name": "a", "required": false}]');
  });

  it("writes Array, Object (properties sorted by name), Map and Any types as MLflow", () => {
    const obj = new ObjectType([new Property("b", "double"), new Property("a", "string", false)]);
    const s = new Schema([
      new ColSpec(new ArrayType("string"), "tags"),
      new ColSpec(obj, "o"),
      new ColSpec(new MapType(new ArrayType("long")), "m", false),
      new ColSpec(new AnyType(), "any"),
    ]);
    const json = s.toJson();
    expect(json).toBe(
      '[{"type": "array", "items": {"type": "string"}, "name": "tags", "required": true}, ' +
        '{"type": "object", "properties": {"a": {"type": "string", "required": false}, "b": {"type": "double", "required": true}}, "name": "o", "required": true}, ' +
        '{"type": "map", "values": {"type": "array", "items": {"type": "long"}}, "name": "m", "required": false}, ' +
        '{"type": "any", "name": "any", "required": true}]',
    );
    expect(Schema.fromJson(json).toJson()).toBe(json);
    expect(Schema.fromJson(json).equals(s)).toBe(true);
  });

  it("refuses an Object with empty properties", () => {
    expect(() => new ObjectType([])).toThrow("Creating Object with empty properties is not allowed.");
    expect(() => Schema.fromJson('[{"type": "object", "properties": {}, "name": "o"}]')).toThrow(
      MlflowException,
    );
  });

  it("writes TensorSpec with name first and keeps -1 dims", () => {
    const s = new Schema([new TensorSpec("float32", [-1, 28, 28], "img")]);
    expect(s.toJson()).toBe(
      '[{"name": "img", "type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 28, 28]}}]',
    );
    expect(new Schema([new TensorSpec("int64", [-1])]).toJson()).toBe(
      '[{"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}}]',
    );
  });

  it("refuses sized numpy string dtypes such as <U10", () => {
    expect(() => new TensorSpec("<U10", [-1])).toThrow('Use np.dtype("str") instead');
  });

  it("refuses an empty schema, mixed named/unnamed, mixed ColSpec/TensorSpec, several unnamed tensors, unnamed optional", () => {
    expect(() => new Schema([])).toThrow("Creating Schema with empty inputs is not allowed.");
    expect(() => new Schema([new ColSpec("double", "a"), new ColSpec("double")])).toThrow(
      "Creating Schema with a combination of named and unnamed inputs is not allowed. Got input names ['a', None]",
    );
    expect(() => new Schema([new ColSpec("double", "a"), new TensorSpec("float32", [-1], "b")])).toThrow(
      "is not supported",
    );
    expect(() => new Schema([new TensorSpec("float32", [-1]), new TensorSpec("float32", [-1])])).toThrow(
      "Creating Schema with multiple unnamed TensorSpecs is not supported.",
    );
    expect(() => new Schema([new ColSpec("double", null, false)])).toThrow(
      "Creating Schema with unnamed optional inputs is not supported.",
    );
  });

  it("uses the position for input names that are empty (x.name or i)", () => {
    const s = Schema.fromJson(
      '[{"type": "double", "name": "", "required": true}, {"type": "double", "name": "b", "required": true}]',
    );
    expect(s.inputNames()).toEqual([0, "b"]);
  });

  it("writes ParamSpec as name, default, shape, type (MLflow 3) and keeps the 2.x key order it read", () => {
    const ps = new ParamSchema([new ParamSpec("temperature", "double", 0.7), new ParamSpec("n", "long", 3)]);
    expect(ps.toJson()).toBe(
      '[{"name": "temperature", "default": 0.7, "shape": null, "type": "double"}, {"name": "n", "default": 3, "shape": null, "type": "long"}]',
    );
    const legacy = '[{"name": "shift", "type": "double", "default": 0.0, "shape": null}]';
    expect(ParamSchema.fromJson(legacy).toJson()).toBe(legacy);
  });

  it("writes float param defaults as Python floats (1.0) and 1-D defaults as lists", () => {
    const ps = new ParamSchema([
      new ParamSpec("m", "double", 1),
      new ParamSpec("ks", "float", [1, 2.5], [-1]),
    ]);
    expect(ps.toJson()).toBe(
      '[{"name": "m", "default": 1.0, "shape": null, "type": "double"}, {"name": "ks", "default": [1.0, 2.5], "shape": [-1], "type": "float"}]',
    );
  });

  it("accepts dtype instead of type in ParamSpec JSON", () => {
    const ps = ParamSchema.fromJson('[{"name": "k", "dtype": "long", "default": 5, "shape": null}]');
    expect(ps.params[0]!.dtype).toBe("long");
    expect(ps.params[0]!.default).toBe(5);
  });

  it("writes datetime param defaults as ISO strings", () => {
    const p = new ParamSpec("since", "datetime", "2024-01-02T03:04:05");
    expect(new ParamSchema([p]).toJson()).toBe(
      '[{"name": "since", "default": "2024-01-02T03:04:05", "shape": null, "type": "datetime"}]',
    );
  });

  it("refuses binary params, duplicate param names and invalid defaults", () => {
    expect(() => new ParamSpec("b", "binary", null)).toThrow("Binary type is not supported for parameters");
    expect(() => new ParamSchema([new ParamSpec("a", "long", 1), new ParamSpec("a", "long", 2)])).toThrow(
      "Duplicated parameters found in schema: ['a']",
    );
    expect(() => new ParamSpec("a", "long", "x")).toThrow(
      "Failed to validate type and shape for 'a': long (default: x), error: Can not safely convert `<class 'str'>` to `DataType.long` for value `x`",
    );
    expect(() => new ParamSpec("a", "long", [1, 2])).toThrow("Value must be a scalar");
  });

  it("writes an empty params schema as null and reads a signature without a params key", () => {
    const sig = ModelSignature.fromDict({
      inputs: '[{"type": "double", "name": "x", "required": true}]',
      outputs: null,
    });
    expect(sig.toDict()).toEqual({
      inputs: '[{"type": "double", "name": "x", "required": true}]',
      outputs: null,
      params: null,
    });
    expect(new ModelSignature(sig.inputs, null, new ParamSchema([])).toDict().params).toBeNull();
  });

  it("refuses unknown DataType names with MLflow's message", () => {
    expect(() => Schema.fromJson('[{"type": "decimal", "name": "x"}]')).toThrow(
      "Unsupported type 'decimal', expected instance of DataType or one of ['boolean', 'integer', 'long', 'float', 'double', 'string', 'binary', 'datetime']",
    );
  });
});

describe("Python json.dumps / repr compatibility", () => {
  it("formats floats exactly as Python's repr", () => {
    for (const [x, py] of pyDumps.floats) expect(pyFloatRepr(x)).toBe(py);
  });
  it("escapes strings as Python's json.dumps with ensure_ascii", () => {
    for (const [s, py] of pyDumps.strings) expect(pyJsonDumps(s)).toBe(py);
  });
  it("writes nested values with Python's separators, with and without indent", () => {
    for (const c of pyDumps.nested) {
      expect(pyJsonDumps(c.value)).toBe(c.dumps);
      expect(pyJsonDumps(c.value, { indent: 2 })).toBe(c.indent2);
    }
  });
  it("writes PyFloat as a float and NaN/Infinity as Python's tokens", () => {
    expect(pyJsonDumps([new PyFloat(2), Number.NaN, Number.POSITIVE_INFINITY, -0])).toBe(
      "[2.0, NaN, Infinity, 0]",
    );
  });
  it("prints repr of strings with Python's quote choice", () => {
    expect(pyRepr(["a", "it's", 'say "x"'])).toBe(`['a', "it's", 'say "x"']`);
  });
});
