import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { MlflowException } from "../errors/mlflow-exception.js";
import { Model } from "../mlmodel/model.js";
import {
  defaultDiscoveryBases,
  discoverFlavor,
  findFlavorPackages,
  flavorPackageFor,
  importFlavorPackage,
} from "./discovery.js";
import { FlavorRegistry } from "./registry.js";
import { selectFlavorPlugin } from "./select.js";

const tmpRoot = realpathSync(mkdtempSync(path.join(tmpdir(), "pyfunc-discovery-")));
afterAll(() => rmSync(tmpRoot, { recursive: true, force: true }));

/** A package directory with a package.json (and its flavor marker when `claims` is given) and an ESM entry. */
function writePackage(dir: string, name: string, claims: string[] | undefined, body: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, "package.json"),
    JSON.stringify({
      name,
      version: "1.2.3",
      type: "module",
      exports: { ".": { import: "./index.js" } },
      ...(claims ? { pyfunc: { flavor: { loaderModules: claims } } } : {}),
    }),
  );
  writeFileSync(path.join(dir, "index.js"), body);
}

/** A plugin module exporting (not registering) a plugin for `loaders`, predicting `answer`. */
const pluginSource = (name: string, pkg: string, loaders: string[], answer: string) =>
  `export default { name: ${JSON.stringify(name)}, packageName: ${JSON.stringify(pkg)},
     loaderModules: ${JSON.stringify(loaders)}, async load() { return { predict: () => ${JSON.stringify(answer)} }; } };`;

function app(): string {
  return mkdtempSync(path.join(tmpRoot, "app-"));
}

const pyfuncModel = (loaderModule: string) =>
  Model.fromDict({ flavors: { python_function: { loader_module: loaderModule } } });

