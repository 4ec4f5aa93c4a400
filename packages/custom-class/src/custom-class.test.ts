import { cp, mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { loadModel, MlflowException, Model } from "@pyfunc/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { saveModel } from "./index.js";

const SOURCES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../test-sources");
const src = (f: string) => path.join(SOURCES, f);
let root: string;
const dir = (name: string) => path.join(root, name);

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "pyfunc-custom-class-test-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const PARAMS_SIGNATURE_PARAMS = '[{"name": "multiplier", "default": 1.0, "shape": null, "type": "double"}]';

async function saveScorer(target: string, extra: Record<string, unknown> = {}) {
  return saveModel(target, {
    pythonModel: src("scorer.ts"),
    artifacts: { weights: src("data/weights.json"), vocab: pathToFileURL(src("data/vocab")).href },
    modelConfig: { greeting: "hi", scale: 2 },
    ...extra,
  });
}

describe("custom-class models from code", () => {
  it("saves a TypeScript model importing zod, @pyfunc/custom-class and a relative helper, and loads it from the temp dir", async () => {
    const target = dir("scorer");
    const model = await saveScorer(target);
    const block = model.flavors.js_function as Record<string, unknown>;
    expect(block.loader_module).toBe("@pyfunc/custom-class");
    expect(block.model_code_path).toBe("scorer.mjs");
    expect(block.streamable).toBe(false);
    expect(block.config).toEqual({ greeting: "hi", scale: 2 });
    const bundle = await readFile(path.join(target, "scorer.mjs"), "utf8");
    expect(bundle).toMatch(/from "zod"/);
    expect(bundle).toMatch(/from "@pyfunc\/custom-class"/);
    expect(bundle).not.toMatch(/from "\.\/lib/);
    expect(bundle).toContain("function toRows(");
    const loaded = await loadModel(target);
    const out = await loaded.predict([
      { x: 2.5, name: "alice" },
      { x: 1.5, name: "zed" },
    ]);
    expect(out).toEqual([
      { score: 2.5, greeting: "hi alice", known: true },
      { score: 1.5, greeting: "hi zed", known: false },
    ]);
  });

  it("copies artifacts (a file and a whole directory, path and file:// URI) and records them", async () => {
    const target = dir("artifacts");
    const model = await saveScorer(target);
    const block = model.flavors.js_function as Record<string, unknown>;
    expect(block.artifacts).toEqual({
      weights: { path: "artifacts/weights.json", uri: src("data/weights.json") },
      vocab: { path: "artifacts/vocab", uri: pathToFileURL(src("data/vocab")).href },
    });
    expect(await readFile(path.join(target, "artifacts/vocab/b.txt"), "utf8")).toBe("carol\n");
    const loaded = await loadModel(target);
    const out = (await loaded.predict([{ x: 1, name: "carol" }])) as { known: boolean }[];
    expect(out[0]?.known).toBe(true);
    const ctx = (loaded.unwrap() as { context: { artifacts: Record<string, string> } }).context;
    expect(ctx.artifacts.vocab).toBe(path.join(target, "artifacts/vocab"));
  });

  it("applies a load-time modelConfig over the saved one", async () => {
    const target = dir("config");
    await saveScorer(target);
    const loaded = await loadModel(target, { modelConfig: { greeting: "yo" } });
    expect(await loaded.predict([{ x: 1, name: "bob" }])).toEqual([
      { score: 1, greeting: "yo bob", known: true },
    ]);
  });

  it("derives the MLflow signature from the zod row schemas", async () => {
    const target = dir("zod-signature");
    const model = await saveScorer(target);
    expect(model.signature?.inputs).toBe(
      '[{"type": "double", "name": "x", "required": true}, {"type": "string", "name": "name", "required": true}]',
    );
    expect(model.signature?.outputs).toBe(
      '[{"type": "double", "name": "score", "required": true}, {"type": "string", "name": "greeting", "required": true}, {"type": "boolean", "name": "known", "required": true}]',
    );
  });

  it("validates inputs with the zod schema (refinements MLflow's schema cannot express)", async () => {
    const target = dir("zod-validate");
    await saveScorer(target);
    const loaded = await loadModel(target);
    const err = await loaded.predict([{ x: 1, name: "" }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MlflowException);
    expect((err as MlflowException).errorCode).toBe("INVALID_PARAMETER_VALUE");
    expect((err as Error).message).toMatch(/row 0: name: /);
  });

  it("passes params to a context predict when the signature declares them", async () => {
    const target = dir("params");
    const inputs =
      '[{"type": "double", "name": "x", "required": true}, {"type": "string", "name": "name", "required": true}]';
    await saveScorer(target, { signature: { inputs, outputs: null, params: PARAMS_SIGNATURE_PARAMS } });
    const loaded = await loadModel(target);
    expect(await loaded.predict([{ x: 1, name: "bob" }], { multiplier: 3 })).toEqual([
      { score: 3, greeting: "hi bob", known: true },
    ]);
    expect(await loaded.predict([{ x: 1, name: "bob" }])).toEqual([
      { score: 1, greeting: "hi bob", known: true },
    ]);
  });

  it("calls a context-free predict(input, params) and streams from predictStream", async () => {
    const target = dir("context-free");
    const model = await saveModel(target, {
      pythonModel: src("context-free.mjs"),
      modelConfig: { prefix: "> " },
      signature: {
        inputs: '[{"type": "string", "name": "text", "required": true}]',
        outputs: null,
        params: '[{"name": "suffix", "default": "", "shape": null, "type": "string"}]',
      },
    });
    expect((model.flavors.js_function as Record<string, unknown>).streamable).toBe(true);
    const loaded = await loadModel(target);
    expect(loaded.isStreamable).toBe(true);
    expect(await loaded.predict([{ text: "a b" }], { suffix: "!" })).toEqual(["> a b!"]);
    const chunks: unknown[] = [];
    for await (const c of loaded.predictStream([{ text: "x y" }])) chunks.push(c);
    expect(chunks).toEqual([">", "x", "y"]);
  });

  it("honours `static predictWithContext` over the parameter names", async () => {
    const target = dir("flagged");
    await saveModel(target, { pythonModel: src("flagged.mjs"), modelConfig: { tag: "t1" } });
    const loaded = await loadModel(target);
    expect(await loaded.predict([1, 2])).toEqual({ config: "t1", n: 2 });
  });

  it("unwrap() returns the user's instance", async () => {
    const target = dir("unwrap");
    await saveModel(target, { pythonModel: src("context-free.mjs") });
    const loaded = await loadModel(target);
    const inst = loaded.unwrap() as { constructor: { name: string }; prefix: string };
    expect(inst.constructor.name).toBe("Echo");
    expect(inst.prefix).toBe("");
  });

  it("a streamable=false override is recorded", async () => {
    const target = dir("not-streamable");
    const model = await saveModel(target, { pythonModel: src("context-free.mjs"), streamable: false });
    expect((model.flavors.js_function as Record<string, unknown>).streamable).toBe(false);
    expect((await loadModel(target)).isStreamable).toBe(false);
  });

  it("still loads after the model directory is moved", async () => {
    const target = dir("to-move");
    await saveScorer(target);
    const moved = dir("moved/somewhere/else");
    await cp(target, moved, { recursive: true });
    await rm(target, { recursive: true });
    const loaded = await loadModel(moved);
    expect(await loaded.predict([{ x: 4.5, name: "bob" }])).toEqual([
      { score: 4.5, greeting: "hi bob", known: true },
    ]);
    const ctx = (loaded.unwrap() as { context: { artifacts: Record<string, string> } }).context;
    expect(ctx.artifacts.weights).toBe(path.join(moved, "artifacts/weights.json"));
  });

  it("reads the saved MLmodel back with metadata and the model code source name", async () => {
    const target = dir("metadata");
    await saveModel(target, { pythonModel: src("flagged.mjs"), metadata: { owner: "me" } });
    const m = await Model.load(target);
    expect(m.metadata).toEqual({ owner: "me" });
    expect((m.flavors.js_function as Record<string, unknown>).model_code_source).toBe("flagged.mjs");
  });
});

describe("custom-class in worker threads", () => {
  it("loads a model saved in the temp dir inside a worker thread (package imports resolve there too)", async () => {
    const { Worker } = await import("node:worker_threads");
    const target = dir("worker-model");
    await saveModel(target, { pythonModel: src("context-free.mjs"), modelConfig: { prefix: "w:" } });
    const worker = new Worker(src("worker.mjs"), {
      workerData: { modelDir: target, input: [{ text: "hi" }] },
    });
    const result = await new Promise((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
    });
    await worker.terminate();
    expect(result).toEqual(["w:hi"]);
  });
});

describe("custom-class errors", () => {
  it("refuses artifacts with remote URIs and clashing names", async () => {
    await expect(
      saveModel(dir("remote"), { pythonModel: src("flagged.mjs"), artifacts: { a: "s3://bucket/x" } }),
    ).rejects.toThrow(/only local paths and file:\/\/ URIs/);
    await expect(
      saveModel(dir("clash"), {
        pythonModel: src("flagged.mjs"),
        artifacts: { a: src("data/weights.json"), b: src("data/weights.json") },
      }),
    ).rejects.toThrow(/would both be saved/);
    await expect(
      saveModel(dir("missing-artifact"), {
        pythonModel: src("flagged.mjs"),
        artifacts: { a: src("data/nope") },
      }),
    ).rejects.toThrow(/not found/);
  });

  it("reports model code that provides no model", async () => {
    const err = await saveModel(dir("no-model"), { pythonModel: src("no-model.mjs") }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(MlflowException);
    expect((err as Error).message).toMatch(/setModel/);
  });

  it("refuses artifact paths in MLmodel that lead outside the model directory", async () => {
    const target = dir("tampered-artifacts");
    await saveScorer(target);
    const file = path.join(target, "MLmodel");
    const text = await readFile(file, "utf8");
    const { writeFile } = await import("node:fs/promises");
    await writeFile(file, text.replace("path: artifacts/weights.json", "path: ../../etc/passwd"));
    const err = await loadModel(target).catch((e: unknown) => e);
    expect((err as MlflowException).errorCode).toBe("INVALID_PARAMETER_VALUE");
  });
});
