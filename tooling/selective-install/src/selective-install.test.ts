import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { npmInstall, packPackage } from "./pack.js";
import { scenarios } from "./scenarios.js";

const work = mkdtempSync(join(tmpdir(), "pyfunc-selective-"));
const tarballs = join(work, "tarballs");
const packed = new Map<string, string>();

beforeAll(() => {
  mkdirSync(tarballs);
  for (const dir of new Set(scenarios.flatMap((s) => s.packages)))
    packed.set(dir, packPackage(dir, tarballs));
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.each(scenarios)("@pyfunc/$flavor installed alone next to @pyfunc/core", (scenario) => {
  const project = join(work, scenario.flavor);

  it("installs from its packed tarballs with npm, downloading no binaries", () => {
    mkdirSync(project);
    writeFileSync(
      join(project, "package.json"),
      JSON.stringify({ name: `try-${scenario.flavor}`, private: true, type: "module" }),
    );
    npmInstall(project, [
      ...scenario.packages.map((p) => packed.get(p)!),
      "@types/node@^20",
      "typescript@~5.9.3",
    ]);
    // onnxruntime-node ships its CPU binaries; its install script would add CUDA ones, which must not appear.
    const ortBin = join(project, "node_modules/onnxruntime-node/bin");
    if (existsSync(ortBin)) {
      const files = readdirSync(ortBin, { recursive: true }).map(String);
      expect(files.some((f) => /libonnxruntime\.so/.test(f))).toBe(true);
      expect(files.filter((f) => /cuda|tensorrt/i.test(f))).toEqual([]);
    }
  });

  it("loads a model and predicts", () => {
    writeFileSync(join(project, "main.mjs"), scenario.program);
    const out = execFileSync("node", ["main.mjs"], { cwd: project, encoding: "utf8" });
    expect(out).toMatch(/^OK/m);
  });

  it("type-checks a TypeScript program against the published declarations", () => {
    writeFileSync(join(project, "main.ts"), `${scenario.typesProgram}\nexport {};\n`);
    writeFileSync(
      join(project, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          noEmit: true,
          types: ["node"],
          // @tensorflow/*'s own declarations do not compile under strict; tfjs users set this.
          ...(scenario.skipLibCheck ? { skipLibCheck: true } : {}),
        },
        files: ["main.ts"],
      }),
    );
    execFileSync("node", [join(project, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.json"], {
      cwd: project,
      stdio: "pipe",
    });
  });
});
