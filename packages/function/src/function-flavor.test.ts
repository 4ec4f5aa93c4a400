import { cp, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadModel, MlflowException, Model } from "@pyfunc/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { functionImplementation, saveModel } from "./index.js";

const SOURCES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../test-sources");
let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "pyfunc-function-test-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const dir = (name: string) => path.join(root, name);

describe("@pyfunc/function save and load", () => {
  it("saves a TypeScript model importing two packages and a relative helper into the temp dir and loads it", async () => {
    const target = dir("ts-model");
    const model = await saveModel(target, { modelCode: path.join(SOURCES, "ts-model.ts") });
    const block = model.flavors.js_function as Record<string, unknown>;
    expect(block.loader_module).toBe("@pyfunc/function");
    expect(block.model_code_path).toBe("ts-model.mjs");
    expect(block.model_code_source).toBe("ts-model.ts");
    expect(block.streamable).toBe(false);
    expect(model.flavors.python_function).toBeUndefined();
    const bundle = await readFile(path.join(target, "ts-model.mjs"), "utf8");
    expect(bundle).toContain('from "@pyfunc/core"');
    expect(bundle).not.toContain("./lib/helpers");
    const loaded = await loadModel(target);
    const out = await loaded.predict([
      { x: 1.5, name: "a" },
      { x: -2, name: "b" },
    ]);
    expect(out).toEqual([
      { y: 3, label: "<a>", bundler: "string" },
      { y: -4, label: "<b>", bundler: "string" },
    ]);
  });

  it("loads a JavaScript model with async predict and a streaming generator", async () => {
    const target = dir("js-model");
    const saved = await saveModel(target, { modelCode: path.join(SOURCES, "js-model.mjs") });
    expect((saved.flavors.js_function as Record<string, unknown>).streamable).toBe(true);
    const loaded = await loadModel(target);
    expect(await loaded.predict(["a", "b"])).toEqual([`a!${path.sep}`, `b!${path.sep}`]);
    expect(loaded.isStreamable).toBe(true);
    const chunks: unknown[] = [];
    for await (const c of loaded.predictStream(["x", "y"])) chunks.push(c);
    expect(chunks).toEqual(["x!", "y!"]);
  });

  it("ignores params with a warning, as MLflow's function models", async () => {
    const target = dir("params-model");
    await saveModel(target, { modelCode: path.join(SOURCES, "js-model.mjs") });
    const warnings: string[] = [];
    const loaded = await loadModel(target, { onWarning: (m) => warnings.push(m) });
    expect(await loaded.predict(["p"], { temperature: 0.5 })).toEqual([`p!${path.sep}`]);
    expect(warnings.join("\n")).toMatch(/params.*(will be ignored|Ignoring provided params)/);
  });

  it("the implementation itself declares acceptsParams false and warns if params still reach it", async () => {
    const warnings: string[] = [];
    const impl = functionImplementation({ predict: (x: unknown) => x }, (m) => warnings.push(m));
    expect(impl.acceptsParams).toBe(false);
    expect(await impl.predict([1], { k: 1 })).toEqual([1]);
    expect(warnings).toEqual([
      'The underlying model does not support passing additional parameters to the predict function. `params` {"k":1} will be ignored.',
    ]);
  });

  it("accepts a default-exported function", async () => {
    const target = dir("default-model");
    await saveModel(target, { modelCode: path.join(SOURCES, "default-export.mjs") });
    const loaded = await loadModel(target);
    expect(await loaded.predict([1, 2, 3])).toEqual({ n: 3 });
  });

  it("passes the saved model config (with load-time overrides) to an exported loadContext", async () => {
    const target = dir("configured");
    const model = await saveModel(target, {
      modelCode: path.join(SOURCES, "configured.mjs"),
      modelConfig: { factor: 3 },
    });
    expect((model.flavors.js_function as Record<string, unknown>).config).toEqual({ factor: 3 });
    expect(await (await loadModel(target)).predict([1, 2])).toEqual([3, 6]);
    expect(await (await loadModel(target, { modelConfig: { factor: 10 } })).predict([1, 2])).toEqual([
      10, 20,
    ]);
  });

  it("still loads after the model directory is moved elsewhere", async () => {
    const target = dir("to-move");
    await saveModel(target, { modelCode: path.join(SOURCES, "ts-model.ts") });
    const moved = dir("moved/deeper/model");
    await cp(target, moved, { recursive: true });
    await rm(target, { recursive: true });
    const loaded = await loadModel(moved);
    expect(await loaded.predict([{ x: 2, name: "m" }])).toEqual([{ y: 4, label: "<m>", bundler: "string" }]);
  });

  it("evaluates the model code afresh for each load", async () => {
    const target = dir("fresh");
    await saveModel(target, { modelCode: path.join(SOURCES, "js-model.mjs") });
    const a = await loadModel(target);
    const b = await loadModel(target);
    expect(a.unwrap()).not.toBe(b.unwrap());
  });
});

