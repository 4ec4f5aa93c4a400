import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
export const CLI_DIR = resolve(here, "..");
export const BIN = join(CLI_DIR, "dist", "bin.js");
export const LINEAR_PLUGIN = join(here, "fixtures", "linear-flavor.mjs");

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the built `pyfunc` binary as a child process. */
export function runCli(
  args: string[],
  options: { input?: string | Buffer; env?: Record<string, string>; cwd?: string } = {},
): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? CLI_DIR,
      env: { ...process.env, PYFUNC_PLUGINS: "", NO_COLOR: "1", ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => err.push(d));
    child.on("error", reject);
    child.on("close", (code) =>
      resolvePromise({
        code,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
      }),
    );
    child.stdin.on("error", () => {});
    if (options.input !== undefined) child.stdin.end(options.input);
    else child.stdin.end();
  });
}

export function tempDir(prefix = "pyfunc-cli-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export const LINEAR_WEIGHTS = { weights: { x1: 2, x2: -1 }, bias: 0.5 };

/** What the test model computes, independently of the CLI. */
export function linear(x1: number, x2: number, scale = 1): number {
  return (LINEAR_WEIGHTS.bias + LINEAR_WEIGHTS.weights.x1 * x1 + LINEAR_WEIGHTS.weights.x2 * x2) * scale;
}

/** Write an MLflow model directory (MLmodel as MLflow writes it) loaded by the test flavor. */
export function writeLinearModel(
  dir: string,
  options: { example?: boolean; loaderModule?: string; flavorKey?: string; mlmodel?: string } = {},
): string {
  mkdirSync(dir, { recursive: true });
  const loader = options.loaderModule ?? "cli_test_linear";
  const key = options.flavorKey ?? "js_function";
  const example = options.example !== false;
  const mlmodel =
    options.mlmodel ??
    [
      "flavors:",
      `  ${key}:`,
      `    loader_module: ${loader}`,
      "    data: weights.json",
      "  cli_test_linear:",
      "    data: weights.json",
      "mlflow_version: 3.6.0",
      "model_uuid: 0123456789abcdef0123456789abcdef",
      "utc_time_created: '2026-11-26 20:00:00.000000'",
      "signature:",
      `  inputs: '[{"type": "double", "name": "x1", "required": true}, {"type": "double", "name": "x2", "required": true}]'`,
      `  outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1]}}]'`,
      `  params: '[{"name": "scale", "type": "double", "default": 1.0, "shape": null}, {"name": "fail", "type": "boolean", "default": false, "shape": null}]'`,
      ...(example
        ? [
            "saved_input_example_info:",
            "  artifact_path: input_example.json",
            "  type: dataframe",
            "  pandas_orient: split",
            "  serving_input_path: serving_input_example.json",
          ]
        : []),
      "",
    ].join("\n");
  writeFileSync(join(dir, "MLmodel"), mlmodel);
  writeFileSync(join(dir, "weights.json"), JSON.stringify(LINEAR_WEIGHTS));
  if (example) {
    writeFileSync(
      join(dir, "input_example.json"),
      '{"columns": ["x1", "x2"], "data": [[1.0, 2.0], [3.0, 0.5]]}',
    );
    writeFileSync(
      join(dir, "serving_input_example.json"),
      '{"dataframe_split": {"columns": ["x1", "x2"], "data": [[1.0, 2.0], [3.0, 0.5]]}}',
    );
  }
  return dir;
}

/** Rows (x1, x2) for tests: deterministic, with fractions and negatives. */
export function rows(n: number): [number, number][] {
  return Array.from(
    { length: n },
    (_, i) => [((i * 37) % 101) / 4 - 3, ((i * 13) % 17) * 0.5] as [number, number],
  );
}

export function csvOf(data: [number, number][]): string {
  return `x1,x2\n${data.map(([a, b]) => `${a},${b}`).join("\n")}\n`;
}