describe("flavor discovery by package.json marker", () => {
  it("finds a new @pyfunc flavor for an MLflow loader module that no table names (mlflow.lightgbm)", async () => {
    const base = app();
    writePackage(
      path.join(base, "node_modules", "@pyfunc", "lightgbm"),
      "@pyfunc/lightgbm",
      ["mlflow.lightgbm"],
      pluginSource("lightgbm", "@pyfunc/lightgbm", ["mlflow.lightgbm"], "from lightgbm"),
    );
    expect(flavorPackageFor("mlflow.lightgbm", [base])).toBe("@pyfunc/lightgbm");
    const registry = new FlavorRegistry();
    const selected = await selectFlavorPlugin(pyfuncModel("mlflow.lightgbm"), registry, {
      discoveryBases: [base],
    });
    expect(selected.plugin.name).toBe("lightgbm");
    const impl = await selected.plugin.load({} as never);
    expect(await impl.predict([])).toBe("from lightgbm");
  });

  it("keeps MLflow's Python-only answer for mlflow.catboost while no package claims it", async () => {
    const base = app();
    writePackage(
      path.join(base, "node_modules", "@pyfunc", "unrelated"),
      "@pyfunc/unrelated",
      ["mlflow.unrelated"],
      pluginSource("unrelated", "@pyfunc/unrelated", ["mlflow.unrelated"], "x"),
    );
    const error = await selectFlavorPlugin(pyfuncModel("mlflow.catboost"), new FlavorRegistry(), {
      discoveryBases: [base],
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MlflowException);
    expect((error as MlflowException).errorClass).toBe("PYTHON_ONLY_FLAVOR");
    expect((error as MlflowException).message).toContain("format='onnx'");
  });

  it("lists only marked packages, nearest copy first, with versions and claimed loader modules", () => {
    const base = app();
    const nested = path.join(base, "apps", "tool");
    writePackage(
      path.join(nested, "node_modules", "@pyfunc", "xgboost"),
      "@pyfunc/xgboost",
      ["mlflow.xgboost"],
      "",
    );
    writePackage(path.join(base, "node_modules", "@pyfunc", "xgboost"), "@pyfunc/xgboost", ["old"], "");
    writePackage(path.join(base, "node_modules", "@pyfunc", "core"), "@pyfunc/core", undefined, "");
    writePackage(
      path.join(base, "node_modules", "acme-pyfunc-flavor-svm"),
      "acme-pyfunc-flavor-svm",
      ["svm"],
      "",
    );
    writePackage(
      path.join(base, "node_modules", "@acme", "pyfunc-flavor-knn"),
      "@acme/pyfunc-flavor-knn",
      [],
      "",
    );
    writePackage(path.join(base, "node_modules", "left-pad"), "left-pad", ["mlflow.xgboost"], "");
    const found = findFlavorPackages([nested]);
    expect(found.map((p) => p.name).sort()).toEqual([
      "@acme/pyfunc-flavor-knn",
      "@pyfunc/xgboost",
      "acme-pyfunc-flavor-svm",
    ]);
    const xgb = found.find((p) => p.name === "@pyfunc/xgboost");
    expect(xgb).toEqual({
      name: "@pyfunc/xgboost",
      version: "1.2.3",
      dir: path.join(nested, "node_modules", "@pyfunc", "xgboost"),
      loaderModules: ["mlflow.xgboost", "@pyfunc/xgboost"],
      marked: true,
    });
  });

  it("ignores a marker whose loader modules are not a list of strings, and a package.json of another name", () => {
    const base = app();
    const dir = path.join(base, "node_modules", "@pyfunc", "odd");
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, "package.json"),
      JSON.stringify({ name: "@pyfunc/odd", pyfunc: { flavor: { loaderModules: "mlflow.odd" } } }),
    );
    writePackage(
      path.join(base, "node_modules", "@pyfunc", "alias"),
      "@pyfunc/other-name",
      ["mlflow.alias"],
      "",
    );
    expect(findFlavorPackages([base])).toEqual([]);
    expect(flavorPackageFor("mlflow.alias", [base])).toBeUndefined();
  });

  it("sees workspace packages linked into node_modules (pnpm's layout) and reports their real directory", async () => {
    const base = app();
    const source = path.join(base, "packages", "lookup");
    writePackage(
      source,
      "@pyfunc/lookup",
      ["mlflow.lookup"],
      pluginSource("lookup", "@pyfunc/lookup", ["mlflow.lookup"], "linked"),
    );
    const consumer = path.join(base, "apps", "cli");
    mkdirSync(path.join(consumer, "node_modules", "@pyfunc"), { recursive: true });
    symlinkSync(source, path.join(consumer, "node_modules", "@pyfunc", "lookup"), "dir");
    expect(findFlavorPackages([path.join(consumer, "dist")]).map((p) => p.dir)).toEqual([source]);
    const registry = new FlavorRegistry();
    const result = await discoverFlavor("mlflow.lookup", registry, [path.join(consumer, "dist")]);
    expect(result).toEqual({
      packageName: "@pyfunc/lookup",
      foundAt: source,
      moduleUrl: `file://${path.join(source, "index.js")}`,
    });
    expect(registry.resolve("mlflow.lookup")?.name).toBe("lookup");
  });

  it("reports the package, where it was found and why, when a flavor fails to import", async () => {
    const base = app();
    const dir = path.join(base, "node_modules", "@pyfunc", "native");
    writePackage(dir, "@pyfunc/native", ["mlflow.native"], `throw new Error("binding missing");`);
    const error = await importFlavorPackage({ name: "@pyfunc/native", dir }, new FlavorRegistry()).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MlflowException);
    expect((error as MlflowException).errorClass).toBe("FLAVOR_PACKAGE_FAILED");
    expect((error as MlflowException).message).toBe(
      `The flavor package '@pyfunc/native' (found at ${dir}) failed to load: binding missing`,
    );
  });
});

describe("default discovery bases", () => {
  const argv1 = process.argv[1];
  afterEach(() => {
    process.argv[1] = argv1 as string;
  });

  it("include the entry script's folder when it is the application's own code", () => {
    const base = app();
    mkdirSync(path.join(base, "dist"));
    writeFileSync(path.join(base, "dist", "bin.js"), "");
    process.argv[1] = path.join(base, "dist", "bin.js");
    const bases = defaultDiscoveryBases();
    expect(bases[0]).toBe(process.cwd());
    expect(bases).toContain(path.join(base, "dist"));
  });

  it("leave out an entry script inside node_modules (a test runner's or a thread pool's worker)", () => {
    const base = app();
    const tool = path.join(base, "node_modules", "runner", "worker.js");
    mkdirSync(path.dirname(tool), { recursive: true });
    writeFileSync(tool, "");
    process.argv[1] = tool;
    expect(defaultDiscoveryBases().some((b) => b.startsWith(base))).toBe(false);
  });
});
