import path from "node:path";
import {
  type DataFrame,
  DataFrame as DataFrameClass,
  MlflowException,
  type Tensor,
  type TensorDict,
} from "@pyfunc/core";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadTfjsModel } from "./plugin.js";
import { compare, FIXTURES_DIR, readCase, toTensor } from "./test-support/fixtures.js";
import type { TfjsModel } from "./wrapper.js";

const CASES = ["dense-classifier", "functional-two-inputs", "graph-model"] as const;

async function rejection(p: () => unknown): Promise<unknown> {
  try {
    await p();
  } catch (err) {
    return err;
  }
  return undefined;
}

describe.each(["cpu", "wasm"] as const)("own fixtures on the %s backend", (backend) => {
  it.each(CASES)("%s matches its recorded outputs within 1e-5", async (name) => {
    const c = readCase(path.join(FIXTURES_DIR, name));
    const model = await loadTfjsModel(c.dir, { backend });
    expect(model.backend).toBe(backend);
    expect(tf.getBackend()).toBe(backend);
    try {
      for (let r = 0; r < c.inputs.length; r++) {
        const feed: TensorDict = {};
        for (const [k, v] of Object.entries(c.inputs[r]!)) feed[k] = toTensor(v);
        const out = await model.predict(feed);
        const expected = c.expected[r]!;
        const names = Object.keys(expected);
        const got: TensorDict = names.length === 1 ? { [names[0]!]: out as Tensor } : (out as TensorDict);
        expect(Object.keys(got).sort()).toEqual([...names].sort());
        for (const n of names) {
          expect(got[n]!.shape).toEqual(expected[n]!.shape);
          expect(got[n]!.dtype).toBe("float32");
          const { maxDiff, ok } = compare(got[n]!.data as Float32Array, expected[n]!.data as number[], 1e-5);
          expect(ok, `max diff ${maxDiff}`).toBe(true);
        }
      }
    } finally {
      model.close();
    }
  });
});

