import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MlflowException } from "../errors/mlflow-exception.js";
import { flavorPackageFor } from "../flavor/discovery.js";
import type { FlavorPlugin } from "../flavor/plugin.js";
import { FlavorRegistry } from "../flavor/registry.js";
import { JS_PYFUNC_FLAVOR_NAME, PYFUNC_FLAVOR_NAME } from "../flavor/select.js";
import type { Params, PyFuncInput, PyFuncOutput } from "../inputs/model-input.js";
import { Model } from "../mlmodel/model.js";
import { loadModel } from "../model/load-model.js";
import type { PyFuncModel } from "../model/pyfunc-model.js";

export interface FlavorConformanceOptions {
  /** The plugin under test. */
  plugin: FlavorPlugin;
  /** Save one model of this flavor into `dir` (which does not exist yet), normally with the flavor's saveModel. */
  saveExample: (dir: string) => Promise<unknown>;
  /** An input the saved model accepts. */
  input: PyFuncInput;
  params?: Params;
  /** Assertions on the prediction (throw or use `expect`). */
  check?: (output: PyFuncOutput) => void | Promise<void>;
  /** Whether the saved model must be streamable (default false). */
  streamable?: boolean;
  /** Assertions on the chunks of `predictStream` (streamable models). */
  checkStream?: (chunks: unknown[]) => void | Promise<void>;
  /** An input the model's signature refuses (predict must fail with INVALID_PARAMETER_VALUE). */
  badInput?: PyFuncInput;
  /** Title of the describe block (default "<plugin name> flavor conformance"). */
  title?: string;
  /** Predicting twice on the same input gives equal output (default true). */
  deterministic?: boolean;
}

function rewriteMLmodel(dir: string, edit: (doc: Model) => void): void {
  const file = path.join(dir, "MLmodel");
  const model = Model.fromYaml(readFileSync(file, "utf8"));
  edit(model);
  writeFileSync(file, model.toYaml());
}

async function rejection(promise: Promise<unknown>): Promise<MlflowException> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(MlflowException);
    return error as MlflowException;
  }
  throw new Error("expected the promise to reject with an MlflowException");
}

/**
 * Register vitest tests that check a flavor plugin against core's contract: save → load → predict round trips,
 * the MLmodel metadata and environment files, streaming flags, a model directory that was moved, and the error
 * cases (no plugin, non-empty target, paths leading out of the model directory, bad input).
 * Call it at the top level of a test file in the flavor package.
 */
