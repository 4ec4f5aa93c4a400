import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MlflowException } from "../errors/mlflow-exception.js";
import { Model } from "../mlmodel/model.js";
import { coreVersion } from "../save/env.js";
import { makeScalePlugin, SCALE_LOADER } from "../testing/__tests__/test-flavor.js";
import { discoverFlavor, flavorPackageFor, npmPackageOf } from "./discovery.js";
import type { FlavorPlugin } from "./plugin.js";
import { assertCoreVersion, defaultFlavorRegistry, FlavorRegistry, registerFlavor } from "./registry.js";
import { selectFlavorPlugin } from "./select.js";

const tmpRoot = mkdtempSync(path.join(tmpdir(), "pyfunc-registry-"));
afterAll(() => rmSync(tmpRoot, { recursive: true, force: true }));

function modelWith(
  flavors: Record<string, Record<string, unknown>>,
  metadata?: Record<string, unknown>,
): Model {
  return Model.fromDict({ flavors, ...(metadata ? { metadata } : {}) });
}

async function selectError(model: Model, registry = new FlavorRegistry(), bases: string[] = [tmpRoot]) {
  try {
    await selectFlavorPlugin(model, registry, { discoveryBases: bases });
  } catch (error) {
    expect(error).toBeInstanceOf(MlflowException);
    return error as MlflowException;
  }
  throw new Error("expected selectFlavorPlugin to fail");
}

/** A fake installed flavor package under <base>/node_modules/<name>. */
function fakePackage(base: string, name: string, body: string, manifest: Record<string, unknown> = {}): void {
  const dir = path.join(base, "node_modules", ...name.split("/"));
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, "package.json"),
    JSON.stringify({
      name,
      version: "9.9.9",
      type: "module",
      exports: { ".": { import: "./index.js" } },
      ...manifest,
    }),
  );
  writeFileSync(path.join(dir, "index.js"), body);
}