describe("inputs and names", () => {
  let dense: TfjsModel;
  let two: TfjsModel;
  let graph: TfjsModel;
  const denseCase = readCase(path.join(FIXTURES_DIR, "dense-classifier"));
  const twoCase = readCase(path.join(FIXTURES_DIR, "functional-two-inputs"));
  const denseX = toTensor(denseCase.inputs[0]!.hidden_input!);
  const denseY = denseCase.expected[0]!.probs!.data as number[];

  beforeAll(async () => {
    dense = await loadTfjsModel(path.join(FIXTURES_DIR, "dense-classifier"), { backend: "cpu" });
    two = await loadTfjsModel(path.join(FIXTURES_DIR, "functional-two-inputs", "model.json"), {
      backend: "cpu",
    });
    graph = await loadTfjsModel(path.join(FIXTURES_DIR, "graph-model"), { backend: "cpu" });
  });
  afterAll(() => {
    for (const m of [dense, two, graph]) m.close();
  });

  it("names a Sequential input as saved, even when tfjs renames it on a second load", async () => {
    const again = await loadTfjsModel(path.join(FIXTURES_DIR, "dense-classifier"), { backend: "cpu" });
    try {
      expect(dense.inputs[0]!.name).toBe("hidden_input");
      expect(again.inputs[0]!.tfjsName).not.toBe(dense.inputs[0]!.tfjsName);
      expect(again.inputs[0]!.name).toBe("hidden_input");
      const out = (await again.predict({ hidden_input: denseX })) as Tensor;
      expect(compare(out.data as Float32Array, denseY, 1e-6).ok).toBe(true);
    } finally {
      again.close();
    }
  });

  it("uses the saved MLmodel signature's names when given, by position", async () => {
    const m = await loadTfjsModel(path.join(FIXTURES_DIR, "functional-two-inputs"), {
      backend: "cpu",
      inputNames: ["a", "b"],
      outputNames: ["y"],
    });
    try {
      expect(m.inputs.map((i) => i.name)).toEqual(["a", "b"]);
      const run = twoCase.inputs[1]!;
      const out = (await m.predict({ b: toTensor(run.context!), a: toTensor(run.features!) })) as Tensor;
      expect(compare(out.data as Float32Array, twoCase.expected[1]!.score!.data as number[], 1e-6).ok).toBe(
        true,
      );
      // the topology's names still work as aliases
      const same = (await m.predict({
        features: toTensor(run.features!),
        context: toTensor(run.context!),
      })) as Tensor;
      expect(Array.from(same.data as Float32Array)).toEqual(Array.from(out.data as Float32Array));
    } finally {
      m.close();
    }
  });

  it("accepts a single tensor, a DataFrame, records, nested lists and float64 data for a single-input model", async () => {
    const rows = denseX.shape[0]!;
    const x = denseX.data as Float32Array;
    const cols: Record<string, Float64Array> = {};
    for (let j = 0; j < 8; j++) cols[`f${j}`] = Float64Array.from({ length: rows }, (_, i) => x[i * 8 + j]!);
    const df: DataFrame = DataFrameClass.fromColumns(cols);
    const records = df.toRecords();
    const nested = Array.from({ length: rows }, (_, i) => Array.from(x.subarray(i * 8, i * 8 + 8)));
    const f64: Tensor = { dtype: "float64", shape: denseX.shape, data: Float64Array.from(x) };
    for (const input of [denseX, df, records, nested, f64, { hidden_input: nested }]) {
      const out = (await dense.predict(input)) as Tensor;
      expect(out.shape).toEqual([rows, 3]);
      expect(compare(out.data as Float32Array, denseY, 1e-6).ok).toBe(true);
    }
  });

  it("takes a DataFrame with one column per input for a multi-input model", async () => {
    const run = twoCase.inputs[0]!;
    const rows = run.features!.shape[0]!;
    const split = (t: { data: (number | string)[] }, w: number) =>
      Array.from({ length: rows }, (_, i) => (t.data as number[]).slice(i * w, i * w + w));
    const df = DataFrameClass.fromColumns({
      features: split(run.features!, 5),
      context: split(run.context!, 2),
    });
    const out = (await two.predict(df)) as Tensor;
    expect(compare(out.data as Float32Array, twoCase.expected[0]!.score!.data as number[], 1e-6).ok).toBe(
      true,
    );
  });

  it("returns a dict of named tensors for a multi-output graph model", async () => {
    const out = (await graph.predict({
      dtype: "float32",
      shape: [1, 5],
      data: new Float32Array(5),
    })) as TensorDict;
    expect(Object.keys(out)).toEqual(["probability", "logits"]);
    expect(out.probability!.shape).toEqual([1, 2]);
  });

  it("accepts graph signature keys as input names", async () => {
    const out = await graph.predict({
      "inputs:0": { dtype: "float32", shape: [2, 5], data: new Float32Array(10) },
    });
    expect(Object.keys(out as TensorDict)).toHaveLength(2);
  });

  it.each([
    [
      "a wrong width",
      () => dense.predict({ dtype: "float32", shape: [1, 7], data: new Float32Array(7) }),
      /shape \[-1,8\]/,
    ],
    [
      "a data/shape mismatch",
      () => dense.predict({ dtype: "float32", shape: [2, 8], data: new Float32Array(8) }),
      /needs 16 values/,
    ],
    [
      "a missing input",
      () => two.predict({ features: { dtype: "float32", shape: [1, 5], data: new Float32Array(5) } }),
      /Missing model input\(s\) 'context'/,
    ],
    [
      "a bare tensor for two inputs",
      () => two.predict({ dtype: "float32", shape: [1, 5], data: new Float32Array(5) }),
      /has 2 inputs/,
    ],
    [
      "strings for a float input",
      () => dense.predict([["a", "b", "c", "d", "e", "f", "g", "h"]]),
      /needs numbers/,
    ],
    ["a ragged list", () => dense.predict([[1, 2, 3, 4, 5, 6, 7, 8], [1]]), /ragged/],
    [
      "an unknown extra tensor",
      () =>
        two.predict({
          features: { dtype: "float32", shape: [1, 5], data: new Float32Array(5) },
          context: { dtype: "float32", shape: [1, 2], data: new Float32Array(2) },
          other: { dtype: "float32", shape: [1], data: new Float32Array(1) },
        }),
      /Unexpected input name/,
    ],
  ])("rejects %s with a BAD_REQUEST MlflowException", async (_what, call, message) => {
    const err = await rejection(call);
    expect(err).toBeInstanceOf(MlflowException);
    expect((err as MlflowException).errorCode).toBe("BAD_REQUEST");
    expect((err as Error).message).toMatch(message);
  });

  it("leaks no tensors: numTensors is the same after 10,000 predictions as after one", async () => {
    for (const [model, input] of [
      [dense, { dtype: "float32", shape: [1, 8], data: new Float32Array(8) }],
      [graph, { dtype: "float32", shape: [1, 5], data: new Float32Array(5) }],
    ] as const) {
      await model.predict(input);
      const afterOne = tf.memory().numTensors;
      for (let i = 0; i < 10_000; i++) await model.predict(input);
      expect(tf.memory().numTensors).toBe(afterOne);
    }
    await rejection(() => dense.predict({ dtype: "float32", shape: [1, 7], data: new Float32Array(7) }));
    const afterError = tf.memory().numTensors;
    for (let i = 0; i < 100; i++) await rejection(() => two.predict([[1, 2]]));
    expect(tf.memory().numTensors).toBe(afterError);
  });

  it("frees the model's weights on close", async () => {
    const before = tf.memory().numTensors;
    const m = await loadTfjsModel(path.join(FIXTURES_DIR, "dense-classifier"), { backend: "cpu" });
    expect(tf.memory().numTensors).toBeGreaterThan(before);
    m.close();
    expect(tf.memory().numTensors).toBe(before);
    expect(await rejection(() => m.predict(denseX))).toBeInstanceOf(MlflowException);
  });
});

