// The structural fast path of signature enforcement for tensor inputs (signature-bridge.ts): an input it accepts
// must be exactly what the full enforcement returns, and no input the full enforcement refuses may get through,
// however many matching calls came before.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MlflowException } from "../errors/mlflow-exception.js";
import { FlavorRegistry } from "../flavor/registry.js";
import { DataFrame } from "../inputs/dataframe.js";
import type { PyFuncInput } from "../inputs/model-input.js";
import type { Tensor } from "../inputs/tensor.js";
import { Model } from "../mlmodel/model.js";
import { enforceSchema } from "../schema/enforce.js";
import { ColSpec, Schema, TensorSpec } from "../schema/types.js";
import { ModelSignature } from "../signature/signature.js";
import { makeScalePlugin, saveScaleModel } from "../testing/__tests__/test-flavor.js";
import { loadModel } from "./load-model.js";
import type { PyFuncModel } from "./pyfunc-model.js";
import { enforceInput } from "./signature-bridge.js";

type Outcome = { ok: PyFuncInput } | { error: string };

function outcome(fn: () => PyFuncInput): Outcome {
  try {
    return { ok: fn() };
  } catch (e) {
    expect(e).toBeInstanceOf(MlflowException);
    return { error: `${(e as MlflowException).errorCode}: ${(e as Error).message}` };
  }
}

const modelWith = (schema: Schema): Model => new Model().setSignature(new ModelSignature(schema));

function tensor(dtype: string, shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data =
    dtype === "float32"
      ? new Float32Array(n).fill(0.5)
      : dtype === "float64"
        ? new Float64Array(n).fill(0.5)
        : dtype === "int32"
          ? new Int32Array(n).fill(3)
          : dtype === "int64"
            ? new BigInt64Array(n).fill(3n)
            : dtype === "bool"
              ? new Uint8Array(n).fill(1)
              : Array.from({ length: n }, () => "a");
  return { dtype, shape, data } as Tensor;
}

const DTYPES = ["float32", "float64", "int32", "int64", "bool", "str", "object"];
const SHAPES = [[2, 3], [2, 4], [3], [1, 2, 3], [0, 3], [2, 1], [3, 3]];
const SPECS: Array<[string, number[]]> = [
  ["float32", [-1, 3]],
  ["float64", [-1, -1]],
  ["int64", [-1]],
  ["int32", [2, 3]],
  ["object", [-1]],
  ["object", [-1, 3]],
  ["str", [-1, 3]],
  ["bool", [-1, 1]],
];

describe("tensor inputs: the structural verdict agrees with the full enforcement", () => {
  it("for every dtype × shape against every unnamed spec, in any order and repeated", () => {
    for (const [type, shape] of SPECS) {
      const schema = new Schema([new TensorSpec(type, shape)]);
      const model = modelWith(schema);
      // twice: a second pass runs with the verdict function already built for this schema
      for (let pass = 0; pass < 2; pass++) {
        for (const dtype of DTYPES) {
          for (const s of SHAPES) {
            const input = tensor(dtype, s);
            const expected = outcome(() => enforceSchema(input, schema, { wrap: true }));
            const actual = outcome(() => enforceInput(model, input, () => {}));
            expect(actual, `${type}${JSON.stringify(shape)} <- ${dtype}${JSON.stringify(s)}`).toEqual(
              expected,
            );
          }
        }
      }
    }
  });

  it("for named specs: a dict with exactly the names, a bare tensor, extra and missing inputs", () => {
    const one = new Schema([new TensorSpec("float32", [-1, 2], "a")]);
    const two = new Schema([new TensorSpec("float32", [-1, 2], "a"), new TensorSpec("int64", [-1], "b")]);
    const inputs: PyFuncInput[] = [
      tensor("float32", [3, 2]),
      tensor("float32", [3, 3]),
      { a: tensor("float32", [3, 2]) },
      { a: tensor("float32", [3, 2]), b: tensor("int64", [3]) },
      { a: tensor("float32", [3, 2]), b: tensor("int32", [3]) },
      { a: tensor("float32", [3, 2]), b: tensor("int64", [3, 1]) },
      { a: tensor("float32", [3, 2]), b: [1, 2, 3] } as unknown as PyFuncInput,
      { a: tensor("float32", [3, 2]), b: tensor("int64", [3]), c: tensor("int64", [3]) },
      { b: tensor("int64", [3]) },
      { a: tensor("float64", [3, 2]), b: tensor("int64", [3]) },
    ];
    for (const schema of [one, two]) {
      const model = modelWith(schema);
      for (let pass = 0; pass < 2; pass++) {
        for (const input of inputs) {
          const warnedFull: string[] = [];
          const warnedFast: string[] = [];
          const expected = outcome(() =>
            enforceSchema(input, schema, { wrap: true, warn: (m) => warnedFull.push(m) }),
          );
          const actual = outcome(() => enforceInput(model, input, (m) => warnedFast.push(m)));
          expect(actual).toEqual(expected);
          expect(warnedFast).toEqual(warnedFull);
        }
      }
    }
  });
});

