import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const templateDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const repoRoot = join(templateDir, "../..");
// Inside the template folder, so Node resolves @pyfunc/core, vitest and typescript from the workspace.
const work = mkdtempSync(join(templateDir, ".tmp-"));

afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, {
    cwd,
    encoding: "utf8",
    stdio: "pipe",
    env: { ...process.env, NO_COLOR: "1" },
  });
}

describe("create.mjs: a new flavor package from the template", () => {
  const dest = join(work, "pyfunc-flavor-ridge");

  it("refuses bad package names and flavor keys", () => {
    expect(() =>
      run(
        "node",
        [join(templateDir, "create.mjs"), join(work, "x"), "--name", "Bad Name", "--flavor", "ok"],
        work,
      ),
    ).toThrow(/not a valid npm package name/);
    expect(() =>
      run(
        "node",
        [join(templateDir, "create.mjs"), join(work, "y"), "--name", "ok", "--flavor", "Bad-Key"],
        work,
      ),
    ).toThrow(/not a valid flavor key/);
  });

  it("copies and renames the template", () => {
    run(
      "node",
      [join(templateDir, "create.mjs"), dest, "--name", "pyfunc-flavor-ridge", "--flavor", "ridge"],
      work,
    );
    const pkg = JSON.parse(readFileSync(join(dest, "package.json"), "utf8"));
    expect(pkg.name).toBe("pyfunc-flavor-ridge");
    expect(pkg.private).toBeUndefined();
    expect(pkg.peerDependencies["@pyfunc/core"]).toMatch(/^\^\d/);
    expect(readFileSync(join(dest, "src/flavor-name.ts"), "utf8")).toContain('FLAVOR_NAME = "ridge"');
    expect(existsSync(join(dest, "create.mjs"))).toBe(false);
  });

  it("builds with tsc and passes @pyfunc/core/testing's conformance kit", () => {
    run("node", [join(repoRoot, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], dest);
    expect(existsSync(join(dest, "dist/index.d.ts"))).toBe(true);
    const out = run(
      "node",
      [
        join(repoRoot, "node_modules/vitest/vitest.mjs"),
        "run",
        "--reporter=verbose",
        "src/conformance.test.ts",
      ],
      dest,
    );
    expect(out).toMatch(/Tests\s+\d+ passed/);
    expect(out).not.toMatch(/failed/);
    expect(out).toContain("ridge flavor conformance");
  });
});
