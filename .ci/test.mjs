#!/usr/bin/env node
// `pnpm test`: turbo runs every package's tests; this passes their output through, drops known third-party noise,
// and ends with one grand total of the vitest summaries: "tests: N passed, N failed, N skipped".
// Extra arguments go to turbo (`pnpm test --filter=@pyfunc/core`). The exit code is turbo's.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { stripVTControlCharacters } from "node:util";

/** Output that comes from third-party code, says nothing about this project and is the same in every run. */
const NOISE = [
  // Dawn (WebGPU inside onnxruntime-node's libonnxruntime.so), printed by native code when the onnx tests check
  // that a webgpu provider without an adapter falls back to cpu; there is no GPU (nor libvulkan) on CI.
  /^Warning: Couldn't load Vulkan: /,
  /^\s+at operator\(\) \(.*dawn.*BackendVk\.cpp:\d+\)$/,
  // MLflow's hint when a signature is inferred from integer columns (core's inferSignature, emitted by saveModel);
  // many tests save models from integer input examples on purpose.
  /^\(node:\d+\) PyfuncWarning: Hint: Inferred schema contains integer column\(s\)\./,
  /^\(Use `node --trace-warnings \.\.\.` to show where the warning was created\)$/,
];

// The AWS SDK v3 warns once per process that its releases after January 2027 need Node >= 22 (the project's floor
// is Node 20); the S3 tests load it. Its documented switch turns the warning off (turbo.json passes it through).
const env = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" };

/** A line of turbo's output: `<package>:<task>: <text>`. */
const PREFIXED = /^(\S+?):(\w[\w:-]*): ?(.*)$/;

const totals = { passed: 0, failed: 0, skipped: 0, todo: 0 };
const summarized = new Set();

function count(pkg, text) {
  // vitest: "      Tests  2 failed | 120 passed | 3 skipped (125)"
  const m = /^\s*Tests\s+(.*)$/.exec(text);
  if (m === null) return;
  summarized.add(pkg);
  for (const [, n, what] of m[1].matchAll(/(\d+) (passed|failed|skipped|todo)/g)) totals[what] += Number(n);
}

function pipe(from, to) {
  const lines = createInterface({ input: from, crlfDelay: Number.POSITIVE_INFINITY });
  // Node adds its "--trace-warnings" line after a process's first warning: noise only after a warning that is.
  const afterNoisyWarning = new Set();
  lines.on("line", (line) => {
    const plain = stripVTControlCharacters(line);
    const prefixed = PREFIXED.exec(plain);
    const source = prefixed ? prefixed[1] : "";
    const text = prefixed ? prefixed[3] : plain;
    if (prefixed && prefixed[2] === "test") count(source, text);
    const noise = NOISE.findIndex((re) => re.test(text));
    const traceHint = noise === NOISE.length - 1;
    if (traceHint ? afterNoisyWarning.has(source) : noise >= 0) {
      afterNoisyWarning.delete(source);
      if (text.startsWith("(node:")) afterNoisyWarning.add(source);
      return;
    }
    afterNoisyWarning.delete(source);
    to.write(`${line}\n`);
  });
  return new Promise((resolve) => lines.once("close", resolve));
}

const child = spawn("turbo", ["run", "test", ...process.argv.slice(2)], {
  env,
  stdio: ["inherit", "pipe", "pipe"],
});
const exit = new Promise((resolve) => {
  child.once("error", (error) => {
    process.stderr.write(`cannot run turbo: ${error.message}\n`);
    resolve(1);
  });
  child.once("close", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
});
const [code] = await Promise.all([
  exit,
  pipe(child.stdout, process.stdout),
  pipe(child.stderr, process.stderr),
]);
const todo = totals.todo > 0 ? `, ${totals.todo} todo` : "";
process.stdout.write(
  `\ntests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped${todo} ` +
    `(${summarized.size} packages${code === 0 ? "" : `; turbo exited with ${code}`})\n`,
);
process.exit(code);
