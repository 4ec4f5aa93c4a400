import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { BIN, CLI_DIR, LINEAR_PLUGIN, linear, runCli, tempDir, writeLinearModel } from "./helpers.js";

const children: ChildProcessWithoutNullStreams[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill("SIGKILL");
});

/** A second linear model: other weights, so each model's numbers are its own. */
const OTHER = { weights: { x1: -3, x2: 0.25 }, bias: 10 };
const other = (x1: number, x2: number) => OTHER.bias + OTHER.weights.x1 * x1 + OTHER.weights.x2 * x2;

function serve(args: string[]) {
  const child = spawn(process.execPath, [BIN, "serve", "--plugin", LINEAR_PLUGIN, "-p", "0", ...args], {
    cwd: CLI_DIR,
    env: { ...process.env, PYFUNC_PLUGINS: "" },
  });
  children.push(child);
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  child.stdout.resume();
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const url = new Promise<string>((resolve, reject) => {
    child.stderr.on("data", () => {
      const m = /Serving .* at (http:\/\/\S+)/.exec(stderr);
      if (m) resolve(m[1]!);
    });
    void exited.then((code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
  url.catch(() => {});
  return { child, url, exited, stderr: () => stderr };
}

const rowsBody = JSON.stringify({
  dataframe_split: {
    columns: ["x1", "x2"],
    data: [
      [1, 2],
      [3, 0.5],
    ],
  },
});
const invoke = async (url: string) => {
  const res = await fetch(url, {
    method: "POST",
    body: rowsBody,
    headers: { "content-type": "application/json" },
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};
const control = (url: string, name: string, action: "load" | "unload") =>
  fetch(`${url}/v2/repository/models/${name}/${action}`, { method: "POST" });

let dir: string;
let modelA: string;
let modelB: string;
beforeAll(() => {
  dir = tempDir("pyfunc-cli-multi-");
  modelA = writeLinearModel(join(dir, "a"));
  modelB = writeLinearModel(join(dir, "b"));
  writeFileSync(join(modelB, "weights.json"), JSON.stringify(OTHER));
});

describe("pyfunc serve with several models (built binary)", () => {
  it("serves -m name=uri models side by side, each with its own predictions", async () => {
    const s = serve(["-m", `churn=${modelA}`, "-m", `fraud=${modelB}`]);
    const url = await s.url;
    expect(s.stderr()).toContain("Serving 2 models (churn, fraud) at");
    const churn = await invoke(`${url}/models/churn/invocations`);
    expect(churn).toEqual({ status: 200, body: { predictions: [linear(1, 2), linear(3, 0.5)] } });
    const fraud = await invoke(`${url}/models/fraud/invocations`);
    expect(fraud).toEqual({ status: 200, body: { predictions: [other(1, 2), other(3, 0.5)] } });
    // no default model among several: /invocations names the routes
    expect((await invoke(`${url}/invocations`)).status).toBe(404);
    const index = await (await fetch(`${url}/v2/repository/index`, { method: "POST", body: "{}" })).json();
    expect(index).toEqual([
      { name: "churn", state: "READY", reason: "" },
      { name: "fraud", state: "READY", reason: "" },
    ]);
    s.child.kill("SIGTERM");
    expect(await s.exited).toBe(0);
  });

  it("serves a bare -m as the default model next to named ones", async () => {
    const s = serve(["-m", modelA, "-m", `other=${modelB}`]);
    const url = await s.url;
    expect((await invoke(`${url}/invocations`)).body).toEqual({
      predictions: [linear(1, 2), linear(3, 0.5)],
    });
    expect((await invoke(`${url}/models/other/invocations`)).body).toEqual({
      predictions: [other(1, 2), other(3, 0.5)],
    });
    s.child.kill("SIGTERM");
    expect(await s.exited).toBe(0);
  });

  it("serves --model-repository DIR with a broken directory next to good ones, and loads and unloads", async () => {
    const repo = tempDir("pyfunc-cli-repo-");
    writeLinearModel(join(repo, "first"));
    writeLinearModel(join(repo, "second"));
    writeFileSync(join(repo, "second", "weights.json"), JSON.stringify(OTHER));
    mkdirSync(join(repo, "broken"));
    writeFileSync(join(repo, "broken", "notes.txt"), "no MLmodel here\n");
    const s = serve(["--model-repository", repo, "--default-model", "first"]);
    const url = await s.url;
    expect(s.stderr()).toContain("Serving 3 models (first, second, broken; default first) at");
    expect(s.stderr()).toMatch(/model 'broken' is UNAVAILABLE: No MLmodel file/);
    expect((await invoke(`${url}/invocations`)).body).toEqual({
      predictions: [linear(1, 2), linear(3, 0.5)],
    });
    expect((await invoke(`${url}/models/second/invocations`)).body).toEqual({
      predictions: [other(1, 2), other(3, 0.5)],
    });
    const broken = await invoke(`${url}/models/broken/invocations`);
    expect(broken.status).toBe(503);
    expect(broken.body.error_code).toBe("TEMPORARILY_UNAVAILABLE");

    expect((await control(url, "second", "unload")).status).toBe(200);
    expect((await invoke(`${url}/models/second/invocations`)).status).toBe(503);
    expect((await invoke(`${url}/invocations`)).status).toBe(200);
    expect((await control(url, "second", "load")).status).toBe(200);
    expect((await invoke(`${url}/models/second/invocations`)).status).toBe(200);
    s.child.kill("SIGTERM");
    expect(await s.exited).toBe(0);
  });

  it("refuses two bare -m, a repeated name, an unknown --default-model, a missing repository and no model at all with exit 2", async () => {
    const twoBare = await runCli(["serve", "--plugin", LINEAR_PLUGIN, "-p", "0", "-m", modelA, "-m", modelB]);
    expect(twoBare.code).toBe(2);
    expect(twoBare.stderr).toContain("Only one -m may be a bare URI");
    const twice = await runCli(["serve", "-p", "0", "-m", `a=${modelA}`, "-m", `a=${modelB}`]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain("Two -m options name the model 'a'");
    const noDefault = await runCli([
      "serve",
      "--plugin",
      LINEAR_PLUGIN,
      "-p",
      "0",
      "-m",
      `a=${modelA}`,
      "--default-model",
      "zzz",
    ]);
    expect(noDefault.code).toBe(2);
    expect(noDefault.stderr).toContain("default model 'zzz'");
    const missing = await runCli(["serve", "-p", "0", "--model-repository", join(dir, "no-such-dir")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("no-such-dir");
    const none = await runCli(["serve", "-p", "0"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("--model-repository");
  });
});