describe("FlavorRegistry", () => {
  it("resolves a plugin by each loader module alias and by its package name", () => {
    const registry = new FlavorRegistry();
    const plugin = makeScalePlugin();
    registry.register(plugin);
    expect(registry.resolve(SCALE_LOADER)).toBe(plugin);
    expect(registry.resolve("scale")).toBe(plugin);
    expect(registry.resolve("mlflow.onnx")).toBeUndefined();
    expect(registry.list()).toEqual([plugin]);
    expect(registry.loaderModules()).toEqual(["@pyfunc/test-scale", "scale"]);
  });

  it("lets a higher priority win, ignores a lower one, and refuses an equal one from another package", () => {
    const registry = new FlavorRegistry();
    const low = makeScalePlugin({}, 0, "pkg-low");
    const high = makeScalePlugin({}, 10, "pkg-high");
    const lower = makeScalePlugin({}, -5, "pkg-lower");
    registry.register(low);
    registry.register(high);
    expect(registry.resolve("scale")).toBe(high);
    // low still answers for its own package name
    expect(registry.list()).toEqual([high, low]);
    expect(registry.resolve("pkg-low")).toBe(low);
    registry.register(lower);
    expect(registry.resolve("scale")).toBe(high);
    const rival = makeScalePlugin({}, 10, "pkg-rival");
    expect(() => registry.register(rival)).toThrow(MlflowException);
    expect(registry.resolve("scale")).toBe(high);
    // the same package registered twice (two copies on disk) is fine and keeps the first
    const copy = makeScalePlugin({}, 10, "pkg-high");
    registry.register(copy);
    expect(registry.resolve("scale")).toBe(high);
    expect(registry.unregister(high)).toBe(true);
    expect(registry.resolve("scale")).toBeUndefined();
  });

  it("refuses objects that are not flavor plugins", () => {
    const registry = new FlavorRegistry();
    expect(() => registry.register({ name: "x" } as unknown as FlavorPlugin)).toThrow(/loaderModules/);
    expect(() => registry.register(null as unknown as FlavorPlugin)).toThrow(MlflowException);
  });

  it("refuses a plugin built for another core version, naming both versions", () => {
    const registry = new FlavorRegistry();
    const plugin = { ...makeScalePlugin({}, 0, "@acme/pyfunc-flavor-old"), coreVersion: "^0.0.1" };
    let error: unknown;
    try {
      registry.register(plugin);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MlflowException);
    expect((error as MlflowException).errorCode).toBe("INVALID_STATE");
    expect((error as MlflowException).message).toContain("@pyfunc/core ^0.0.1");
    expect((error as MlflowException).message).toContain(`@pyfunc/core ${coreVersion()} is loaded`);
    expect((error as MlflowException).message).toContain("@acme/pyfunc-flavor-old");
    expect(registry.resolve(SCALE_LOADER)).toBeUndefined();
    expect(() => registerFlavor({ ...plugin, packageName: "@acme/other" })).toThrow(
      /built for @pyfunc\/core \^0\.0\.1/,
    );
  });

  it("accepts a core inside the declared range, pre-releases of the range's line included", () => {
    const registry = new FlavorRegistry();
    const plugin = { ...makeScalePlugin(), coreVersion: `>=${coreVersion()} <99.0.0` };
    registry.register(plugin);
    expect(registry.resolve(SCALE_LOADER)).toBe(plugin);
    expect(() => assertCoreVersion({ ...plugin, coreVersion: "^2.0.0" }, "2.1.0-next.3")).not.toThrow();
    expect(() => assertCoreVersion({ ...plugin, coreVersion: "^2.0.0" }, "3.0.0")).toThrow(
      /built for @pyfunc\/core \^2\.0\.0, but @pyfunc\/core 3\.0\.0 is loaded/,
    );
  });

  it("refuses a coreVersion that is not a semver range", () => {
    const registry = new FlavorRegistry();
    expect(() => registry.register({ ...makeScalePlugin(), coreVersion: "the latest one" })).toThrow(
      /'coreVersion' must be a semver range/,
    );
  });

  it("registerFlavor registers into the process-wide default registry, shared through globalThis", () => {
    const plugin = makeScalePlugin({}, 0, "@pyfunc/test-default");
    registerFlavor(plugin);
    expect(defaultFlavorRegistry.resolve("@pyfunc/test-default")).toBe(plugin);
    const slot = (globalThis as unknown as Record<symbol, unknown>)[
      Symbol.for("@pyfunc/core.defaultFlavorRegistry")
    ];
    expect(slot).toBe(defaultFlavorRegistry);
    defaultFlavorRegistry.unregister(plugin);
  });
});

describe("loader module → package names", () => {
  it("maps MLflow's module names and recognises flavor package names", () => {
    expect(flavorPackageFor("mlflow.onnx")).toBe("@pyfunc/onnx");
    expect(flavorPackageFor("mlflow.xgboost")).toBe("@pyfunc/xgboost");
    expect(flavorPackageFor("tfjs")).toBe("@pyfunc/tfjs");
    expect(flavorPackageFor("@pyfunc/custom-class")).toBe("@pyfunc/custom-class");
    expect(flavorPackageFor("@pyfunc/function/loader")).toBe("@pyfunc/function");
    expect(flavorPackageFor("acme-pyfunc-flavor-lgbm")).toBe("acme-pyfunc-flavor-lgbm");
    expect(flavorPackageFor("mlflow.sklearn")).toBeUndefined();
    expect(flavorPackageFor("left-pad")).toBeUndefined();
    expect(npmPackageOf("../../etc")).toBeUndefined();
    expect(flavorPackageFor("@pyfunc/../../x")).toBeUndefined();
  });
});