let root: string;
let model: PyFuncModel;
const received: PyFuncInput[] = [];

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), "pyfunc-verdict-"));
  const dir = path.join(root, "tensor-model");
  await saveScaleModel(dir, 1, {
    signature: {
      inputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 3]}}]',
      outputs: null,
      params: null,
    },
  });
  const registry = new FlavorRegistry();
  const plugin = makeScalePlugin();
  registry.register({
    ...plugin,
    async load() {
      return {
        predict: (input: PyFuncInput) => {
          received.push(input);
          return (input as Tensor).shape;
        },
      };
    },
  });
  model = await loadModel(dir, { registry, discover: false });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const refusal = async (input: PyFuncInput): Promise<MlflowException> => {
  const e = await model.predict(input).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(MlflowException);
  return e as MlflowException;
};

describe("PyFuncModel.predict after many accepted calls of one structure", () => {
  it("passes a matching tensor through unchanged", async () => {
    const t = tensor("float32", [1, 3]);
    for (let i = 0; i < 50; i++) await model.predict(t);
    expect(received.at(-1)).toBe(t);
  });

  it("still refuses another dtype, another fixed dimension, another rank and a non-tensor", async () => {
    const good = tensor("float32", [4, 3]);
    for (const bad of [
      tensor("float64", [4, 3]),
      tensor("int32", [4, 3]),
      tensor("float32", [4, 4]),
      tensor("float32", [12]),
      tensor("float32", [1, 4, 3]),
      { x: tensor("float32", [4, 3]) },
    ] as PyFuncInput[]) {
      await model.predict(good);
      const before = received.length;
      const e = await refusal(bad);
      expect(e.errorCode).toBe("INVALID_PARAMETER_VALUE");
      expect(e.message).toMatch(/^Failed to enforce schema of data/);
      expect(received.length).toBe(before); // the model never saw it
      await model.predict(good);
    }
  });

  it("follows a replaced signature at once", async () => {
    const t = tensor("float32", [2, 3]);
    await model.predict(t);
    const saved = model.metadata.signature;
    try {
      model.metadata.setSignature(new ModelSignature(new Schema([new TensorSpec("float64", [-1, 3])])));
      expect((await refusal(t)).message).toMatch(
        /dtype of input float32 does not match expected dtype float64/,
      );
    } finally {
      model.metadata.signature = saved ?? null;
    }
    await expect(model.predict(t)).resolves.toEqual([2, 3]);
  });
});

describe("column inputs are checked cell by cell on every call", () => {
  it("a NaN in a long column is refused after the same structure was accepted", () => {
    const schema = new Schema([new ColSpec("long", "x")]);
    const m = modelWith(schema);
    const ok = DataFrame.fromColumns({ x: new BigInt64Array([1n, 2n]) });
    for (let i = 0; i < 20; i++) enforceInput(m, ok, () => {});
    const nan = DataFrame.fromColumns({ x: [1, Number.NaN] });
    const expected = outcome(() => enforceSchema(nan, schema, { wrap: true }));
    expect(expected).toHaveProperty("error");
    expect(outcome(() => enforceInput(m, nan, () => {}))).toEqual(expected);
    const floats = DataFrame.fromColumns({ x: new Float64Array([1, Number.NaN]) });
    expect(outcome(() => enforceInput(m, floats, () => {}))).toHaveProperty("error");
  });
});
