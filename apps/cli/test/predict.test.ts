import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { CLI_DIR, csvOf, LINEAR_PLUGIN, linear, rows, runCli, tempDir, writeLinearModel } from "./helpers.js";

let dir: string;
let model: string;
const P = ["--plugin", LINEAR_PLUGIN];

beforeAll(() => {
  dir = tempDir();
  model = writeLinearModel(join(dir, "linear"));
});

function predictions(stdout: string): number[] {
  return (JSON.parse(stdout) as { predictions: number[] }).predictions;
}

describe("pyfunc predict (built binary)", () => {
  it("scores a dataframe_split JSON payload from a file into an output file, as {predictions}", async () => {
    const input = join(dir, "split.json");
    writeFileSync(
      input,
      JSON.stringify({
        dataframe_split: {
          columns: ["x1", "x2"],
          data: [
            [1, 2],
            [3, 0.5],
            [-2, 4],
          ],
        },
      }),
    );
    const output = join(dir, "split-out.json");
    const r = await runCli(["predict", "-m", model, "-i", input, "-o", output, ...P]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(predictions(readFileSync(output, "utf8"))).toEqual([linear(1, 2), linear(3, 0.5), linear(-2, 4)]);
  });

  it("reads stdin and writes stdout when -i/-o are absent (dataframe_records, inputs, instances)", async () => {
    for (const payload of [
      { dataframe_records: [{ x1: 1, x2: 2 }] },
      { inputs: { x1: [1], x2: [2] } },
      { instances: [{ x1: 1, x2: 2 }] },
    ]) {
      const r = await runCli(["predict", "-m", model, ...P], { input: JSON.stringify(payload) });
      expect(r.code, r.stderr).toBe(0);
      expect(predictions(r.stdout)).toEqual([linear(1, 2)]);
    }
  });

  it("applies --params, overriding the payload's params", async () => {
    const payload = { dataframe_records: [{ x1: 1, x2: 2 }], params: { scale: 3 } };
    const fromBody = await runCli(["predict", "-m", model, ...P], { input: JSON.stringify(payload) });
    expect(predictions(fromBody.stdout)).toEqual([linear(1, 2, 3)]);
    const overridden = await runCli(["predict", "-m", model, ...P, "--params", '{"scale": 10}'], {
      input: JSON.stringify(payload),
    });
    expect(predictions(overridden.stdout)).toEqual([linear(1, 2, 10)]);
  });

  it("sets --env KEY=VALUE for the model and accepts MLflow's Python-environment flags with a note", async () => {
    const payload = JSON.stringify({ dataframe_records: [{ x1: 1, x2: 2 }] });
    const r = await runCli(
      [
        "predict",
        "-m",
        model,
        ...P,
        "--env",
        "CLI_TEST_SCALE=3",
        "--env-manager",
        "virtualenv",
        "--install-mlflow",
        "--no-conda",
      ],
      { input: payload },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(predictions(r.stdout)).toEqual([linear(1, 2, 3)]);
    expect(r.stderr).toContain("ignored --env-manager virtualenv, --install-mlflow");
    const bad = await runCli(["predict", "-m", model, ...P, "--env", "NOVALUE"], { input: payload });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--env expects KEY=VALUE");
  });

  it("streams a CSV in chunks with output identical to predicting it in one call", async () => {
    const data = rows(2503);
    const input = join(dir, "rows.csv");
    writeFileSync(input, csvOf(data));
    const whole = await runCli(["predict", "-m", model, "-i", input, "--chunk-size", "0", ...P]);
    const chunked = await runCli(["predict", "-m", model, "-i", input, "--chunk-size", "100", ...P]);
    expect(whole.code, whole.stderr).toBe(0);
    expect(chunked.code, chunked.stderr).toBe(0);
    expect(chunked.stdout).toBe(whole.stdout);
    expect(predictions(chunked.stdout)).toEqual(data.map(([a, b]) => linear(a, b)));
  });

  it("gives the same output with 2 worker threads as with 1, in input order", async () => {
    const data = rows(5000);
    const input = join(dir, "rows-workers.csv");
    writeFileSync(input, csvOf(data));
    const one = await runCli(["predict", "-m", model, "-i", input, "--chunk-size", "97", ...P]);
    const two = await runCli([
      "predict",
      "-m",
      model,
      "-i",
      input,
      "--chunk-size",
      "97",
      "--workers",
      "2",
      ...P,
    ]);
    expect(two.code, two.stderr).toBe(0);
    expect(two.stdout).toBe(one.stdout);
    expect(predictions(two.stdout)).toEqual(data.map(([a, b]) => linear(a, b)));
  });

  it("reads JSON Lines (one record per line, blank lines skipped) from stdin", async () => {
    const text = '{"x1": 1, "x2": 2}\n\n{"x1": 3, "x2": 0.5}\r\n{"x1": -1, "x2": 0}';
    const r = await runCli(["predict", "-m", model, "-t", "jsonl", "--chunk-size", "2", ...P], {
      input: text,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(predictions(r.stdout)).toEqual([linear(1, 2), linear(3, 0.5), linear(-1, 0)]);
  });

  it("picks the input format from the file extension (.csv, .jsonl) without -t", async () => {
    const csv = join(dir, "ext.csv");
    writeFileSync(csv, "x1,x2\n1,2\n");
    const jsonl = join(dir, "ext.jsonl");
    writeFileSync(jsonl, '{"x1": 3, "x2": 0.5}\n');
    expect(predictions((await runCli(["predict", "-m", model, "-i", csv, ...P])).stdout)).toEqual([
      linear(1, 2),
    ]);
    expect(predictions((await runCli(["predict", "-m", model, "-i", jsonl, ...P])).stdout)).toEqual([
      linear(3, 0.5),
    ]);
  });

  it("answers a header-only CSV with an empty predictions list", async () => {
    const r = await runCli(["predict", "-m", model, "-t", "csv", ...P], { input: "x1,x2\n" });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ predictions: [] });
  });

  it("prints no progress bar when stderr is not a terminal", async () => {
    const input = join(dir, "rows-progress.csv");
    writeFileSync(input, csvOf(rows(300)));
    const r = await runCli([
      "predict",
      "-m",
      model,
      "-i",
      input,
      "-o",
      join(dir, "p.json"),
      "--chunk-size",
      "10",
      ...P,
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
  });
});

describe("pyfunc predict errors: exit codes and messages", () => {
  it("exits 6 for a missing input file", async () => {
    const r = await runCli(["predict", "-m", model, "-i", join(dir, "absent.json"), ...P]);
    expect(r.code).toBe(6);
    expect(r.stderr).toContain("Input file not found");
    expect(r.stdout).toBe("");
  });

  it("exits 7 for invalid JSON, with MLflow's 'Invalid input' wording", async () => {
    const r = await runCli(["predict", "-m", model, ...P], { input: '{"dataframe_records": [' });
    expect(r.code).toBe(7);
    expect(r.stderr).toContain("Invalid input. Ensure that input is a valid JSON formatted string");
    expect(r.stderr).toContain("[BAD_REQUEST]");
  });

  it("exits 7 for a JSON payload without exactly one input field", async () => {
    const r = await runCli(["predict", "-m", model, ...P], { input: '{"rows": [[1, 2]]}' });
    expect(r.code).toBe(7);
    expect(r.stderr).toContain("exactly one of the input fields");
  });

  it("exits 7 for a .parquet input that is not a Parquet file", async () => {
    const input = join(dir, "junk.parquet");
    writeFileSync(input, "x1,x2\n1,2\n");
    const r = await runCli(["predict", "-m", model, "-i", input, ...P]);
    expect(r.code).toBe(7);
    expect(r.stderr).toContain("[BAD_REQUEST]");
  });

  it("exits 7 for a JSON Lines line that is not an object, naming the line", async () => {
    const r = await runCli(["predict", "-m", model, "-t", "jsonl", ...P], {
      input: '{"x1": 1, "x2": 2}\n[1, 2]\n',
    });
    expect(r.code).toBe(7);
    expect(r.stderr).toContain("line 2");
  });

  it("exits 8 for CSV with wrong columns, naming the missing column and the records", async () => {
    const r = await runCli(["predict", "-m", model, "-t", "csv", ...P], { input: "x1,x3\n1,2\n3,4\n" });
    expect(r.code).toBe(8);
    expect(r.stderr).toContain("x2");
    expect(r.stderr).toContain("records 1-2");
  });

  it("exits 8 for values that do not convert to the signature types", async () => {
    const r = await runCli(["predict", "-m", model, ...P], {
      input: '{"dataframe_records": [{"x1": "abc", "x2": 1}]}',
    });
    expect(r.code).toBe(8);
    expect(r.stderr).toContain("x1");
  });

  it("exits 8 for params that do not match the params schema", async () => {
    const r = await runCli(["predict", "-m", model, ...P, "--params", '{"scale": "big"}'], {
      input: '{"dataframe_records": [{"x1": 1, "x2": 1}]}',
    });
    expect(r.code).toBe(8);
    expect(r.stderr).toContain("scale");
  });

  it("exits 9 when the model raises, with the model's message", async () => {
    const r = await runCli(["predict", "-m", model, ...P, "--params", '{"fail": true}'], {
      input: '{"dataframe_records": [{"x1": 1, "x2": 1}]}',
    });
    expect(r.code).toBe(9);
    expect(r.stderr).toContain("the test model was asked to fail");
  });

  it("exits 2 for --params that is not a JSON object, and for a bad --workers value", async () => {
    const a = await runCli(["predict", "-m", model, ...P, "--params", "{scale: 1}"], { input: "{}" });
    expect(a.code).toBe(2);
    expect(a.stderr).toContain("--params must be a JSON object");
    const b = await runCli(["predict", "-m", model, ...P, "-t", "csv", "--workers", "zero"], {
      input: "x1,x2\n",
    });
    expect(b.code).toBe(2);
    expect(b.stderr).toContain("--workers");
  });

  it("exits 2 for an unknown content type and for a missing -m", async () => {
    const a = await runCli(["predict", "-m", model, "-t", "xml", ...P], { input: "<a/>" });
    expect(a.code).toBe(2);
    expect(a.stderr).toContain("Unsupported content type 'xml'");
    const b = await runCli(["predict", "-i", "x.json"]);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain("--model-uri");
  });

  it("exits 3 for a model path that does not exist or has no MLmodel", async () => {
    const a = await runCli(["predict", "-m", join(dir, "no-such-model"), ...P], { input: "{}" });
    expect(a.code).toBe(3);
    expect(a.stderr).toContain("does not exist");
    const b = await runCli(["predict", "-m", dir, ...P], { input: "{}" });
    expect(b.code).toBe(3);
    expect(b.stderr).toContain("no MLmodel");
  });

  it("exits 4 for an MLmodel that is not valid YAML", async () => {
    const bad = join(dir, "bad-yaml");
    writeLinearModel(bad, { mlmodel: "flavors: [unclosed\n  : :\n" });
    const r = await runCli(["predict", "-m", bad, ...P], { input: "{}" });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain("MLmodel");
  });

  it("exits 5 for a Python-only model, saying what to do", async () => {
    // mlflow.pytorch: a flavor no @pyfunc package loads (mlflow.sklearn gets one of its own)
    const py = join(dir, "pytorch");
    writeLinearModel(py, { loaderModule: "mlflow.pytorch", flavorKey: "python_function" });
    const r = await runCli(["predict", "-m", py], { input: '{"dataframe_records": [{"x1": 1, "x2": 1}]}' });
    expect(r.code).toBe(5);
    expect(r.stderr).toContain("cannot run in Node.js");
    expect(r.stderr).toContain("mlflow.onnx");
  });

  it("exits 10 when the output cannot be written, leaving no partial file", async () => {
    const r = await runCli(["predict", "-m", model, "-o", join(dir, "missing-dir", "out.json"), ...P], {
      input: '{"dataframe_records": [{"x1": 1, "x2": 1}]}',
    });
    expect(r.code).toBe(10);
    expect(r.stderr).toContain("Cannot write output");
  });

  it("names the output path the user gave, not the temporary file, when it cannot be written", async () => {
    const target = join(dir, "missing-dir", "out.json");
    const r = await runCli(["predict", "-m", model, "-o", target, ...P], {
      input: '{"dataframe_records": [{"x1": 1, "x2": 1}]}',
    });
    expect(r.code).toBe(10);
    expect(r.stderr).toBe(
      `pyfunc predict: error: Cannot write output '${target}': ENOENT: no such file or directory\n`,
    );
  });

  it("ends the document on stdout with a newline; an output file holds exactly the server's answer", async () => {
    const payload = '{"dataframe_records": [{"x1": 1, "x2": 2}]}';
    const out = await runCli(["predict", "-m", model, ...P], { input: payload });
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toBe(`${JSON.stringify({ predictions: [linear(1, 2)] })}\n`);
    const streamed = await runCli(["predict", "-m", model, "-t", "csv", "--chunk-size", "1", ...P], {
      input: "x1,x2\n1,2\n3,0.5\n",
    });
    expect(streamed.stdout).toBe(`${JSON.stringify({ predictions: [linear(1, 2), linear(3, 0.5)] })}\n`);
    const file = join(dir, "no-newline.json");
    await runCli(["predict", "-m", model, "-o", file, ...P], { input: payload });
    expect(readFileSync(file, "utf8")).toBe(JSON.stringify({ predictions: [linear(1, 2)] }));
  });

  it("removes the partial output file when a later chunk fails", async () => {
    const outDir = tempDir();
    const input = join(outDir, "late-bad.csv");
    writeFileSync(input, `${csvOf(rows(50)).trimEnd()}\nnot-a-number,1\n`);
    const output = join(outDir, "out.json");
    const r = await runCli(["predict", "-m", model, "-i", input, "-o", output, "--chunk-size", "10", ...P]);
    expect(r.code).toBe(7); // MLflow answers a CSV cell that does not parse with BAD_REQUEST
    expect(r.stderr).toContain("not-a-number");
    expect(r.stderr).toContain("records 51-51");
    expect(existsSync(output)).toBe(false);
    expect(readdirSync(outDir)).toEqual(["late-bad.csv"]);
  });
});

describe.skipIf(!existsSync("/usr/bin/script"))("pyfunc predict progress bar", () => {
  it("draws a progress bar on stderr when it is a terminal and output goes to a file", async () => {
    const { spawnSync } = await import("node:child_process");
    const input = join(dir, "rows-tty.csv");
    writeFileSync(input, csvOf(rows(3000)));
    const cmd = [
      process.execPath,
      "dist/bin.js",
      "predict",
      "-m",
      model,
      "-i",
      input,
      "-o",
      join(dir, "tty.json"),
    ]
      .concat(["--chunk-size", "500", "--plugin", LINEAR_PLUGIN])
      .map((a) => `'${a}'`)
      .join(" ");
    // `script` gives the child a pseudo-terminal, as an interactive shell would.
    const r = spawnSync("/usr/bin/script", ["-qec", cmd, "/dev/null"], { cwd: CLI_DIR, encoding: "utf8" });
    expect(r.status, r.stdout).toBe(0);
    expect(r.stdout).toContain("predict [");
    expect(r.stdout).toContain("100% | 3000 rows");
    expect(predictions(readFileSync(join(dir, "tty.json"), "utf8"))).toHaveLength(3000);
  });
});

describe("pyfunc predict interrupted", () => {
  it("exits 130 on SIGINT and leaves no partial output file", async () => {
    const { spawn } = await import("node:child_process");
    const { BIN } = await import("./helpers.js");
    const outDir = tempDir();
    const output = join(outDir, "out.json");
    const child = spawn(
      process.execPath,
      [BIN, "predict", "-m", model, "-t", "csv", "-o", output, "--chunk-size", "5", ...P],
      {
        env: { ...process.env, PYFUNC_PLUGINS: "" },
      },
    );
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    child.stdin.write(csvOf(rows(50))); // stdin stays open: the command waits for more rows
    for (let i = 0; i < 200 && readdirSync(outDir).length === 0; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(readdirSync(outDir)).toHaveLength(1); // the temporary output
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    expect(readdirSync(outDir)).toEqual([]);
  });
});