export function runFlavorConformance(options: FlavorConformanceOptions): void {
  const { plugin } = options;
  describe(options.title ?? `${plugin.name} flavor conformance`, () => {
    let root = "";
    let modelDir = "";
    let metadata: Model;
    let registry: FlavorRegistry;
    const opened: PyFuncModel[] = [];
    const load = async (dir: string): Promise<PyFuncModel> => {
      const m = await loadModel(dir, { registry, discover: false, suppressWarnings: true });
      opened.push(m);
      return m;
    };

    beforeAll(async () => {
      root = mkdtempSync(path.join(tmpdir(), `pyfunc-conformance-${plugin.name}-`));
      modelDir = path.join(root, "model");
      registry = new FlavorRegistry();
      registry.register(plugin);
      await options.saveExample(modelDir);
      metadata = await Model.load(modelDir);
    });

    afterAll(async () => {
      for (const m of opened) await m.close();
      if (root) rmSync(root, { recursive: true, force: true });
    });

    it("saves an MLmodel whose pyfunc block names a loader module the plugin answers for", () => {
      const block = metadata.flavors[JS_PYFUNC_FLAVOR_NAME] ?? metadata.flavors[PYFUNC_FLAVOR_NAME];
      expect(block, "a python_function or js_function flavor block").toBeDefined();
      const loaderModule = block?.loader_module;
      expect(typeof loaderModule).toBe("string");
      expect([...plugin.loaderModules, plugin.packageName]).toContain(loaderModule);
      expect(registry.resolve(loaderModule as string)).toBe(plugin);
    });

    it("writes MLflow's metadata fields", () => {
      expect(metadata.modelUuid).toMatch(/^[0-9a-f]{32}$/);
      expect(metadata.utcTimeCreated).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?$/);
      expect(metadata.mlflowVersion).toMatch(/^\d+\.\d+\.\d+/);
      if (metadata.modelSizeBytes !== undefined && metadata.modelSizeBytes !== null) {
        expect(metadata.modelSizeBytes).toBeGreaterThan(0);
      }
      expect(Model.fromYaml(metadata.toYaml()).toDict()).toEqual(metadata.toDict());
    });

    it("writes the environment files for its pyfunc block", () => {
      if (metadata.flavors[JS_PYFUNC_FLAVOR_NAME]) {
        expect(existsSync(path.join(modelDir, "node_env.yaml"))).toBe(true);
      } else {
        for (const f of ["conda.yaml", "python_env.yaml", "requirements.txt"]) {
          expect(existsSync(path.join(modelDir, f)), f).toBe(true);
        }
        expect(readFileSync(path.join(modelDir, "requirements.txt"), "utf8")).toMatch(/^mlflow==\d/m);
      }
    });

    it("loads and predicts (save → load → predict)", async () => {
      const model = await load(modelDir);
      expect(model.modelDir).toBe(path.resolve(modelDir));
      expect(model.metadata.modelUuid).toBe(metadata.modelUuid);
      const output = await model.predict(options.input, options.params);
      expect(output).toBeDefined();
      await options.check?.(output);
      if (options.deterministic !== false) {
        expect(await model.predict(options.input, options.params)).toEqual(output);
      }
      expect(model.unwrap()).toBeDefined();
    });

    it(`reports streaming as ${options.streamable === true ? "supported" : "unsupported"}`, async () => {
      const model = await load(modelDir);
      expect(model.isStreamable).toBe(options.streamable === true);
      if (options.streamable === true) {
        const chunks: unknown[] = [];
        for await (const chunk of model.predictStream(options.input, options.params)) chunks.push(chunk);
        expect(chunks.length).toBeGreaterThan(0);
        await options.checkStream?.(chunks);
      } else {
        let caught: unknown;
        try {
          model.predictStream(options.input, options.params);
        } catch (error) {
          caught = error;
        }
        expect(caught).toBeInstanceOf(MlflowException);
      }
    });

    it("reads back its saved input example and predicts on it (when one was saved)", async () => {
      const model = await load(modelDir);
      const example = await model.loadInputExample();
      if (metadata.savedInputExampleInfo) {
        expect(example).toBeDefined();
        await model.predict(example as PyFuncInput, options.params);
      } else {
        expect(example).toBeUndefined();
      }
    });

    it("loads from a directory that was moved (no absolute paths recorded)", async () => {
      const before = await (await load(modelDir)).predict(options.input, options.params);
      const moved = path.join(root, "moved", "elsewhere");
      mkdirSync(path.dirname(moved), { recursive: true });
      cpSync(modelDir, moved, { recursive: true });
      const model = await load(moved);
      const after = await model.predict(options.input, options.params);
      await options.check?.(after);
      if (options.deterministic !== false) expect(after).toEqual(before);
    });

    it("fails with RESOURCE_DOES_NOT_EXIST naming the package when the plugin is not registered", async () => {
      const error = await rejection(loadModel(modelDir, { registry: new FlavorRegistry(), discover: false }));
      // NOT_IMPLEMENTED: the loader module is a Python one that only this plugin implements in JavaScript.
      expect(["RESOURCE_DOES_NOT_EXIST", "NOT_IMPLEMENTED"]).toContain(error.errorCode);
      const block = metadata.flavors[JS_PYFUNC_FLAVOR_NAME] ?? metadata.flavors[PYFUNC_FLAVOR_NAME];
      const expectedPackage = flavorPackageFor(String(block?.loader_module));
      if (error.errorCode === "RESOURCE_DOES_NOT_EXIST" && expectedPackage !== undefined) {
        expect(error.message).toContain(expectedPackage);
      }
    });

    it("refuses to save into a non-empty directory (RESOURCE_ALREADY_EXISTS)", async () => {
      const target = path.join(root, "non-empty");
      mkdirSync(target);
      writeFileSync(path.join(target, "keep.txt"), "keep");
      const error = await rejection(options.saveExample(target));
      expect(error.errorCode).toBe("RESOURCE_ALREADY_EXISTS");
      expect(readFileSync(path.join(target, "keep.txt"), "utf8")).toBe("keep");
    });

    it("refuses an MLmodel whose data path leads outside the model directory", async () => {
      const tampered = path.join(root, "tampered");
      cpSync(modelDir, tampered, { recursive: true });
      rewriteMLmodel(tampered, (m) => {
        const key = m.flavors[JS_PYFUNC_FLAVOR_NAME] ? JS_PYFUNC_FLAVOR_NAME : PYFUNC_FLAVOR_NAME;
        const block = m.flavors[key];
        if (block) block.data = "../model";
      });
      const error = await rejection(loadModel(tampered, { registry, discover: false }));
      expect(error.errorCode).toBe("INVALID_PARAMETER_VALUE");
    });

    if (options.badInput !== undefined) {
      it("refuses input its signature does not accept (INVALID_PARAMETER_VALUE)", async () => {
        const model = await load(modelDir);
        const error = await rejection(model.predict(options.badInput as PyFuncInput, options.params));
        expect(error.errorCode).toBe("INVALID_PARAMETER_VALUE");
      });
    }

    it("fails predict after close() with INVALID_STATE", async () => {
      const model = await load(modelDir);
      await model.close();
      const error = await rejection(model.predict(options.input, options.params));
      expect(error.errorCode).toBe("INVALID_STATE");
    });
  });
}
