import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLI_DIR, runCli } from "./helpers.js";

const version = (JSON.parse(readFileSync(join(CLI_DIR, "package.json"), "utf8")) as { version: string })
  .version;

describe("pyfunc --help / --version (built binary)", () => {
  it("--version prints the package version", async () => {
    const r = await runCli(["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(version);
  });

  it("--help lists every command and the exit code table", async () => {
    const r = await runCli(["--help"]);
    expect(r.code).toBe(0);
    for (const c of ["serve", "predict", "info", "validate"])
      expect(r.stdout).toMatch(new RegExp(`\\n  ${c} `));
    expect(r.stdout).toContain("Exit codes:");
    expect(r.stdout).toContain("8   input does not match the model signature");
  });

  it("each command has --help; serve keeps MLflow's -h/--host and env defaults", async () => {
    const serve = await runCli(["serve", "--help"]);
    expect(serve.code).toBe(0);
    expect(serve.stdout).toMatch(
      /-h, --host <host>\s+interface to bind \(default: "127.0.0.1", env:\s+MLFLOW_HOST\)/,
    );
    expect(serve.stdout).toMatch(
      /-p, --port <port>\s+port to listen on \(default: "5000", env:\s+MLFLOW_PORT\)/,
    );
    expect(serve.stdout).toContain("-t, --timeout <seconds>");
    expect(serve.stdout).toMatch(/-w, --workers <n>\s+worker threads[^(]*\(default: "1"/);
    for (const flag of [
      "--env-manager",
      "--no-conda",
      "--install-mlflow",
      "--enable-mlserver",
      "--auth-token",
      "--log-level",
    ])
      expect(serve.stdout).toContain(flag);
    const predict = await runCli(["predict", "--help"]);
    expect(predict.stdout).toContain("-i, --input-path <path>");
    expect(predict.stdout).toContain("-o, --output-path <path>");
    expect(predict.stdout).toContain("-t, --content-type <type>");
    expect(predict.stdout).not.toContain("report-rss");
    expect((await runCli(["info", "--help"])).stdout).toContain("Usage: pyfunc info [options] <model_uri>");
    expect((await runCli(["validate", "--help"])).stdout).toContain("-i, --input <file>");
  });

  it("predict --help lists the MLflow flags it accepts and ignores, with defaults", async () => {
    const r = await runCli(["predict", "--help"]);
    expect(r.code).toBe(0);
    const [options, mlflow] = r.stdout.split(
      "MLflow's Python-environment flags (accepted and ignored with a note",
    );
    expect(options).toMatch(/-w, --workers <n>[^\n]*\(default: "1"\)/);
    expect(options).toMatch(/--chunk-size <rows>[\s\S]*\(default: "10000"\)/);
    for (const flag of [
      "--env-manager <manager>",
      "--no-conda",
      "--install-mlflow",
      "-r, --pip-requirements-override",
    ])
      expect(mlflow, flag).toContain(flag);
    expect(mlflow).toMatch(/--env-manager <manager>[^\n]*\(default: "local"\)/);
  });

  it("accepts predict's MLflow flags and notes on stderr that they are ignored", async () => {
    const r = await runCli(
      ["predict", "-m", "/nonexistent-model", "--env-manager", "conda", "--install-mlflow", "-r", "x==1"],
      {},
    );
    expect(r.stderr).toContain(
      "pyfunc: ignored --env-manager conda, --install-mlflow, --pip-requirements-override: models run in this Node.js process",
    );
    expect(r.code).toBe(3);
  });

  it("reports command-line errors as `pyfunc <command>: error …`", async () => {
    const missing = await runCli(["predict"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(
      "pyfunc predict: error: required option '-m, --model-uri <uri>' not specified\n",
    );
    const noUri = await runCli(["info"]);
    expect(noUri.stderr).toBe("pyfunc info: error: missing required argument 'model_uri'\n");
    const unknown = await runCli(["predcit"]);
    expect(unknown.stderr.split("\n")[0]).toBe("pyfunc: error: unknown command 'predcit'");
  });

  it("exits 2 with a suggestion for an unknown command or option", async () => {
    const a = await runCli(["predcit"]);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain("Did you mean predict?");
    const b = await runCli(["info", "x", "--nope"]);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain("unknown option '--nope'");
  });
});
