import { cp, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { MlflowException, type Tensor } from "@pyfunc/core";
import * as tf from "@tensorflow/tfjs";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useBackend } from "../backend.js";
import { loadTfjsModel } from "../plugin.js";
import { FIXTURES_DIR } from "../test-support/fixtures.js";
import { fileSystemLoader, fileSystemSaver, readModelArtifacts, resolveWeightPath } from "./fs-handler.js";

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "pyfunc-tfjs-io-"));
  await useBackend({ backend: "cpu" });
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function copyCase(name: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmp, `${name}-`));
  await cp(path.join(FIXTURES_DIR, name), dir, { recursive: true });
  return dir;
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  return undefined;
}

describe("file-system loader", () => {
  it("concatenates several shards in manifest order before slicing weights", async () => {
    const dir = path.join(FIXTURES_DIR, "functional-two-inputs");
    const { artifacts } = await readModelArtifacts(path.join(dir, "model.json"));
    const a = await readFile(path.join(dir, "group1-shard1of2.bin"));
    const b = await readFile(path.join(dir, "group1-shard2of2.bin"));
    expect(Buffer.from(artifacts.weightData as ArrayBuffer)).toEqual(Buffer.concat([a, b]));
  });

  it("fails when the shards are listed in the wrong order by a manifest that lists them twice as long", async () => {
    const dir = await copyCase("functional-two-inputs");
    const json = JSON.parse(await readFile(path.join(dir, "model.json"), "utf8"));
    json.weightsManifest[0].paths = ["group1-shard1of2.bin"];
    await writeFile(path.join(dir, "model.json"), JSON.stringify(json));
    const err = await rejection(readModelArtifacts(path.join(dir, "model.json")));
    expect(err).toBeInstanceOf(MlflowException);
    expect((err as Error).message).toMatch(/weight files hold 50 bytes/);
  });

  it("loads a LayersModel through tf.loadLayersModel", async () => {
    const model = await tf.loadLayersModel(
      fileSystemLoader(path.join(FIXTURES_DIR, "dense-classifier", "model.json")),
    );
    expect(model.outputs[0]!.shape).toEqual([null, 3]);
    model.dispose();
  });

  it("loads a GraphModel through tf.loadGraphModel", async () => {
    const model = await tf.loadGraphModel(
      fileSystemLoader(path.join(FIXTURES_DIR, "graph-model", "model.json")),
    );
    expect(model.inputs[0]!.name).toBe("inputs");
    model.dispose();
  });

  it.each([
    ["../outside.bin"],
    ["/etc/passwd"],
    ["sub/../../x.bin"],
    ["http://example.com/w.bin"],
    ["file:///etc/passwd"],
  ])("refuses weight path %s", async (p) => {
    const err = await rejection(resolveWeightPath(FIXTURES_DIR, p));
    expect(err).toBeInstanceOf(MlflowException);
    expect((err as MlflowException).errorCode).toBe("INVALID_PARAMETER_VALUE");
  });

  it("refuses a weight file that is a symlink out of the model directory", async () => {
    const dir = await copyCase("dense-classifier");
    const outside = path.join(tmp, "outside.bin");
    await writeFile(outside, await readFile(path.join(dir, "weights.bin")));
    await rm(path.join(dir, "weights.bin"));
    await symlink(outside, path.join(dir, "weights.bin"));
    const err = await rejection(readModelArtifacts(path.join(dir, "model.json")));
    expect((err as Error).message).toMatch(/outside the model directory/);
  });

  it("reports a missing shard as MlflowException", async () => {
    const dir = await copyCase("dense-classifier");
    await rm(path.join(dir, "weights.bin"));
    const err = await rejection(readModelArtifacts(path.join(dir, "model.json")));
    expect(err).toBeInstanceOf(MlflowException);
  });

  it("enforces the model.json and weight size limits", async () => {
    const file = path.join(FIXTURES_DIR, "dense-classifier", "model.json");
    expect(await rejection(readModelArtifacts(file, { maxModelJsonBytes: 64 }))).toBeInstanceOf(
      MlflowException,
    );
    expect(await rejection(readModelArtifacts(file, { maxWeightBytes: 64 }))).toBeInstanceOf(MlflowException);
  });

  it("saves model.json + one shard that loads back to the same predictions", async () => {
    const model = await tf.loadLayersModel(
      fileSystemLoader(path.join(FIXTURES_DIR, "functional-two-inputs", "model.json")),
    );
    const out = path.join(tmp, "saved");
    await model.save(fileSystemSaver(out));
    const json = JSON.parse(await readFile(path.join(out, "model.json"), "utf8"));
    expect(json.weightsManifest[0].paths).toEqual(["group1-shard1of1.bin"]);
    const again = await tf.loadLayersModel(fileSystemLoader(path.join(out, "model.json")));
    const x = [tf.ones([2, 5]), tf.ones([2, 2])];
    const a = (model.predict(x) as tf.Tensor).dataSync();
    const b = (again.predict(x) as tf.Tensor).dataSync();
    expect(Array.from(b)).toEqual(Array.from(a));
  });
});