describe("graph models with dynamic ops", () => {
  it("runs them through executeAsync, returns int32 outputs, and leaks nothing", async () => {
    const { mkdtemp, writeFile, rm } = await import("node:fs/promises");
    const os = await import("node:os");
    const dir = await mkdtemp(path.join(os.tmpdir(), "pyfunc-tfjs-where-"));
    const f = { type: "DT_FLOAT" };
    const json = {
      format: "graph-model",
      modelTopology: {
        node: [
          {
            name: "x",
            op: "Placeholder",
            attr: { dtype: f, shape: { shape: { dim: [{ size: "-1" }, { size: "3" }] } } },
          },
          {
            name: "threshold",
            op: "Const",
            attr: { dtype: f, value: { tensor: { dtype: "DT_FLOAT", tensorShape: {} } } },
          },
          { name: "above", op: "Greater", input: ["x", "threshold"], attr: { T: f } },
          { name: "indices", op: "Where", input: ["above"], attr: { T: { type: "DT_BOOL" } } },
        ],
        versions: { producer: 1 },
      },
      weightsManifest: [{ paths: ["w.bin"], weights: [{ name: "threshold", shape: [], dtype: "float32" }] }],
    };
    await writeFile(path.join(dir, "model.json"), JSON.stringify(json));
    await writeFile(path.join(dir, "w.bin"), new Uint8Array(new Float32Array([0.5]).buffer));
    const model = await loadTfjsModel(dir, { backend: "cpu" });
    try {
      const input: Tensor = { dtype: "float32", shape: [2, 3], data: new Float32Array([0, 1, 2, 1, 0, 0]) };
      const first = (await model.predict(input)) as Tensor;
      expect(first).toEqual({ dtype: "int32", shape: [3, 2], data: new Int32Array([0, 1, 0, 2, 1, 0]) });
      const after = tf.memory().numTensors;
      for (let i = 0; i < 200; i++) await model.predict(input);
      expect(tf.memory().numTensors).toBe(after);
    } finally {
      model.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("dtypes and quantized weights", () => {
  it("feeds int64 / float64 / number[] data to an int32 input and reads int32 weights", async () => {
    const { mkdtemp, rm } = await import("node:fs/promises");
    const os = await import("node:os");
    const { saveModel } = await import("./save.js");
    const input = tf.input({ shape: [3], dtype: "int32", name: "token_ids" });
    const embedded = tf.layers
      .embedding({
        inputDim: 10,
        outputDim: 2,
        name: "embed",
        embeddingsInitializer: tf.initializers.randomUniform({ seed: 3 }),
      })
      .apply(input) as tf.SymbolicTensor;
    const pooled = tf.layers.globalAveragePooling1d({ name: "pool" }).apply(embedded) as tf.SymbolicTensor;
    const keras = tf.model({ inputs: input, outputs: pooled });
    const ids = new Int32Array([1, 2, 3, 9, 0, 4]);
    const idsTensor = tf.tensor2d(ids, [2, 3], "int32");
    const expected = Array.from((keras.predict(idsTensor) as tf.Tensor).dataSync());
    const root = await mkdtemp(path.join(os.tmpdir(), "pyfunc-tfjs-int-"));
    try {
      await saveModel(path.join(root, "m"), { tfjsModel: keras, backend: "cpu" });
      const model = await loadTfjsModel(path.join(root, "m", "model"), { backend: "cpu" });
      try {
        expect(model.inputs[0]!.dtype).toBe("int32");
        for (const data of [ids, BigInt64Array.from(ids, (v) => BigInt(v)), Float64Array.from(ids)]) {
          const out = (await model.predict({ dtype: "int64", shape: [2, 3], data })) as Tensor;
          expect(compare(out.data as Float32Array, expected, 1e-7).ok).toBe(true);
        }
        const nested = (await model.predict([
          [1, 2, 3],
          [9, 0, 4],
        ])) as Tensor;
        expect(compare(nested.data as Float32Array, expected, 1e-7).ok).toBe(true);
        const err = await rejection(() =>
          model.predict({ dtype: "float64", shape: [1, 3], data: new Float64Array([1.5, 2, 3]) }),
        );
        expect((err as Error).message).toMatch(/needs int32 values; 1.5/);
        const big = await rejection(() =>
          model.predict({ dtype: "int64", shape: [1, 3], data: new BigInt64Array([1n, 2n, 2n ** 40n]) }),
        );
        expect(big).toBeInstanceOf(MlflowException);
      } finally {
        model.close();
      }
    } finally {
      idsTensor.dispose();
      keras.dispose();
      await rm(root, { recursive: true, force: true });
    }
  });

  it("loads uint8-quantized weights (as tensorflowjs_converter --quantize_uint8 writes them)", async () => {
    const { cp, mkdtemp, readFile, writeFile, rm } = await import("node:fs/promises");
    const os = await import("node:os");
    const src = path.join(FIXTURES_DIR, "graph-model");
    const dir = await mkdtemp(path.join(os.tmpdir(), "pyfunc-tfjs-quant-"));
    try {
      await cp(src, dir, { recursive: true });
      const json = JSON.parse(await readFile(path.join(dir, "model.json"), "utf8"));
      const floats = new Float32Array(
        (await readFile(path.join(src, "group1-shard1of1.bin"))).buffer.slice(0),
      );
      const bytes: number[] = [];
      let offset = 0;
      let maxScale = 0;
      for (const w of json.weightsManifest[0].weights as { shape: number[]; quantization?: unknown }[]) {
        const size = w.shape.reduce((p, d) => p * d, 1);
        const values = floats.subarray(offset, offset + size);
        offset += size;
        const min = Math.min(...values);
        const scale = (Math.max(...values) - min) / 255 || 1;
        maxScale = Math.max(maxScale, scale);
        for (const v of values) bytes.push(Math.round((v - min) / scale));
        w.quantization = { dtype: "uint8", min, scale };
      }
      await writeFile(path.join(dir, "group1-shard1of1.bin"), new Uint8Array(bytes));
      await writeFile(path.join(dir, "model.json"), JSON.stringify(json));
      const c = readCase(src);
      const model = await loadTfjsModel(dir, { backend: "cpu" });
      try {
        const out = (await model.predict(toTensor(c.inputs[0]!.inputs!))) as TensorDict;
        const exact = c.expected[0]!.logits!.data as number[];
        const { maxDiff } = compare(out.logits!.data as Float32Array, exact, 0);
        expect(maxDiff).toBeGreaterThan(0); // really quantized
        expect(maxDiff).toBeLessThan(maxScale * 20); // and close to the float model
      } finally {
        model.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("arbitrary inputs (property)", () => {
  it("predict either returns tensors or throws MlflowException, and leaks nothing", async () => {
    const fc = (await import("fast-check")).default;
    const models = await Promise.all(
      CASES.map((name) => loadTfjsModel(path.join(FIXTURES_DIR, name), { backend: "cpu" })),
    );
    const dtypes = ["float32", "float64", "int32", "int64", "bool", "str", "object", "uint8"] as const;
    const tensorArb = fc
      .record({
        dtype: fc.constantFrom(...dtypes),
        shape: fc.array(fc.integer({ min: -2, max: 9 }), { maxLength: 4 }),
        data: fc.oneof(
          fc.array(
            fc.oneof(fc.double(), fc.integer(), fc.string({ maxLength: 3 }), fc.boolean(), fc.constant(null)),
            {
              maxLength: 80,
            },
          ),
          fc.float32Array({ maxLength: 80 }),
          fc
            .array(fc.float({ noNaN: true }), { minLength: 8, maxLength: 8 })
            .map((a) => Float32Array.from(a)),
        ),
      })
      .map((t) => t as unknown as Tensor);
    const names = ["hidden_input", "features", "context", "inputs", "x", "inputs:0"];
    const inputArb = fc.oneof(
      tensorArb,
      fc.dictionary(fc.constantFrom(...names), tensorArb, { maxKeys: 3 }),
      fc.dictionary(fc.constantFrom(...names), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 3 }),
      fc.jsonValue({ maxDepth: 4 }),
      fc.array(fc.array(fc.double(), { minLength: 5, maxLength: 8 }), { maxLength: 4 }),
    );
    try {
      await models[0]!.predict({ dtype: "float32", shape: [1, 8], data: new Float32Array(8) });
      const before = tf.memory().numTensors;
      await fc.assert(
        fc.asyncProperty(fc.nat({ max: models.length - 1 }), inputArb, async (which, input) => {
          try {
            const out = await models[which]!.predict(input as Parameters<TfjsModel["predict"]>[0]);
            expect(typeof out).toBe("object");
          } catch (err) {
            if (!(err instanceof MlflowException)) throw err;
          }
        }),
        { numRuns: 1500 },
      );
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      for (const m of models) m.close();
    }
  });
});
