import { once } from "node:events";
import { createReadStream, createWriteStream, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { CLI_DIR, runCli, tempDir } from "./helpers.js";

/** The CLI's XGBoost example model (fixtures/generate.py, made by XGBoost 1.7 itself). */
const MODEL = join(CLI_DIR, "fixtures", "xgb-regressor");
const EXPECTED = JSON.parse(
  readFileSync(join(CLI_DIR, "fixtures", "xgb-regressor.expected.json"), "utf8"),
) as {
  rows: number;
  predictions: number[];
};
const FEATURES = Array.from({ length: 8 }, (_, j) => `f${j}`);

let dir: string;
beforeAll(() => {
  dir = tempDir();
});

describe("pyfunc with the XGBoost example model (@pyfunc/xgboost)", () => {
  it("info names @pyfunc/xgboost as the loader of mlflow.xgboost", async () => {
    const r = await runCli(["info", MODEL]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/python_function\.loader_module 'mlflow\.xgboost' → @pyfunc\/xgboost/);
    expect(r.stdout).toContain("model_class=xgboost.sklearn.XGBRegressor");
  });

  it("info --json gives each flavor block whole (env as an object, as in MLmodel)", async () => {
    const r = await runCli(["info", MODEL, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const info = JSON.parse(r.stdout) as { flavors: { python_function: Record<string, unknown> } };
    expect(info.flavors.python_function.env).toEqual({ conda: "conda.yaml", virtualenv: "python_env.yaml" });
    expect(info.flavors.python_function.loader_module).toBe("mlflow.xgboost");
  });

  it("validate runs the saved serving input example", async () => {
    const r = await runCli(["validate", MODEL]);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { predictions: number[] }).predictions).toHaveLength(3);
  });

  it("predicts a CSV in chunks on 2 workers with XGBoost's own predictions", async () => {
    const lines = [FEATURES.join(",")];
    for (let i = 0; i < EXPECTED.rows; i++) {
      lines.push(FEATURES.map((_, j) => ((i * 31 + j * 17) % 97) / 24 - 2).join(","));
    }
    const input = join(dir, "xgb-500.csv");
    writeFileSync(input, `${lines.join("\n")}\n`);
    const r = await runCli(["predict", "-m", MODEL, "-i", input, "--chunk-size", "64", "--workers", "2"]);
    expect(r.code, r.stderr).toBe(0);
    const got = (JSON.parse(r.stdout) as { predictions: number[] }).predictions;
    expect(got).toHaveLength(EXPECTED.rows);
    const worst = Math.max(...got.map((v, i) => Math.abs(v - EXPECTED.predictions[i]!)));
    expect(worst).toBeLessThan(1e-5);
  });

  it("exits 8 for a CSV missing a signature column", async () => {
    const r = await runCli(["predict", "-m", MODEL, "-t", "csv"], {
      input: `${FEATURES.slice(1).join(",")}\n${FEATURES.slice(1)
        .map(() => "1")
        .join(",")}\n`,
    });
    expect(r.code).toBe(8);
    expect(r.stderr).toContain("f0");
  });

  it("predicts a 1,000,000-row CSV with peak RSS under 300 MB (reported by the child)", {
    timeout: 600_000,
  }, async () => {
    const input = join(dir, "xgb-1m.csv");
    const out = createWriteStream(input);
    let buf = `${FEATURES.join(",")}\n`;
    for (let i = 0; i < 1_000_000; i++) {
      for (let j = 0; j < 8; j++) buf += `${j ? "," : ""}${((i * 31 + j * 17) % 97) / 8 - 6}`;
      buf += "\n";
      if (buf.length > 1 << 20) {
        if (!out.write(buf)) await once(out, "drain");
        buf = "";
      }
    }
    out.end(buf);
    await once(out, "finish");
    expect(statSync(input).size).toBeGreaterThan(40_000_000);

    const output = join(dir, "xgb-1m.json");
    const r = await runCli(["predict", "-m", MODEL, "-i", input, "-o", output, "--report-rss"]);
    expect(r.code, r.stderr).toBe(0);
    const m = /peak RSS (\{.*\})/.exec(r.stderr);
    expect(m).not.toBeNull();
    const { maxRssKb } = JSON.parse(m![1]!) as { maxRssKb: number };
    expect(maxRssKb).toBeGreaterThan(10_000);
    expect(maxRssKb).toBeLessThan(300 * 1024);

    // The output is one {"predictions": [...]} document with one prediction per row.
    let commas = 0;
    let head = "";
    let tail = "";
    for await (const part of createReadStream(output, { encoding: "utf8" })) {
      const s = part as string;
      if (head.length < 64) head += s.slice(0, 64);
      for (let k = 0; k < s.length; k++) if (s.charCodeAt(k) === 44) commas++;
      tail = (tail + s).slice(-8);
    }
    expect(head.startsWith('{"predictions":[')).toBe(true);
    expect(tail.endsWith("]}")).toBe(true);
    expect(commas + 1).toBe(1_000_000);
  });
});
