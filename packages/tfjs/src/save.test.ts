import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  DataFrame,
  FlavorRegistry,
  loadModel,
  MlflowException,
  Model,
  type Tensor,
  type TensorDict,
} from "@pyfunc/core";
import { runFlavorConformance } from "@pyfunc/core/testing";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fileSystemLoader } from "./io/fs-handler.js";
import { tfjsFlavor } from "./plugin.js";
import { saveModel } from "./save.js";
import { compare, FIXTURES_DIR, readCase, toTensor } from "./test-support/fixtures.js";

const dense = readCase(path.join(FIXTURES_DIR, "dense-classifier"));
const two = readCase(path.join(FIXTURES_DIR, "functional-two-inputs"));
const graph = readCase(path.join(FIXTURES_DIR, "graph-model"));

runFlavorConformance({
  plugin: tfjsFlavor,
  saveExample: (dir) =>
    saveModel(dir, { tfjsModel: path.join(FIXTURES_DIR, "dense-classifier") }).then(() => undefined),
  input: toTensor(dense.inputs[1]!.hidden_input!),
  check: (output) => {
    const t = output as Tensor;
    expect(t.shape).toEqual([1, 3]);
    expect(compare(t.data as Float32Array, dense.expected[1]!.probs!.data as number[], 1e-5).ok).toBe(true);
  },
  badInput: { dtype: "float32", shape: [1, 5], data: new Float32Array(5) },
});

