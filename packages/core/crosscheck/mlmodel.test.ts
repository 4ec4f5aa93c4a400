import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import yaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { MlflowException } from "../src/errors/mlflow-exception.js";
import type { LoadContext } from "../src/flavor/plugin.js";
import { FlavorRegistry } from "../src/flavor/registry.js";
import { Model } from "../src/mlmodel/model.js";
import { loadModel } from "../src/model/load-model.js";
import { checkPyfuncPaths } from "../src/paths/pyfunc-paths.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const sharedFixtures = path.resolve(here, "../../../../shared/fixtures");
const mlflowReal = path.join(sharedFixtures, "mlflow-real");
const available = existsSync(mlflowReal);
if (!available) {
  console.warn(`[crosscheck] ${mlflowReal} not found: skipping the real-MLflow MLmodel cross-check`);
}

function modelDirs(): Array<{ label: string; dir: string }> {
  if (!available) return [];
  const out: Array<{ label: string; dir: string }> = [];
  for (const version of readdirSync(mlflowReal).sort()) {
    const vdir = path.join(mlflowReal, version);
    if (!version.startsWith("mlflow-")) continue;
    for (const name of readdirSync(vdir).sort()) {
      const dir = path.join(vdir, name, "model");
      if (existsSync(path.join(dir, "MLmodel"))) out.push({ label: `${version}/${name}`, dir });
    }
  }
  return out;
}

describe.skipIf(!available)("real MLflow model directories (../shared/fixtures/mlflow-real)", () => {
  const dirs = modelDirs();

  it("finds the MLflow model directories", () => {
    expect(dirs.length).toBeGreaterThan(0);
  });

  for (const { label, dir } of dirs) {
    describe(label, () => {
      it("reads MLmodel and writes back an equal document", async () => {
        const raw = yaml.load(readFileSync(path.join(dir, "MLmodel"), "utf8"), { schema: yaml.CORE_SCHEMA });
        const model = await Model.load(dir);
        expect(model.toDict()).toEqual(raw);
        expect(Model.fromYaml(model.toYaml()).toDict()).toEqual(raw);
        if (model.signature) expect(model.getSignature()).toBeDefined();
        // byte for byte what yaml.safe_dump wrote
        expect(model.toYaml()).toBe(readFileSync(path.join(dir, "MLmodel"), "utf8"));
      });

      it("names only paths inside the model directory, and they exist", async () => {
        const model = await Model.load(dir);
        const block = model.flavors.python_function ?? {};
        const data = checkPyfuncPaths(dir, block, "python_function");
        expect(existsSync(data)).toBe(true);
        if (typeof block.code === "string") expect(existsSync(path.join(dir, block.code))).toBe(true);
        for (const entry of Object.values((block.artifacts ?? {}) as Record<string, { path: string }>)) {
          expect(existsSync(path.join(dir, entry.path))).toBe(true);
        }
      });

      it("gets a clear error without a plugin (Python-only, or the package to install)", async () => {
        const model = await Model.load(dir);
        const loader = String(model.flavors.python_function?.loader_module);
        let error: unknown;
        try {
          await loadModel(dir, { registry: new FlavorRegistry(), discover: false });
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(MlflowException);
        const e = error as MlflowException;
        const flavorPackage: Record<string, string> = {
          "mlflow.onnx": "@pyfunc/onnx",
          "mlflow.xgboost": "@pyfunc/xgboost",
          "mlflow.sklearn": "@pyfunc/sklearn",
        };
        if (flavorPackage[loader] !== undefined) {
          expect(e.errorCode).toBe("RESOURCE_DOES_NOT_EXIST");
          expect(e.message).toContain(flavorPackage[loader]);
        } else {
          expect(e.errorCode).toBe("NOT_IMPLEMENTED");
          expect(e.message).toContain("cannot run in Node.js");
        }
      });

      it("loads through a registered probe plugin: paths, flavor block, config and the saved input example", async () => {
        const model = await Model.load(dir);
        const loader = String(model.flavors.python_function?.loader_module);
        const seen: LoadContext[] = [];
        const registry = new FlavorRegistry();
        registry.register({
          name: loader === "mlflow.onnx" ? "onnx" : loader === "mlflow.xgboost" ? "xgboost" : "probe",
          packageName: "probe",
          loaderModules: [loader],
          async load(ctx) {
            seen.push(ctx);
            return { predict: (input) => input };
          },
        });
        const loaded = await loadModel(dir, { registry, discover: false, suppressWarnings: true });
        const ctx = seen[0] as LoadContext;
        expect(existsSync(ctx.dataPath)).toBe(true);
        if (loader === "mlflow.onnx" || loader === "mlflow.xgboost") {
          expect(ctx.flavorConfig).toEqual(model.flavors[loader.slice(7)]);
          expect(ctx.flavorConfig).toBeDefined();
        }
        expect(ctx.modelConfig).toEqual(model.flavors.python_function?.config ?? {});
        if (model.savedInputExampleInfo) expect(await loaded.loadInputExample()).toBeDefined();
      });

      it("matches core's committed copy of this MLmodel", () => {
        const [version, name] = label.split("/");
        const copy = path.resolve(here, "../fixtures/mlmodel", version as string, name as string, "MLmodel");
        expect(readFileSync(copy, "utf8")).toBe(readFileSync(path.join(dir, "MLmodel"), "utf8"));
      });
    });
  }
});