describe("mutated model.json (property)", () => {
  type Path = (string | number)[];
  function allPaths(value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
    out.push(prefix);
    if (Array.isArray(value)) {
      value.forEach((v, i) => {
        allPaths(v, [...prefix, i], out);
      });
    } else if (value && typeof value === "object")
      for (const [k, v] of Object.entries(value)) allPaths(v, [...prefix, k], out);
    return out;
  }

  function mutate(root: unknown, at: Path, replacement: unknown, remove: boolean): unknown {
    if (at.length === 0) return replacement;
    const copy = structuredClone(root) as Record<string | number, unknown>;
    let node = copy as Record<string | number, unknown>;
    for (const key of at.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
    const last = at[at.length - 1]!;
    if (remove && Array.isArray(node)) node.splice(last as number, 1);
    else if (remove) delete node[last];
    else node[last] = replacement;
    return copy;
  }

  const smallJson = fc.oneof(
    fc.integer({ min: -3, max: 64 }),
    fc.double({ noNaN: false }),
    fc.string({ maxLength: 8 }),
    fc.boolean(),
    fc.constant(null),
    fc.constantFrom(
      "float32",
      "int32",
      "string",
      "Dense",
      "Sequential",
      "Model",
      "graph-model",
      "layers-model",
      "../x",
    ),
    fc.jsonValue({ maxDepth: 2 }),
  );

  it("either loads and predicts, or throws MlflowException", async () => {
    const cases = await Promise.all(
      ["dense-classifier", "functional-two-inputs", "graph-model"].map(async (name) => {
        const dir = await copyCase(name);
        const json = JSON.parse(await readFile(path.join(dir, "model.json"), "utf8")) as unknown;
        return { dir, json, paths: allPaths(json) };
      }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: 2 }),
        fc.nat(),
        smallJson,
        fc.boolean(),
        fc.nat({ max: 20 }),
        async (which, pick, replacement, remove, truncate) => {
          const c = cases[which]!;
          const at = c.paths[pick % c.paths.length]!;
          let text = JSON.stringify(mutate(c.json, at, replacement, remove));
          if (truncate === 0) text = text.slice(0, pick % (text.length + 1));
          await writeFile(path.join(c.dir, "model.json"), text);
          const before = tf.memory().numTensors;
          try {
            const model = await loadTfjsModel(c.dir, { backend: "cpu" });
            try {
              const feed: Record<string, Tensor> = {};
              for (const spec of model.inputs) {
                const shape = (spec.shape ?? [2]).map((d) => (d === null || d < 0 ? 2 : Math.min(d, 64)));
                const size = shape.reduce((p, d) => p * d, 1);
                feed[spec.name] = { dtype: "float32", shape, data: new Float32Array(size) };
              }
              await model.predict(feed);
            } finally {
              model.close();
            }
          } catch (err) {
            if (!(err instanceof MlflowException)) throw err;
          }
          expect(tf.memory().numTensors).toBeLessThanOrEqual(before + 64);
        },
      ),
      { numRuns: 300 },
    );
  });
});
