import { execFileSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const PACKAGE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

describe("importing @pyfunc/custom-class", () => {
  it("registers the custom-class flavor only (no other flavor package is loaded)", () => {
    const script = `
      const core = await import("@pyfunc/core");
      await import("./dist/index.js");
      console.log(JSON.stringify(core.defaultFlavorRegistry.list().map((p) => p.packageName)));
    `;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
      cwd: PACKAGE_DIR,
      encoding: "utf8",
    });
    expect(JSON.parse(out)).toEqual(["@pyfunc/custom-class"]);
  });
});