describe("selecting the flavor of a model", () => {
  it("prefers the js_function block over python_function", async () => {
    const registry = new FlavorRegistry();
    const js = makeScalePlugin();
    registry.register(js);
    const other = { ...makeScalePlugin({}, 0, "@pyfunc/other"), loaderModules: ["mlflow.other"] };
    registry.register(other);
    const model = modelWith({
      js_function: { loader_module: SCALE_LOADER },
      python_function: { loader_module: "mlflow.other" },
    });
    const selected = await selectFlavorPlugin(model, registry, { discover: false });
    expect(selected.flavorKey).toBe("js_function");
    expect(selected.plugin).toBe(js);
    const pyOnly = modelWith({ python_function: { loader_module: "mlflow.other" } });
    expect((await selectFlavorPlugin(pyOnly, registry, { discover: false })).plugin).toBe(other);
  });

  it("falls back to python_function when the js_function plugin is missing", async () => {
    const registry = new FlavorRegistry();
    const plugin = { ...makeScalePlugin({}, 0, "@pyfunc/other"), loaderModules: ["mlflow.onnx"] };
    registry.register(plugin);
    const model = modelWith({
      js_function: { loader_module: "@pyfunc/not-installed" },
      python_function: { loader_module: "mlflow.onnx" },
    });
    const selected = await selectFlavorPlugin(model, registry, { discoveryBases: [tmpRoot] });
    expect(selected.flavorKey).toBe("python_function");
  });

  it("fails with RESOURCE_DOES_NOT_EXIST when there is no pyfunc flavor (as MLflow)", async () => {
    const error = await selectError(modelWith({ onnx: { data: "model.onnx" } }));
    expect(error.errorCode).toBe("RESOURCE_DOES_NOT_EXIST");
    expect(error.message).toContain('Model does not have the "python_function" flavor');
    expect(error.message).toContain("onnx");
  });

  it("names the npm package to install for a known loader module", async () => {
    const error = await selectError(modelWith({ python_function: { loader_module: "mlflow.xgboost" } }));
    expect(error.errorCode).toBe("RESOURCE_DOES_NOT_EXIST");
    expect(error.errorClass).toBe("FLAVOR_NOT_INSTALLED");
    expect(error.message).toContain("npm install @pyfunc/xgboost");
    const js = await selectError(modelWith({ js_function: { loader_module: "@pyfunc/custom-class" } }));
    expect(js.message).toContain("npm install @pyfunc/custom-class");
    const unknownJs = await selectError(modelWith({ js_function: { loader_module: "some-js-thing" } }));
    expect(unknownJs.errorCode).toBe("RESOURCE_DOES_NOT_EXIST");
    expect(unknownJs.message).toContain("some-js-thing");
  });

  it("says a Python-only flavor cannot run in Node and suggests ONNX", async () => {
    const sk = await selectError(
      modelWith({ python_function: { loader_module: "mlflow.sklearn" }, sklearn: {} }),
    );
    expect(sk.errorCode).toBe("NOT_IMPLEMENTED");
    expect(sk.errorClass).toBe("PYTHON_ONLY_FLAVOR");
    expect(sk.message).toContain("cannot run in Node.js");
    expect(sk.message).toContain("skl2onnx");
    const torch = await selectError(modelWith({ python_function: { loader_module: "mlflow.pytorch" } }));
    expect(torch.message).toContain("torch.onnx.export");
    const pickle = await selectError(
      modelWith({
        python_function: { loader_module: "mlflow.pyfunc.model", python_model: "python_model.pkl" },
      }),
    );
    expect(pickle.message).toContain("cloudpickled");
    expect(pickle.message).toContain("ONNX");
    const fromCode = await selectError(
      modelWith({
        python_function: {
          loader_module: "mlflow.pyfunc.loaders.code_model",
          model_code_path: "/x/model_code.py",
        },
      }),
    );
    expect(fromCode.message).toContain("model_code.py");
    expect(fromCode.errorCode).toBe("NOT_IMPLEMENTED");
    const custom = await selectError(
      modelWith({ python_function: { loader_module: "custom_loader", code: "code" } }),
    );
    expect(custom.message).toContain("custom Python module");
    expect(custom.errorCode).toBe("NOT_IMPLEMENTED");
  });

  it("uses a registered plugin even for a Python loader module name", async () => {
    const registry = new FlavorRegistry();
    const plugin = { ...makeScalePlugin(), loaderModules: ["mlflow.sklearn"] };
    registry.register(plugin);
    const selected = await selectFlavorPlugin(
      modelWith({ python_function: { loader_module: "mlflow.sklearn" } }),
      registry,
    );
    expect(selected.plugin).toBe(plugin);
  });

  it("refuses an external model (mlflow.model.isExternal)", async () => {
    const error = await selectError(
      modelWith({ python_function: { loader_module: "mlflow.onnx" } }, { "mlflow.model.isExternal": true }),
    );
    expect(error.message).toContain("external");
    expect(error.errorCode).toBe("BAD_REQUEST");
  });

  it("refuses a pyfunc block without loader_module", async () => {
    const error = await selectError(modelWith({ python_function: { data: "x" } }));
    expect(error.errorCode).toBe("INVALID_PARAMETER_VALUE");
  });
});

