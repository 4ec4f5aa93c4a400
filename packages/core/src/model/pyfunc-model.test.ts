import { mkdtempSync, rmSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MlflowException } from "../errors/mlflow-exception.js";
import type { FlavorPlugin, PyFuncImplementation } from "../flavor/plugin.js";
import { FlavorRegistry } from "../flavor/registry.js";
import type { PyFuncInput } from "../inputs/model-input.js";
import { Model } from "../mlmodel/model.js";
import { coreVersion } from "../save/env.js";
import { saveModel } from "../save/save-model.js";
import { loadModel } from "./load-model.js";
import { loadPyfunc } from "./load-pyfunc.js";

const LOADER = "@pyfunc/test-methods";
const rows = (input: PyFuncInput) => input as Array<{ x: number }>;

// A flavor whose implementation exposes several methods, as MLflow's sklearn wrapper exposes predict_proba.
function methodsPlugin(withRaw: boolean): FlavorPlugin {
  return {
    name: "methods",
    packageName: LOADER,
    coreVersion: `^${coreVersion()}`,
    loaderModules: [LOADER],
    async load(): Promise<PyFuncImplementation> {
      const booster = { kind: "raw booster" };
      const impl: PyFuncImplementation & Record<string, unknown> = {
        predict: (input) => rows(input).map((r) => r.x),
        predictProba: (input: PyFuncInput) => rows(input).map((r) => [1 - r.x / 10, r.x / 10]),
        async *streamTokens(input: PyFuncInput) {
          for (const r of rows(input)) yield { token: String(r.x) };
        },
        ...(withRaw ? { getRawModel: () => booster } : {}),
      };
      return impl;
    },
  };
}

let root: string;
const registry = new FlavorRegistry();

async function saveMethodsModel(name: string, pyfuncExtra: Record<string, unknown>): Promise<string> {
  const dir = path.join(root, name);
  await saveModel(dir, {
    loaderModule: LOADER,
    pyfuncFlavorKey: "js_function",
    pyfuncExtra,
    flavor: { name: "methods", config: {} },
    writeFiles: async (tmp) => {
      await mkdir(path.join(tmp, "data"));
      await writeFile(path.join(tmp, "data", "m.json"), "{}");
    },
  });
  return dir;
}

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), "pyfunc-model-"));
  registry.register(methodsPlugin(true));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const load = (dir: string) => loadModel(dir, { registry, discover: false, onWarning: () => {} });

describe("PyFuncModel", () => {
  it("calls the method the pyfunc block's predict_fn names (Python or camelCase spelling)", async () => {
    const plain = await load(await saveMethodsModel("plain", {}));
    expect(await plain.predict([{ x: 2 }])).toEqual([2]);
    const proba = await load(await saveMethodsModel("proba", { predict_fn: "predict_proba" }));
    expect(await proba.predict([{ x: 2 }])).toEqual([[0.8, 0.2]]);
    const camel = await load(await saveMethodsModel("camel", { predict_fn: "predictProba" }));
    expect(await camel.predict([{ x: 5 }])).toEqual([[0.5, 0.5]]);
  });

  it("refuses a predict_fn the implementation does not have, as MLflow's PyFuncModel does", async () => {
    const dir = await saveMethodsModel("missing", { predict_fn: "decision_function" });
    const error = await load(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MlflowException);
    expect((error as Error).message).toBe(
      "Model implementation is missing required decision_function method.",
    );
  });

  it("streams through predict_stream_fn of a streamable model", async () => {
    const dir = await saveMethodsModel("stream", { streamable: true, predict_stream_fn: "stream_tokens" });
    const model = await load(dir);
    expect(model.isStreamable).toBe(true);
    const out: unknown[] = [];
    for await (const chunk of model.predictStream([{ x: 1 }, { x: 2 }])) out.push(chunk);
    expect(out).toEqual([{ token: "1" }, { token: "2" }]);
    const notStreamable = await load(await saveMethodsModel("nostream", { streamable: true }));
    expect(notStreamable.isStreamable).toBe(false);
  });

  it("getRawModel returns the flavor's raw model; unwrap stays as its alias", async () => {
    const model = await load(await saveMethodsModel("raw", {}));
    expect(model.getRawModel()).toEqual({ kind: "raw booster" });
    expect(model.unwrap()).toBe(model.getRawModel());
    expect(() => model.unwrapPythonModel()).toThrow("Unable to retrieve base model object from pyfunc.");
  });

  it("getRawModel throws NOT_IMPLEMENTED when the flavor exposes no raw model", async () => {
    const bare = new FlavorRegistry();
    bare.register(methodsPlugin(false));
    const model = await loadModel(await saveMethodsModel("bare", {}), { registry: bare, discover: false });
    expect(() => model.getRawModel()).toThrow(
      expect.objectContaining({ errorCode: "NOT_IMPLEMENTED" }) as unknown as Error,
    );
  });

  it("modelId is the MLmodel's model_id, or null for a plain saved model", async () => {
    const dir = await saveMethodsModel("ids", {});
    expect((await load(dir)).modelId).toBeNull();
    const meta = await Model.load(dir);
    meta.modelId = "m-0123456789abcdef0123456789abcdef";
    await meta.save(path.join(dir, "MLmodel"));
    expect((await load(dir)).modelId).toBe("m-0123456789abcdef0123456789abcdef");
  });
});

describe("loadPyfunc", () => {
  it("loads like loadModel and emits one DeprecationWarning per process", async () => {
    const dir = await saveMethodsModel("deprecated", {});
    const warnings: Error[] = [];
    const listener = (w: Error) => {
      if (w.name === "DeprecationWarning") warnings.push(w);
    };
    process.on("warning", listener);
    try {
      const first = await loadPyfunc(dir, { registry, discover: false });
      const second = await loadPyfunc(dir, { registry, discover: false });
      expect(await first.predict([{ x: 3 }])).toEqual([3]);
      expect(await second.predict([{ x: 4 }])).toEqual([4]);
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off("warning", listener);
    }
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toMatch(/deprecated.*loadModel/);
  });
});
