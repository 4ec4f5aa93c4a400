import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MlflowException } from "../errors/mlflow-exception.js";
import { importModelCode } from "./index.js";

let root: string;
let app: string;
let modelDir: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "pyfunc-resolve-test-"));
  // A loading "application" whose node_modules holds an ESM-only package (exports with only "import").
  app = path.join(root, "app");
  const pkg = path.join(app, "node_modules", "@acme", "greeter");
  await mkdir(pkg, { recursive: true });
  await writeFile(
    path.join(pkg, "package.json"),
    JSON.stringify({ name: "@acme/greeter", type: "module", exports: { ".": { import: "./index.js" } } }),
  );
  await writeFile(path.join(pkg, "index.js"), "export const greet = (n) => 'hello ' + n;\n");
  modelDir = path.join(root, "elsewhere", "model");
  await mkdir(path.join(modelDir, "lib"), { recursive: true });
  await writeFile(
    path.join(modelDir, "code.mjs"),
    'import { greet } from "@acme/greeter";\nimport { bang } from "./lib/bang.mjs";\nexport const predict = (x) => bang(greet(x));\n',
  );
  await writeFile(
    path.join(modelDir, "lib", "bang.mjs"),
    'import { greet } from "@acme/greeter";\nexport const bang = (s) => s + "!";\nexport const again = greet;\n',
  );
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("package imports of saved code resolve from the loading application", () => {
  it("resolves an ESM-only package from the given application directory, also inside relative helpers", async () => {
    const mod = await importModelCode(modelDir, path.join(modelDir, "code.mjs"), { resolveFrom: [app] });
    expect((mod.predict as (x: string) => string)("ada")).toBe("hello ada!");
  });

  it("uses $PYFUNC_MODEL_CODE_RESOLVE_FROM when no directory is given", async () => {
    const before = process.env.PYFUNC_MODEL_CODE_RESOLVE_FROM;
    process.env.PYFUNC_MODEL_CODE_RESOLVE_FROM = app;
    try {
      const mod = await importModelCode(modelDir, path.join(modelDir, "code.mjs"));
      expect((mod.predict as (x: string) => string)("bo")).toBe("hello bo!");
    } finally {
      if (before === undefined) delete process.env.PYFUNC_MODEL_CODE_RESOLVE_FROM;
      else process.env.PYFUNC_MODEL_CODE_RESOLVE_FROM = before;
    }
  });

  it("fails with a clear error when the application does not have the package", async () => {
    const err = await importModelCode(modelDir, path.join(modelDir, "code.mjs"), {
      resolveFrom: [root],
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MlflowException);
    expect((err as Error).message).toMatch(/@acme\/greeter/);
    expect((err as Error).message).toMatch(/not installed in the loading application/);
  });

  it("refuses to import a file outside the model directory", async () => {
    await writeFile(path.join(root, "outside.mjs"), "export const predict = () => 1;\n");
    await expect(importModelCode(modelDir, path.join(root, "outside.mjs"))).rejects.toThrow(
      /not inside the model directory/,
    );
  });

  it("leaves imports of ordinary modules (not model code) to Node's normal resolution", async () => {
    const { createRequire } = await import("node:module");
    const { pathToFileURL } = await import("node:url");
    const nativeImport = createRequire(import.meta.url)("../../native-import.cjs") as (
      s: string,
    ) => Promise<unknown>;
    // Same file, imported without the model-code marker: "@acme/greeter" is not found from /tmp.
    const err = await nativeImport(pathToFileURL(path.join(modelDir, "code.mjs")).href).catch(
      (e: unknown) => e,
    );
    expect((err as NodeJS.ErrnoException).code).toBe("ERR_MODULE_NOT_FOUND");
  });
});

describe("require() from model code is checked as imports are", () => {
  let dir: string;
  let outsideFile: string;
  beforeAll(async () => {
    dir = path.join(root, "require-model");
    await mkdir(dir, { recursive: true });
    outsideFile = path.join(root, "outside-secret.cjs");
    await writeFile(outsideFile, "module.exports = { stolen: true };\n");
    await writeFile(path.join(dir, "table.json"), '{"a": 1}\n');
    await writeFile(path.join(dir, "helper.cjs"), "module.exports = require('node:fs');\n");
  });

  async function importCode(file: string, source: string): Promise<unknown> {
    await writeFile(path.join(dir, file), source);
    return importModelCode(dir, path.join(dir, file), { resolveFrom: [app] }).catch((e: unknown) => e);
  }

  it("refuses createRequire(import.meta.url)(absolutePath) of a file outside the model directory", async () => {
    const err = await importCode(
      "abs.mjs",
      `import { createRequire } from "node:module";\nexport const v = createRequire(import.meta.url)(${JSON.stringify(outsideFile)});\n`,
    );
    expect(err).toBeInstanceOf(MlflowException);
    expect((err as Error).message).toMatch(
      /may only require\(\) packages, builtins and JSON files inside its model directory/,
    );
  });

  it("refuses the same through the default export of 'module' and through a relative path", async () => {
    const viaDefault = await importCode(
      "default.mjs",
      `import mod from "module";\nexport const v = mod.createRequire(import.meta.url)("../outside-secret.cjs");\n`,
    );
    expect((viaDefault as Error).message).toMatch(/may only require\(\)/);
    const viaDynamic = await importCode(
      "dynamic.mjs",
      `const { createRequire } = await import("node:module");\nexport const v = createRequire(import.meta.url)(${JSON.stringify(outsideFile)});\n`,
    );
    expect((viaDynamic as Error).message).toMatch(/may only require\(\)/);
  });

  it("refuses require() of a CommonJS file inside the model directory (its own require would be unchecked)", async () => {
    const err = await importCode(
      "cjs-inside.mjs",
      `import { createRequire } from "node:module";\nexport const v = createRequire(import.meta.url)("./helper.cjs");\n`,
    );
    expect((err as Error).message).toMatch(/may only require\(\)/);
  });

  it("refuses to import a CommonJS file as model code or from model code", async () => {
    const entry = await importModelCode(dir, path.join(dir, "helper.cjs")).catch((e: unknown) => e);
    expect(entry).toBeInstanceOf(MlflowException);
    expect((entry as Error).message).toMatch(/must be ES modules/);
    const imported = await importCode("imports-cjs.mjs", `export { default } from "./helper.cjs";\n`);
    expect((imported as Error).message).toMatch(/must be ES modules/);
  });

  it("still lets model code require builtins, packages and JSON files inside its directory", async () => {
    const mod = (await importCode(
      "ok.mjs",
      `import { createRequire, isBuiltin } from "node:module";\nconst req = createRequire(import.meta.url);\nexport const v = [req("node:path").sep, req("./table.json").a, isBuiltin("fs")];\n`,
    )) as { v: unknown[] };
    expect(mod.v).toEqual([path.sep, 1, true]);
  });
});
