import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MlflowException } from "../errors/mlflow-exception.js";
import { FlavorRegistry } from "../flavor/registry.js";
import { Model } from "../mlmodel/model.js";
import { loadModel } from "../model/load-model.js";
import { makeScalePlugin, saveScaleModel } from "../testing/__tests__/test-flavor.js";
import { resolveInsideModelDir } from "./resolve-inside.js";

let root: string;
const SECRET = "root:x:0:0:secret-line-that-must-not-leak:/root:/bin/bash\n";

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), "pyfunc-special-files-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function rejection(p: Promise<unknown>): Promise<MlflowException> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MlflowException);
  return error as MlflowException;
}

describe("the MLmodel file itself stays inside the model directory", () => {
  it("refuses an MLmodel that is a symlink out of the directory, without reading or echoing it", async () => {
    const outside = path.join(root, "passwd");
    writeFileSync(outside, SECRET);
    const dir = path.join(root, "linked-mlmodel");
    mkdirSync(dir);
    symlinkSync(outside, path.join(dir, "MLmodel"));
    for (const target of [dir, path.join(dir, "MLmodel")]) {
      const error = await rejection(Model.load(target));
      expect(error.errorCode).toBe("INVALID_PARAMETER_VALUE");
      expect(error.message).toMatch(/MLmodel file .* leads outside the model directory/);
      expect(error.message).not.toContain("secret-line");
      const viaLoad = await rejection(loadModel(target, { registry: new FlavorRegistry(), discover: false }));
      expect(viaLoad.message).not.toContain("secret-line");
    }
  });

  it("quotes no part of an MLmodel that is not valid YAML", async () => {
    const dir = path.join(root, "bad-yaml");
    mkdirSync(dir);
    writeFileSync(path.join(dir, "MLmodel"), `flavors: {\n  "a": [${SECRET}\n`);
    const error = await rejection(Model.load(dir));
    expect(error.message).toMatch(/not valid YAML: .*line \d+, column \d+/);
    expect(error.message).not.toContain("secret-line");
  });
});

describe("FIFOs and devices are refused before they are opened", () => {
  it("refuses a FIFO as the pyfunc block's data instead of blocking the load", async () => {
    const dir = path.join(root, "fifo-data");
    await saveScaleModel(dir, 2);
    const data = path.join(dir, "data", "scale.json");
    unlinkSync(data);
    execFileSync("mkfifo", [data]);
    const registry = new FlavorRegistry();
    registry.register(makeScalePlugin());
    const error = await rejection(loadModel(dir, { registry, discover: false }));
    expect(error.errorCode).toBe("INVALID_PARAMETER_VALUE");
    expect(error.message).toMatch(/data 'data\/scale\.json' is a FIFO/);
  });

  it("refuses an MLmodel that is a FIFO", async () => {
    const dir = path.join(root, "fifo-mlmodel");
    mkdirSync(dir);
    execFileSync("mkfifo", [path.join(dir, "MLmodel")]);
    const error = await rejection(Model.load(dir));
    expect(error.message).toMatch(/is a FIFO/);
  });

  it("refuses a device reached through a path inside the model directory", () => {
    const dir = path.join(root, "device");
    mkdirSync(dir);
    symlinkSync("/dev/null", path.join(dir, "null"));
    // /dev/null is outside, so the link is refused as an escape; a device inside is refused by kind.
    expect(() => resolveInsideModelDir(dir, "null", "data")).toThrow(/outside the model directory/);
    expect(() => resolveInsideModelDir("/dev", "null", "data")).toThrow(/data 'null' is a device/);
  });
});