let tmp: string;
let n = 0;
const next = () => path.join(tmp, `m${n++}`);
const registry = new FlavorRegistry();
registry.register(tfjsFlavor);
const load = (dir: string) => loadModel(dir, { registry, discover: false, suppressWarnings: true });

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "pyfunc-tfjs-save-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("saveModel", () => {
  it("writes model.json + one shard, a tfjs flavor block and a js_function pyfunc entry", async () => {
    const dir = next();
    await saveModel(dir, { tfjsModel: path.join(FIXTURES_DIR, "functional-two-inputs", "model.json") });
    expect(existsSync(path.join(dir, "model", "model.json"))).toBe(true);
    expect(existsSync(path.join(dir, "model", "group1-shard1of1.bin"))).toBe(true);
    const mlmodel = await Model.load(dir);
    expect(mlmodel.flavors.js_function).toMatchObject({ loader_module: "@pyfunc/tfjs", data: "model" });
    expect(mlmodel.flavors.python_function).toBeUndefined();
    expect(mlmodel.flavors.tfjs).toMatchObject({
      model_format: "layers-model",
      model_file: "model/model.json",
      tfjs_version: tf.version.tfjs,
    });
    const text = await readFile(path.join(dir, "MLmodel"), "utf8");
    expect(text).toMatch(/js_function:/);
  });

  it("infers a TensorSpec signature from the model's saved input and output names", async () => {
    const dir = next();
    await saveModel(dir, { tfjsModel: path.join(FIXTURES_DIR, "functional-two-inputs") });
    const sig = (await Model.load(dir)).signature!;
    expect(JSON.parse(sig.inputs!)).toEqual([
      { type: "tensor", "tensor-spec": { dtype: "float32", shape: [-1, 5] }, name: "features" },
      { type: "tensor", "tensor-spec": { dtype: "float32", shape: [-1, 2] }, name: "context" },
    ]);
    expect(JSON.parse(sig.outputs!)).toEqual([
      { type: "tensor", "tensor-spec": { dtype: "float32", shape: [-1, 1] }, name: "score" },
    ]);
  });

  it("infers a graph model's output shapes from its model.json signature", async () => {
    const dir = next();
    await saveModel(dir, { tfjsModel: path.join(FIXTURES_DIR, "graph-model") });
    const mlmodel = await Model.load(dir);
    expect(mlmodel.flavors.tfjs!.model_format).toBe("graph-model");
    const outputs = JSON.parse(mlmodel.signature!.outputs!) as {
      name: string;
      "tensor-spec": { shape: number[] };
    }[];
    expect(outputs.map((o) => [o.name, o["tensor-spec"].shape])).toEqual([
      ["probability", [-1, 2]],
      ["logits", [-1, 2]],
    ]);
  });

  it("saves an in-memory LayersModel and predicts the same after loadModel", async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ units: 4, inputShape: [3], activation: "relu", name: "first" }),
        tf.layers.dense({ units: 2, name: "last" }),
      ],
    });
    const x = tf.tensor2d([1, 2, 3, -1, 0.5, 2], [2, 3]);
    const direct = (model.predict(x) as tf.Tensor).dataSync();
    const dir = next();
    await saveModel(dir, { tfjsModel: model });
    const loaded = await load(dir);
    try {
      const out = (await loaded.predict({ dtype: "float32", shape: [2, 3], data: x.dataSync() })) as Tensor;
      expect(Array.from(out.data as Float32Array)).toEqual(Array.from(direct));
      expect(loaded.unwrap()).toBeInstanceOf(tf.LayersModel);
    } finally {
      await loaded.close();
      x.dispose();
      model.dispose();
    }
  });

  it("saves an in-memory GraphModel", async () => {
    const g = await tf.loadGraphModel(fileSystemLoader(path.join(FIXTURES_DIR, "graph-model", "model.json")));
    const dir = next();
    await saveModel(dir, { tfjsModel: g });
    g.dispose();
    const loaded = await load(dir);
    try {
      const out = (await loaded.predict(toTensor(graph.inputs[0]!.inputs!))) as TensorDict;
      for (const name of ["probability", "logits"]) {
        expect(
          compare(out[name]!.data as Float32Array, graph.expected[0]![name]!.data as number[], 1e-5).ok,
        ).toBe(true);
      }
    } finally {
      await loaded.close();
    }
  });

  it("writes a single-input model's input as an unnamed TensorSpec, so DataFrames and plain tensors pass", async () => {
    const dir = next();
    await saveModel(dir, { tfjsModel: path.join(FIXTURES_DIR, "dense-classifier") });
    expect(JSON.parse((await Model.load(dir)).signature!.inputs!)).toEqual([
      { type: "tensor", "tensor-spec": { dtype: "float32", shape: [-1, 8] } },
    ]);
    const first = await load(dir);
    const second = await load(dir);
    try {
      const x = toTensor(dense.inputs[0]!.hidden_input!);
      const rows = x.shape[0]!;
      const cols: Record<string, Float32Array> = {};
      for (let j = 0; j < 8; j++) {
        cols[`c${j}`] = Float32Array.from({ length: rows }, (_, i) => (x.data as Float32Array)[i * 8 + j]!);
      }
      for (const input of [x, DataFrame.fromColumns(cols)]) {
        for (const m of [first, second]) {
          const out = (await m.predict(input)) as Tensor;
          expect(compare(out.data as Float32Array, dense.expected[0]!.probs!.data as number[], 1e-5).ok).toBe(
            true,
          );
        }
      }
    } finally {
      await first.close();
      await second.close();
    }
  });

  it("matches a two-input model's tensors by the signature's names", async () => {
    const dir = next();
    await saveModel(dir, { tfjsModel: path.join(FIXTURES_DIR, "functional-two-inputs") });
    const m = await load(dir);
    try {
      const run = two.inputs[0]!;
      const out = (await m.predict({
        context: toTensor(run.context!),
        features: toTensor(run.features!),
      })) as Tensor;
      expect(compare(out.data as Float32Array, two.expected[0]!.score!.data as number[], 1e-5).ok).toBe(true);
    } finally {
      await m.close();
    }
  });

  it("uses a given signature as is", async () => {
    const dir = next();
    const signature = {
      inputs: JSON.stringify([
        { type: "tensor", "tensor-spec": { dtype: "float32", shape: [-1, 8] }, name: "x" },
      ]),
      outputs: JSON.stringify([
        { type: "tensor", "tensor-spec": { dtype: "float32", shape: [-1, 3] }, name: "p" },
      ]),
      params: null,
    };
    await saveModel(dir, { tfjsModel: path.join(FIXTURES_DIR, "dense-classifier"), signature });
    expect((await Model.load(dir)).signature!.inputs).toBe(signature.inputs);
    const m = await load(dir);
    try {
      const out = (await m.predict({ x: toTensor(dense.inputs[1]!.hidden_input!) })) as Tensor;
      expect(compare(out.data as Float32Array, dense.expected[1]!.probs!.data as number[], 1e-5).ok).toBe(
        true,
      );
    } finally {
      await m.close();
    }
  });

  it("saves an input example and infers the signature from it", async () => {
    const dir = next();
    const example = toTensor(dense.inputs[1]!.hidden_input!);
    await saveModel(dir, { tfjsModel: path.join(FIXTURES_DIR, "dense-classifier"), inputExample: example });
    const mlmodel = await Model.load(dir);
    expect(mlmodel.savedInputExampleInfo).toBeTruthy();
    expect(mlmodel.signature?.inputs).toMatch(/float32/);
    const m = await load(dir);
    try {
      const again = await m.loadInputExample();
      const out = (await m.predict(again!)) as Tensor;
      expect(out.shape).toEqual([1, 3]);
    } finally {
      await m.close();
    }
  });

  it("rejects something that is not a tfjs model", async () => {
    const err = await saveModel(next(), { tfjsModel: {} as unknown as tf.LayersModel }).catch((e) => e);
    expect(err).toBeInstanceOf(MlflowException);
    const missing = await saveModel(next(), { tfjsModel: path.join(tmp, "nope") }).catch((e) => e);
    expect(missing).toBeInstanceOf(MlflowException);
  });
});
