import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MlflowException } from "../errors/mlflow-exception.js";
import { checkPyfuncPaths } from "./pyfunc-paths.js";
import { isInsideModelDir, resolveInsideModelDir } from "./resolve-inside.js";

let root: string;
let modelDir: string;
let outside: string;

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), "pyfunc-paths-"));
  modelDir = path.join(root, "model");
  outside = path.join(root, "outside");
  mkdirSync(path.join(modelDir, "data"), { recursive: true });
  mkdirSync(outside);
  writeFileSync(path.join(modelDir, "data", "w.bin"), "w");
  writeFileSync(path.join(outside, "secret.txt"), "secret");
  symlinkSync(outside, path.join(modelDir, "link-out"));
  symlinkSync(path.join(outside, "secret.txt"), path.join(modelDir, "file-link-out"));
  symlinkSync(path.join(modelDir, "data"), path.join(modelDir, "link-in"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function refused(
  relative: string,
  block?: Record<string, unknown>,
  key = "python_function",
): MlflowException {
  try {
    if (block) checkPyfuncPaths(modelDir, block, key);
    else resolveInsideModelDir(modelDir, relative);
  } catch (error) {
    expect(error).toBeInstanceOf(MlflowException);
    expect((error as MlflowException).errorCode).toBe("INVALID_PARAMETER_VALUE");
    return error as MlflowException;
  }
  throw new Error(`'${relative}' was accepted`);
}

describe("resolveInsideModelDir", () => {
  it("resolves relative paths inside the model directory, existing or not", () => {
    expect(resolveInsideModelDir(modelDir, "data/w.bin")).toBe(path.join(modelDir, "data", "w.bin"));
    expect(resolveInsideModelDir(modelDir, "./data/../data/w.bin")).toBe(
      path.join(modelDir, "data", "w.bin"),
    );
    expect(resolveInsideModelDir(modelDir, "not-yet/written.txt")).toBe(
      path.join(modelDir, "not-yet", "written.txt"),
    );
    expect(resolveInsideModelDir(modelDir, "..data")).toBe(path.join(modelDir, "..data"));
    expect(resolveInsideModelDir(modelDir, "link-in/w.bin")).toBe(path.join(modelDir, "link-in", "w.bin"));
  });

  it("refuses '..' leading out", () => {
    expect(refused("../outside/secret.txt").message).toContain("outside the model directory");
    refused("data/../../outside");
    refused("..");
  });

  it("refuses absolute paths", () => {
    expect(refused(path.join(outside, "secret.txt")).message).toContain("absolute");
    refused("/etc/passwd");
    refused("C:\\Windows\\system.ini");
  });

  it("refuses symlinks leading out (directory and file links, and paths below them)", () => {
    expect(refused("link-out").message).toContain("symbolic link");
    refused("link-out/secret.txt");
    refused("file-link-out");
    refused("link-out/not-there/yet.txt");
  });

  it("refuses empty paths and NUL bytes", () => {
    refused("");
    refused("data/\0w.bin");
    expect(isInsideModelDir(modelDir, "data")).toBe(true);
    expect(isInsideModelDir(modelDir, "../x")).toBe(false);
  });
});

describe("checkPyfuncPaths: every path an MLmodel names", () => {
  it("returns the data path (the model dir when absent)", () => {
    expect(checkPyfuncPaths(modelDir, { data: "data/w.bin" }, "python_function")).toBe(
      path.join(modelDir, "data", "w.bin"),
    );
    expect(checkPyfuncPaths(modelDir, { loader_module: "x" }, "python_function")).toBe(
      path.resolve(modelDir),
    );
  });

  it("refuses data outside", () => {
    expect(refused("data", { data: "../outside" }).message).toContain("python_function.data");
    refused("data", { data: "/etc" });
    refused("data", { data: "link-out" });
  });

  it("refuses code outside", () => {
    expect(refused("code", { code: "../outside" }).message).toContain("python_function.code");
    refused("code", { code: "/usr/lib" });
    refused("code", { code: "link-out" });
  });

  it("refuses artifacts outside", () => {
    const e = refused("artifacts", { artifacts: { vocab: { path: "../outside/secret.txt", uri: "x" } } });
    expect(e.message).toContain("artifacts.vocab");
    refused("artifacts", { artifacts: { w: { path: "/etc/passwd" } } });
    refused("artifacts", { artifacts: { w: { path: "link-out/secret.txt" } } });
  });

  it("refuses model_code_path outside (js_function records it relative to the model dir)", () => {
    const e = refused("mcp", { model_code_path: "../outside/model.js" }, "js_function");
    expect(e.message).toContain("js_function.model_code_path");
    refused("mcp", { model_code_path: "/abs/model.js" }, "js_function");
    refused("mcp", { model_code_path: "link-out/model.js" }, "js_function");
  });

  it("uses only the basename of a python_function model_code_path, as MLflow does, but still checks symlinks", () => {
    expect(() =>
      checkPyfuncPaths(
        modelDir,
        { model_code_path: "/path/on/logging/machine/model_code.py" },
        "python_function",
      ),
    ).not.toThrow();
    refused("mcp", { model_code_path: "/somewhere/file-link-out" }, "python_function");
  });
});

describe("resolveInsideModelDir on arbitrary strings", () => {
  it("property: returns a path inside the model directory or throws MlflowException", () => {
    const segment = fc.oneof(
      fc.constantFrom("..", ".", "data", "link-out", "link-in", "file-link-out", "", "/", "\\", "C:"),
      fc.string({ maxLength: 6 }),
    );
    const relative = fc.array(segment, { maxLength: 6 }).map((parts) => parts.join("/"));
    fc.assert(
      fc.property(fc.oneof(relative, fc.string({ maxLength: 30 })), (rel) => {
        try {
          const resolved = resolveInsideModelDir(modelDir, rel);
          const back = path.relative(modelDir, resolved);
          expect(
            back === "" || (!back.startsWith(`..${path.sep}`) && back !== ".." && !path.isAbsolute(back)),
          ).toBe(true);
          expect(back.split(path.sep)[0]).not.toBe("link-out");
          expect(back).not.toBe("file-link-out");
        } catch (error) {
          if (!(error instanceof MlflowException)) throw error;
        }
      }),
      { numRuns: 1000 },
    );
  });
});