describe("discovery on demand", () => {
  it("imports an installed package that registers itself in the shared default registry", async () => {
    const base = mkdtempSync(path.join(tmpRoot, "app-"));
    fakePackage(
      base,
      "@pyfunc/test-selfreg",
      `const plugin = { name: "selfreg", packageName: "@pyfunc/test-selfreg", loaderModules: ["@pyfunc/test-selfreg"],
        async load() { return { predict: () => "from selfreg" }; } };
       globalThis[Symbol.for("@pyfunc/core.defaultFlavorRegistry")].register(plugin);
       export default plugin;`,
    );
    const model = modelWith({ js_function: { loader_module: "@pyfunc/test-selfreg" } });
    const selected = await selectFlavorPlugin(model, defaultFlavorRegistry, { discoveryBases: [base] });
    expect(selected.plugin.name).toBe("selfreg");
    defaultFlavorRegistry.unregister(selected.plugin);
  });

  it("registers an exported plugin into a custom registry, for MLflow names mapped to a package", async () => {
    const base = mkdtempSync(path.join(tmpRoot, "app-"));
    fakePackage(
      base,
      "@pyfunc/onnx",
      `export const onnxPlugin = { name: "onnx", packageName: "@pyfunc/onnx", loaderModules: ["mlflow.onnx", "@pyfunc/onnx"],
        async load() { return { predict: () => 1 }; } };`,
      { exports: { ".": { types: "./index.d.ts", node: { import: "./index.js" } } } },
    );
    const registry = new FlavorRegistry();
    const result = await discoverFlavor("mlflow.onnx", registry, [path.join(tmpRoot, "nowhere"), base]);
    expect(result?.packageName).toBe("@pyfunc/onnx");
    expect(result?.foundAt).toBe(path.join(base, "node_modules", "@pyfunc", "onnx"));
    expect(registry.resolve("mlflow.onnx")?.name).toBe("onnx");
  });

  it("finds packages from a parent directory's node_modules and uses `main` without exports", async () => {
    const base = mkdtempSync(path.join(tmpRoot, "app-"));
    fakePackage(
      base,
      "acme-pyfunc-flavor-demo",
      `export default { name: "demo", packageName: "acme-pyfunc-flavor-demo", loaderModules: ["acme-pyfunc-flavor-demo"],
        async load() { return { predict: () => 2 }; } };`,
      { exports: undefined, main: "index.js" },
    );
    const nested = path.join(base, "src", "deep");
    mkdirSync(nested, { recursive: true });
    const registry = new FlavorRegistry();
    const model = modelWith({ js_function: { loader_module: "acme-pyfunc-flavor-demo" } });
    const selected = await selectFlavorPlugin(model, registry, { discoveryBases: [nested] });
    expect(selected.plugin.name).toBe("demo");
  });

  it("reports a package that is installed but fails to import", async () => {
    const base = mkdtempSync(path.join(tmpRoot, "app-"));
    fakePackage(base, "@pyfunc/test-broken", `throw new Error("native binding missing");`);
    const error = await selectError(
      modelWith({ js_function: { loader_module: "@pyfunc/test-broken" } }),
      undefined,
      [base],
    );
    expect(error.message).toContain("failed to load");
    expect(error.message).toContain("native binding missing");
  });

  it("still names the package when the installed one does not provide the loader module", async () => {
    const base = mkdtempSync(path.join(tmpRoot, "app-"));
    fakePackage(base, "@pyfunc/test-empty", "export const nothing = 1;");
    const error = await selectError(
      modelWith({ js_function: { loader_module: "@pyfunc/test-empty" } }),
      undefined,
      [base],
    );
    expect(error.errorCode).toBe("RESOURCE_DOES_NOT_EXIST");
    expect(error.message).toContain("@pyfunc/test-empty");
  });
});
