import { execFileSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const PACKAGE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

describe("@pyfunc/core/model-code", () => {
  it("has no side effects when imported: no resolve hook registered, no flavor registered", () => {
    const script = `
      const mc = await import("./dist/model-code/index.js");
      const core = await import("./dist/index.js");
      const hooked = Boolean(globalThis[Symbol.for("@pyfunc/model-code.resolve-hook-registered")]);
      console.log(JSON.stringify({ hooked, flavors: core.defaultFlavorRegistry.list().length, api: Object.keys(mc).sort() }));
    `;
    const out = JSON.parse(
      execFileSync(process.execPath, ["--input-type=module", "-e", script], {
        cwd: PACKAGE_DIR,
        encoding: "utf8",
      }),
    ) as { hooked: boolean; flavors: number; api: string[] };
    expect(out.hooked).toBe(false);
    expect(out.flavors).toBe(0);
    expect(out.api).toEqual(
      expect.arrayContaining(["bundleModelCode", "importModelCode", "modelCodeFileOf", "stageModelCode"]),
    );
  });
});
