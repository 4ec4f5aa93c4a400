import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
// The repository's one implementation of "pack a workspace package, install tarballs with npm as a user would".
import { npmInstall, packPackage, repoRoot } from "../../selective-install/src/pack.js";

const templateDir = fileURLToPath(new URL("..", import.meta.url));
const createScript = path.join(templateDir, "create.mjs");
// Outside the workspace: nothing here resolves from the monorepo's node_modules.
const work = mkdtempSync(path.join(tmpdir(), "pyfunc-flavor-create-"));
afterAll(() => rmSync(work, { recursive: true, force: true }), 120_000);

/** The environment of a user's shell: no vitest worker variables (the new package runs its own vitest), no pnpm. */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { NO_COLOR: "1", npm_config_update_notifier: "false" };
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(VITEST|npm_|pnpm_|PNPM_|FORCE_COLOR$)/.test(key)) env[key] = value;
  }
  return env;
}

/** Run a command; a failure says what it printed. */
function run(cmd: string, args: string[], cwd: string): string {
  try {
    return execFileSync(cmd, args, {
      cwd,
      encoding: "utf8",
      stdio: "pipe",
      env: userEnv(),
      timeout: 540_000,
    });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(" ")} failed: ${e.message}\n${e.stdout ?? ""}\n${e.stderr ?? ""}`);
  }
}

const create = (dest: string, ...options: string[]): string =>
  run("node", [createScript, dest, ...options], work);

/** Every file under `dir` (relative, with /), node_modules and dist left out. */
function filesUnder(dir: string, rel = ""): string[] {
  return readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((entry) => {
    const name = rel === "" ? entry.name : `${rel}/${entry.name}`;
    if (entry.name === "node_modules" || entry.name === "dist") return [];
    return entry.isDirectory() ? filesUnder(dir, name) : [name];
  });
}

describe("create.mjs refuses what would not make a working package", () => {
  it("bad package names, flavor keys, the pyfunc block keys and a --core that is not @pyfunc/core's tarball", () => {
    const attempt =
      (...options: string[]) =>
      () =>
        create(path.join(work, "refused"), ...options);
    expect(attempt("--name", "Bad Name", "--flavor", "ok")).toThrow(/not a valid npm package name/);
    expect(attempt("--name", "ok-pyfunc-flavor", "--flavor", "Bad-Key")).toThrow(/not a valid flavor key/);
    expect(attempt("--name", "ok-pyfunc-flavor", "--flavor", "js_function")).toThrow(/not a flavor key/);
    expect(attempt("--name", "ok-pyfunc-flavor")).toThrow(/usage: create\.mjs/);
    const notTarball = path.join(work, "not-a-tarball.tgz");
    writeFileSync(notTarball, "plain text");
    expect(attempt("--name", "ok-pyfunc-flavor", "--flavor", "ok", "--core", notTarball)).toThrow(
      /not an npm package tarball/,
    );
    expect(existsSync(path.join(work, "refused"))).toBe(false);
  });

  it("a target directory that is not empty", () => {
    const full = path.join(work, "full");
    mkdirSync(full);
    writeFileSync(path.join(full, "keep.txt"), "keep");
    expect(() => create(full, "--name", "ok-pyfunc-flavor", "--flavor", "ok")).toThrow(
      /not an empty directory/,
    );
    expect(readdirSync(full)).toEqual(["keep.txt"]);
  });
});

// One sequence, each step on the previous one's result; npm installs on a busy 2-core machine take minutes.
describe("a package created by create.mjs works outside the monorepo", { timeout: 600_000 }, () => {
  const name = "acme-pyfunc-flavor-ridge";
  const dest = path.join(work, name);
  const coreManifest = JSON.parse(
    readFileSync(path.join(repoRoot, "packages/core/package.json"), "utf8"),
  ) as {
    version: string;
  };
  const coreVersion = coreManifest.version;
  let coreTarball = "";

  it("packs the built @pyfunc/core with pnpm pack", () => {
    if (!existsSync(path.join(repoRoot, "packages/core/dist/index.js"))) {
      throw new Error(
        "@pyfunc/core is not built: pnpm -F @pyfunc/core build (turbo does it before `pnpm test`)",
      );
    }
    coreTarball = packPackage("packages/core", work);
    expect(path.basename(coreTarball)).toBe(`pyfunc-core-${coreVersion}.tgz`);
  });

  it("creates the package with every template name renamed, its own README, .gitignore and tsconfig", () => {
    const out = create(dest, "--name", name, "--flavor", "ridge_reg", "--core", coreTarball);
    expect(out).toContain(`Created ${name}`);
    const files = filesUnder(dest);
    for (const file of [
      "src/plugin.ts",
      "src/wrapper.ts",
      "src/convert.ts",
      "src/save.ts",
      "src/log-model.ts",
      "src/index.ts",
      "src/ridge-reg-model.ts",
      "src/conformance.test.ts",
      "README.md",
      ".gitignore",
      "package.json",
      "tsconfig.json",
      "tsconfig.build.json",
    ]) {
      expect(files).toContain(file);
    }
    expect(files.filter((f) => /create|new-package/.test(f))).toEqual([]);
    // no file name or text of the new package still names the template
    for (const file of files) {
      expect(file).not.toMatch(/template/i);
      expect(readFileSync(path.join(dest, file), "utf8"), file).not.toMatch(/template|\{\{\w+\}\}/i);
    }
    const plugin = readFileSync(path.join(dest, "src/plugin.ts"), "utf8");
    expect(plugin).toContain('FLAVOR_NAME = "ridge_reg"');
    expect(plugin).toContain(`PACKAGE_NAME = "${name}"`);
    expect(plugin).toContain("export const ridgeRegFlavor: FlavorPlugin");
    expect(plugin).toContain(`coreVersion: "^${coreVersion}"`);
    expect(readFileSync(path.join(dest, "src/wrapper.ts"), "utf8")).toContain("class RidgeRegPyFuncModel");
    expect(readFileSync(path.join(dest, "src/save.ts"), "utf8")).toContain("interface RidgeRegSaveOptions");

    const pkg = JSON.parse(readFileSync(path.join(dest, "package.json"), "utf8"));
    const template = JSON.parse(readFileSync(path.join(templateDir, "package.json"), "utf8"));
    expect(pkg).toMatchObject({ name, version: "0.1.0", pyfunc: { flavor: { loaderModules: [name] } } });
    expect(pkg.private).toBeUndefined();
    expect(pkg.description).toContain("ridge_reg");
    expect(pkg.description).not.toBe(template.description);
    expect(pkg.dependencies).toEqual({ "@pyfunc/core": `file:../pyfunc-core-${coreVersion}.tgz` });
    expect(Object.values(pkg.devDependencies).filter((v) => String(v).startsWith("workspace:"))).toEqual([]);

    const readme = readFileSync(path.join(dest, "README.md"), "utf8");
    expect(readme).toMatch(new RegExp(`^# ${name}$`, "m"));
    expect(readme).toContain(`npm install ../path/to/pyfunc-core-${coreVersion}.tgz`);
    expect(readme).toContain("pnpm pack");
    expect(readme).not.toBe(readFileSync(path.join(templateDir, "README.md"), "utf8"));
    expect(readFileSync(path.join(dest, ".gitignore"), "utf8")).toMatch(/^node_modules\/$/m);

    // standalone, with every option of the repository's base tsconfig
    const tsconfig = JSON.parse(readFileSync(path.join(dest, "tsconfig.json"), "utf8"));
    const base = JSON.parse(readFileSync(path.join(repoRoot, "tooling/tsconfig/base.json"), "utf8"));
    expect(tsconfig.extends).toBeUndefined();
    expect(tsconfig.compilerOptions).toMatchObject(base.compilerOptions);
    expect(tsconfig.compilerOptions).toMatchObject({
      strict: true,
      verbatimModuleSyntax: true,
      isolatedModules: true,
      noImplicitOverride: true,
    });
  });

  it("installs with npm: @pyfunc/core from the tarball, the rest from the registry", () => {
    npmInstall(dest, []);
    const installed = JSON.parse(
      readFileSync(path.join(dest, "node_modules/@pyfunc/core/package.json"), "utf8"),
    ) as { version: string };
    expect(installed.version).toBe(coreVersion);
    expect(existsSync(path.join(dest, "package-lock.json"))).toBe(true);
  });

  it("builds with tsc and type-checks its sources and tests", () => {
    run("npm", ["run", "build"], dest);
    expect(existsSync(path.join(dest, "dist/index.js"))).toBe(true);
    expect(existsSync(path.join(dest, "dist/index.d.ts"))).toBe(true);
    expect(readdirSync(path.join(dest, "dist")).filter((f) => f.includes(".test."))).toEqual([]);
    run("npm", ["run", "typecheck"], dest);
  });

  it("passes its own tests, @pyfunc/core/testing's conformance kit among them", () => {
    const report = path.join(work, "vitest-report.json");
    run("npm", ["test", "--", "--reporter=json", `--outputFile=${report}`], dest);
    const result = JSON.parse(readFileSync(report, "utf8")) as {
      success: boolean;
      numFailedTests: number;
      numPassedTests: number;
      testResults: { name: string; assertionResults: { ancestorTitles: string[]; status: string }[] }[];
    };
    expect(result.success).toBe(true);
    expect(result.numFailedTests).toBe(0);
    const root = realpathSync(dest);
    const ran = result.testResults
      .map((r) => path.relative(root, realpathSync(r.name)).split(path.sep).join("/"))
      .sort();
    expect(ran).toEqual(
      filesUnder(dest)
        .filter((f) => f.endsWith(".test.ts"))
        .sort(),
    );
    const conformance = result.testResults.find((r) => r.name.endsWith("conformance.test.ts"));
    const titles = conformance?.assertionResults.map((a) => a.ancestorTitles[0]) ?? [];
    expect(titles.length).toBeGreaterThan(5);
    expect(new Set(titles)).toEqual(new Set(["ridge_reg flavor conformance"]));
    expect(result.numPassedTests).toBeGreaterThan(conformance!.assertionResults.length);
  });

  it("is found by core's discovery in an application that installs it and never imports it", () => {
    // as published: the README's step before publishing replaces the file: dependency by a version range
    const manifestFile = path.join(dest, "package.json");
    const manifest = readFileSync(manifestFile, "utf8");
    const published = JSON.parse(manifest);
    published.dependencies["@pyfunc/core"] = `^${coreVersion}`;
    writeFileSync(manifestFile, JSON.stringify(published, null, 2));
    const packed = path.join(work, "packed");
    mkdirSync(packed);
    try {
      run("npm", ["pack", "--pack-destination", packed], dest);
    } finally {
      writeFileSync(manifestFile, manifest);
    }
    expect(readdirSync(packed)).toEqual([`${name}-0.1.0.tgz`]);
    const flavorTarball = path.join(packed, `${name}-0.1.0.tgz`);
    const app = path.join(work, "app");
    mkdirSync(app);
    writeFileSync(
      path.join(app, "package.json"),
      JSON.stringify({ name: "app", private: true, type: "module" }),
    );
    npmInstall(app, [coreTarball, flavorTarball]);
    writeFileSync(
      path.join(app, "save.mjs"),
      `import { saveModel } from "${name}";\n` +
        `await saveModel("model", { model: { coef: [[1], [2]], intercept: [0.5] }, inputExample: [{ a: 1.5, b: 2.5 }] });\n`,
    );
    run("node", ["save.mjs"], app);
    writeFileSync(
      path.join(app, "load.mjs"),
      [
        'import { loadModel } from "@pyfunc/core";',
        'import { findFlavorPackages } from "@pyfunc/core/flavor";',
        'const model = await loadModel("model");',
        "const out = await model.predict([{ a: 2.5, b: -1.5 }]);",
        "console.log(JSON.stringify({ installed: findFlavorPackages().map((p) => p.name), loader: model.loaderModule, " +
          "shape: out.shape, data: Array.from(out.data) }));",
      ].join("\n"),
    );
    const result = JSON.parse(run("node", ["load.mjs"], app)) as {
      installed: string[];
      loader: string;
      shape: number[];
      data: number[];
    };
    expect(result.installed).toContain(name);
    expect(result.loader).toBe(name);
    expect(result.shape).toEqual([1, 1]);
    expect(result.data).toEqual([2.5 * 1 + -1.5 * 2 + 0.5]);
  });
});
