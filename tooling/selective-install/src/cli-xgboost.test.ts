// `npm install @pyfunc/cli @pyfunc/xgboost` (packed tarballs, into an empty project, as a user would) serves
// XGBoost models with neither onnxruntime nor TensorFlow.js on disk: the CLI depends on no flavor and finds
// @pyfunc/xgboost through core's discovery.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { npmInstall, packPackage, repoRoot } from "./pack.js";

const work = mkdtempSync(join(tmpdir(), "pyfunc-selective-cli-"));
const project = join(work, "app");
let server: ChildProcess | undefined;

/** Bytes of every file under `dir` (symlinks not followed), as `du -sb` counts them. */
function diskBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) total += diskBytes(p);
    else if (entry.isFile()) total += statSync(p).size;
  }
  return total;
}

beforeAll(() => {
  const tarballs = join(work, "tarballs");
  mkdirSync(tarballs);
  mkdirSync(project);
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({ name: "try-cli", private: true, type: "module" }),
  );
  const packs = ["packages/core", "apps/server", "apps/cli", "packages/forest", "packages/xgboost"].map((p) =>
    packPackage(p, tarballs),
  );
  npmInstall(project, packs);
});

afterAll(async () => {
  if (server && server.exitCode === null) {
    server.kill("SIGTERM");
    await once(server, "exit");
  }
  rmSync(work, { recursive: true, force: true });
});

describe("npm install @pyfunc/cli @pyfunc/xgboost", () => {
  it("installs no other flavor and neither onnxruntime nor TensorFlow.js", () => {
    const modules = join(project, "node_modules");
    const pyfunc = readdirSync(join(modules, "@pyfunc")).sort();
    // @pyfunc/forest is the tree runtime xgboost predicts on (a runtime library, not a flavor)
    expect(pyfunc).toEqual(["cli", "core", "forest", "server", "xgboost"]);
    expect(existsSync(join(modules, "onnxruntime-node"))).toBe(false);
    expect(existsSync(join(modules, "onnxruntime-common"))).toBe(false);
    expect(existsSync(join(modules, "@tensorflow"))).toBe(false);
    expect(existsSync(join(modules, "esbuild"))).toBe(false);
    const mb = diskBytes(modules) / 1e6;
    console.log(`node_modules of @pyfunc/cli + @pyfunc/xgboost: ${mb.toFixed(1)} MB`);
    // every flavor installed gave 672 MB (onnxruntime-node 288 MB, TensorFlow.js 286 MB)
    expect(mb).toBeLessThan(150);
  });

  it("pyfunc info names @pyfunc/xgboost as the installed loader and the only flavor package", async () => {
    const bin = join(project, "node_modules", ".bin", "pyfunc");
    const model = join(repoRoot, "apps/examples/python-to-node/model");
    const child = spawn(bin, ["info", model, "--json"], { cwd: project, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    child.stdout.on("data", (d: Buffer) => out.push(d));
    const [code] = (await once(child, "exit")) as [number];
    expect(code).toBe(0);
    const info = JSON.parse(Buffer.concat(out).toString("utf8")) as {
      loader: { package: string; loadable: boolean };
      installedFlavorPackages: { name: string; status: string }[];
    };
    expect(info.loader).toMatchObject({ package: "@pyfunc/xgboost", loadable: true });
    expect(info.installedFlavorPackages.map((p) => `${p.name} ${p.status}`)).toEqual([
      "@pyfunc/xgboost installed",
    ]);
  });

  it("pyfunc serve answers /invocations over HTTP with XGBoost's own predictions", async () => {
    const example = join(repoRoot, "apps/examples/python-to-node");
    const expected = JSON.parse(readFileSync(join(example, "expected.json"), "utf8")) as {
      input: { columns: string[]; data: number[][] };
      predictions: number[];
    };
    server = spawn(
      join(project, "node_modules", ".bin", "pyfunc"),
      ["serve", "-m", join(example, "model"), "-p", "0"],
      {
        cwd: project,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    // "Serving <uri> at http://127.0.0.1:<port>" (stdout or stderr: the log stream may carry it)
    const url = await new Promise<string>((resolve, reject) => {
      let seen = "";
      const onData = (d: Buffer) => {
        seen += d.toString("utf8");
        const m = /Serving .* at (http:\/\/127\.0\.0\.1:\d+)/.exec(seen);
        if (m) resolve(m[1]!);
      };
      server!.stdout!.on("data", onData);
      server!.stderr!.on("data", onData);
      server!.once("exit", (code) => reject(new Error(`pyfunc serve exited with ${code}: ${seen}`)));
    });
    const res = await fetch(`${url}/invocations`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ dataframe_split: expected.input }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { predictions: number[] };
    expect(body.predictions).toEqual(expected.predictions);
  });
});