describe("@pyfunc/function errors and safety", () => {
  it("refuses a model_code path that escapes the model directory", async () => {
    const target = dir("escape");
    await saveModel(target, { modelCode: path.join(SOURCES, "js-model.mjs") });
    await writeFile(path.join(root, "outside.mjs"), "export const predict = () => 'pwned';");
    const mlmodelPath = path.join(target, "MLmodel");
    const text = await readFile(mlmodelPath, "utf8");
    await writeFile(
      mlmodelPath,
      text.replace("model_code_path: js-model.mjs", "model_code_path: ../outside.mjs"),
    );
    await expect(loadModel(target)).rejects.toBeInstanceOf(MlflowException);
    await expect(loadModel(target)).rejects.toThrow(/outside the model directory/);
  });

  it("refuses a relative import from saved code that leads outside the model directory", async () => {
    const target = dir("escape-import");
    await saveModel(target, { modelCode: path.join(SOURCES, "js-model.mjs") });
    await writeFile(path.join(root, "evil.mjs"), "export const x = 1;");
    await writeFile(
      path.join(target, "js-model.mjs"),
      "import { x } from '../evil.mjs';\nexport const predict = () => x;\n",
    );
    await expect(loadModel(target)).rejects.toThrow(/only import files inside its model directory/);
  });

  it("reports a package the loading application lacks", async () => {
    const target = dir("missing-pkg");
    await saveModel(target, { modelCode: path.join(SOURCES, "missing-package.mjs") }).catch(
      (e: unknown) => e,
    );
    const err = await saveModel(dir("missing-pkg-2"), {
      modelCode: path.join(SOURCES, "missing-package.mjs"),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MlflowException);
    expect((err as MlflowException).message).toMatch(/pyfunc-no-such-package-xyz/);
    expect((err as MlflowException).message).toMatch(/not installed in the loading application/);
  });

  it("reports a module without predict", async () => {
    const err = await saveModel(dir("no-predict"), { modelCode: path.join(SOURCES, "no-predict.mjs") }).catch(
      (e: unknown) => e,
    );
    expect((err as MlflowException).errorCode).toBe("INVALID_PARAMETER_VALUE");
    expect((err as Error).message).toMatch(/does not export a `predict` function/);
  });

  it("reports TypeScript syntax errors at save time with the file and line", async () => {
    const broken = path.join(root, "broken.ts");
    await writeFile(broken, "export function predict(x: number { return x; }\n");
    const err = await saveModel(dir("broken"), { modelCode: broken }).catch((e: unknown) => e);
    expect((err as MlflowException).errorCode).toBe("INVALID_PARAMETER_VALUE");
    expect((err as Error).message).toMatch(/broken\.ts:1/);
  });

  it("reports a missing model code file", async () => {
    await expect(saveModel(dir("nofile"), { modelCode: path.join(SOURCES, "nope.ts") })).rejects.toThrow(
      /does not exist/,
    );
  });

  it("copies codePaths under code/ and records `code`", async () => {
    const target = dir("code-paths");
    const model = await saveModel(target, {
      modelCode: path.join(SOURCES, "js-model.mjs"),
      codePaths: [path.join(SOURCES, "lib")],
    });
    expect((model.flavors.js_function as Record<string, unknown>).code).toBe("code");
    expect(await readFile(path.join(target, "code/lib/suffix.mjs"), "utf8")).toContain("suffix");
    const reread = await Model.load(target);
    expect((reread.flavors.js_function as Record<string, unknown>).model_code_path).toBe("js-model.mjs");
    await rename(target, dir("code-paths-moved"));
    expect(await (await loadModel(dir("code-paths-moved"))).predict(["q"])).toEqual([`q!${path.sep}`]);
  });
});
