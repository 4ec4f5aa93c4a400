import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { customClassDir, examplesRoot, xgboostAllRowsFile, xgboostExpectedFile } from "./example-paths.js";

const run = promisify(execFile);

/**
 * Run a built example as a user would (`node dist/<name>.js`), from a directory outside the workspace so that
 * nothing is found by accident through the current directory. Rejects when the example exits non-zero.
 */
async function runExample(name: string, args: string[] = []): Promise<string> {
  const env = { ...process.env };
  delete env.PYFUNC_MODEL_CODE_RESOLVE_FROM;
  const { stdout } = await run(process.execPath, [join(examplesRoot, "dist", `${name}.js`), ...args], {
    cwd: tmpdir(),
    env,
    timeout: 120_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

const pythonPredictions = (JSON.parse(readFileSync(xgboostExpectedFile, "utf8")) as { predictions: number[] })
  .predictions;

/** The JSON on the line that starts with `prefix`. */
function jsonAfter(stdout: string, prefix: string): unknown {
  const line = stdout.split("\n").find((l) => l.startsWith(prefix));
  if (line === undefined) throw new Error(`no line starting with ${JSON.stringify(prefix)} in:\n${stdout}`);
  return JSON.parse(line.slice(prefix.length));
}

describe("the quick start", () => {
  it("serves the Python-trained XGBoost model and gets XGBoost's own predictions back over HTTP", async () => {
    const out = await runExample("quickstart");
    expect(out).toMatch(/at http:\/\/127\.0\.0\.1:\d+/);
    const answer = out.split("\n").find((l) => l.startsWith('{"predictions"'));
    expect(answer).toBeDefined();
    expect(JSON.parse(answer!)).toEqual({ predictions: pythonPredictions });
    expect(out).toMatch(/^OK: /m);
  });
});

describe("example 1: Python → Node", () => {
  it("predicts in-process exactly what XGBoost predicted in Python, and refuses rows missing columns", async () => {
    const out = await runExample("python-to-node");
    const ok = /^OK: Node predicted (\[[^\]]*\])/m.exec(out);
    expect(ok).not.toBeNull();
    expect(JSON.parse(ok![1]!)).toEqual(pythonPredictions);
    expect(out).toMatch(/refused: INVALID_PARAMETER_VALUE: .*missing inputs/);
    const rows = (JSON.parse(readFileSync(xgboostAllRowsFile, "utf8")) as { data: unknown[] }).data.length;
    expect(rows).toBeGreaterThan(500);
    expect(out).toContain(`All ${rows} rows of the data set: ${rows} labels equal Python's.`);
    // one table row per example row, Node's label next to Python's
    const table = out.split("\n").filter((l) => /→\s+\d+\s+\d+$/.test(l));
    expect(table.map((l) => l.trim().split(/\s+/).slice(-2).map(Number))).toEqual(
      pythonPredictions.map((p) => [p, p]),
    );
  });
});

describe("example 2: a TypeScript custom-class model", () => {
  const prices = new Map(
    readFileSync(join(customClassDir, "artifacts", "prices.csv"), "utf8")
      .trim()
      .split("\n")
      .slice(1)
      .map((line) => [line.slice(0, line.lastIndexOf(",")), Number(line.slice(line.lastIndexOf(",") + 1))]),
  );
  const cents = (x: number) => Math.round(x * 100) / 100;
  const quote = (item: string, quantity: number, vatRate: number) => {
    const net = cents(prices.get(item)! * quantity);
    const vat = cents(net * vatRate);
    return { item, quantity, net, vat, total: cents(net + vat), currency: "EUR" };
  };

  it("is saved with its artifact and model_config, loaded, served, and scored over HTTP", async () => {
    const out = await runExample("custom-class");
    // the MLmodel it printed records the artifact, the config and the zod-derived signature
    expect(out).toMatch(/path: artifacts\/prices\.csv/);
    expect(out).toMatch(/vatRate: 0\.055/);
    expect(out).toMatch(/"name": "quantity", "required": true/);

    const expected = [quote("croissant", 4, 0.055), quote("baguette", 2, 0.055), quote("eclair", 1, 0.055)];
    expect(jsonAfter(out, "In-process predict: ")).toEqual(expected);
    expect(jsonAfter(out, "Loaded with modelConfig {vatRate: 0.1}: ")).toEqual([quote("croissant", 4, 0.1)]);

    const http = out.split("\n").filter((l) => l.startsWith("HTTP "));
    expect(http).toHaveLength(3);
    expect(JSON.parse(http[0]!.slice("HTTP 200 ".length))).toEqual({ predictions: expected });
    const invalid = JSON.parse(http[1]!.slice("HTTP 400 ".length)) as { error_code: string; message: string };
    expect(http[1]).toMatch(/^HTTP 400 /);
    expect(invalid.error_code).toBe("INVALID_PARAMETER_VALUE");
    expect(invalid.message).toMatch(/quantity/);
    const unknown = JSON.parse(http[2]!.slice("HTTP 400 ".length)) as { error_code: string; message: string };
    expect(http[2]).toMatch(/^HTTP 400 /);
    expect(unknown.error_code).toBe("INVALID_PARAMETER_VALUE");
    expect(unknown.message).toMatch(/'bagel' is not on the price list/);
    expect(out).toMatch(/^OK: /m);
  });
});

describe("example 3: a streaming ResponsesAgent", () => {
  it("streams the tool call, its output and the answer's text deltas over SSE", async () => {
    const out = await runExample("streaming-agent", ["convert", "10", "kg", "to", "lb"]);
    expect(out).toContain('[tool call] convert_units({"value":10,"from":"kg","to":"lb"})');
    const toolOutput = /\[tool output\] (\S+)/.exec(out);
    expect(Number(toolOutput![1])).toBeCloseTo(10 / 0.45359237, 9);
    expect(out).toContain("agent: 10 kg is 22.05 lb.");
    const deltas = /^(\d+) text deltas streamed; final message: (.*)$/m.exec(out);
    expect(Number(deltas![1])).toBe("10 kg is 22.05 lb.".split(" ").length);
    expect(JSON.parse(deltas![2]!)).toBe("10 kg is 22.05 lb.");
    expect(out).toContain('Without streaming: HTTP 200, 3 output items, message "10 kg is 22.05 lb."');
    expect(out).toMatch(/^OK: /m);
  });

  it("answers a question it cannot use its tool for with text only", async () => {
    const out = await runExample("streaming-agent", ["what", "can", "you", "do?"]);
    expect(out).not.toContain("[tool call]");
    expect(out).toMatch(/^agent: I convert km ↔ miles/m);
    expect(out).toContain("Without streaming: HTTP 200, 1 output items");
    expect(out).toMatch(/^OK: /m);
  });
});

describe("the top README's code example", () => {
  const repoRoot = join(examplesRoot, "..", "..");
  const script = readFileSync(join(examplesRoot, "src", "readme.ts"), "utf8");

  it("is src/readme.ts verbatim (after its two header comment lines)", () => {
    const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
    const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    expect(script.split("\n").slice(2).join("\n")).toBe(block);
  });

  it("runs as written from the repository root: predictions, MLflow's schema error, the signature", async () => {
    const { stdout } = await run(process.execPath, [join("apps", "examples", "dist", "readme.js")], {
      cwd: repoRoot,
      timeout: 120_000,
    });
    const lines = stdout.trim().split("\n");
    expect(lines[0]).toContain("int64");
    expect(lines[0]).toMatch(/\[\s*0n?,\s*1n?\s*\]/);
    expect(stdout).toContain(
      "INVALID_PARAMETER_VALUE Failed to enforce schema of data '[{'mean_radius': 17.99}]'",
    );
    expect(stdout).toContain(
      "Model is missing inputs ['mean_texture', 'mean_smoothness', 'worst_concavity']",
    );
    const signature = JSON.parse(lines.at(-1)!) as { name: string; type: string }[];
    expect(signature.map((c) => `${c.name}:${c.type}`)).toEqual([
      "mean_radius:double",
      "mean_texture:double",
      "mean_smoothness:double",
      "worst_concavity:double",
    ]);
    // the two rows are expected.json's first and last, which XGBoost classified 0 and 1 in Python
    expect([pythonPredictions[0], pythonPredictions.at(-1)]).toEqual([0, 1]);
  });
});
