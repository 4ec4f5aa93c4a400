import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { defaultFlavorRegistry, loadModel, MlflowException, type Tensor } from "@pyfunc/core";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { saveModel, tensorSpecNames, tfjsFlavor } from "./index.js";
import { compare, FIXTURES_DIR, readCase, toTensor } from "./test-support/fixtures.js";
import type { TfjsModel } from "./wrapper.js";

const dense = readCase(path.join(FIXTURES_DIR, "dense-classifier"));
let tmp: string;
let modelDir: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "pyfunc-tfjs-plugin-"));
  modelDir = path.join(tmp, "model");
  await saveModel(modelDir, { tfjsModel: path.join(FIXTURES_DIR, "dense-classifier"), backend: "cpu" });
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("tfjs flavor plugin", () => {
  it("is registered with core's default registry when the package is imported", () => {
    expect(defaultFlavorRegistry.resolve("@pyfunc/tfjs")).toBe(tfjsFlavor);
    expect(tfjsFlavor.name).toBe("tfjs");
    expect(tfjsFlavor.loaderModules).toEqual(["@pyfunc/tfjs"]);
  });

  it("loads through core's loadModel with no registry given", async () => {
    const m = await loadModel(modelDir, { suppressWarnings: true });
    try {
      expect(m.loaderModule).toBe("@pyfunc/tfjs");
      const out = (await m.predict(toTensor(dense.inputs[0]!.hidden_input!))) as Tensor;
      expect(compare(out.data as Float32Array, dense.expected[0]!.probs!.data as number[], 1e-5).ok).toBe(
        true,
      );
    } finally {
      await m.close();
    }
  });

  it("picks the backend from the model config", async () => {
    const m = await loadModel(modelDir, { suppressWarnings: true, modelConfig: { backend: "wasm" } });
    try {
      expect((m.unwrap() as tf.LayersModel) instanceof tf.LayersModel).toBe(true);
      expect(tf.getBackend()).toBe("wasm");
      const out = (await m.predict(toTensor(dense.inputs[0]!.hidden_input!))) as Tensor;
      expect(compare(out.data as Float32Array, dense.expected[0]!.probs!.data as number[], 1e-5).ok).toBe(
        true,
      );
    } finally {
      await m.close();
      await tf.setBackend("cpu");
    }
  });

  it("falls back to PYFUNC_TFJS_BACKEND when the model config says auto", async () => {
    process.env.PYFUNC_TFJS_BACKEND = "wasm";
    try {
      const m = await loadModel(modelDir, { suppressWarnings: true });
      expect(tf.getBackend()).toBe("wasm");
      await m.close();
      const explicit = await loadModel(modelDir, { suppressWarnings: true, modelConfig: { backend: "cpu" } });
      expect(tf.getBackend()).toBe("cpu");
      await explicit.close();
    } finally {
      delete process.env.PYFUNC_TFJS_BACKEND;
      await tf.setBackend("cpu");
    }
  });

  it("refuses an unknown backend in the model config", async () => {
    const err = await loadModel(modelDir, { suppressWarnings: true, modelConfig: { backend: "gpu" } }).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(MlflowException);
    expect((err as Error).message).toMatch(/Unknown tfjs backend/);
  });

  it("reads tensor names from a saved signature block, and nothing from a column signature", () => {
    const tensors = JSON.stringify([
      { type: "tensor", "tensor-spec": { dtype: "float32", shape: [-1, 2] }, name: "a" },
      { type: "tensor", "tensor-spec": { dtype: "float32", shape: [-1, 2] }, name: "b" },
    ]);
    expect(tensorSpecNames(tensors)).toEqual(["a", "b"]);
    expect(tensorSpecNames(JSON.stringify([{ type: "double", name: "a" }]))).toBeUndefined();
    expect(tensorSpecNames("not json")).toBeUndefined();
    expect(tensorSpecNames(null)).toBeUndefined();
  });

  it("exposes the TfjsModel input names through the loaded model", async () => {
    const m = await loadModel(modelDir, { suppressWarnings: true });
    try {
      // a single input is saved unnamed: the name comes from the saved topology, not from tfjs's load-time name
      expect(m.metadata.signature?.inputs).not.toMatch(/"name"/);
      const impl = (await tfjsFlavor.load({
        modelDir,
        model: m.metadata,
        pyfuncConfig: m.metadata.flavors.js_function!,
        flavorConfig: m.metadata.flavors.tfjs,
        dataPath: path.join(modelDir, "model"),
        modelConfig: { backend: "cpu" },
        resolvePath: (p) => path.join(modelDir, p),
        warn: () => {},
      })) as TfjsModel;
      expect(impl.inputs.map((i) => i.name)).toEqual(["hidden_input"]);
      expect(impl.outputs.map((o) => o.name)).toEqual(["probs"]);
      impl.close();
    } finally {
      await m.close();
    }
  });
});
