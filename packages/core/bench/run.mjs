// Benchmark: a 100,000 x 20 float `dataframe_split` body -> DataFrame -> float32 tensor, against
// Debian's pandas doing pd.read_json(path, orient="split").to_numpy(dtype="float32") on the same data.
// Run: pnpm -F @pyfunc/core bench   (uses dist/: build first). Prints wall-time and CPU-time ratios.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DataFrame, dataFrameToTensor } from "../dist/inputs/index.js";
import { parseDataFrameSplitFast } from "../dist/protocol/index.js";

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const COLS = 20;
const REPS = Number(process.env.BENCH_REPS ?? 5);
const PYTHON = "/usr/bin/python3";

function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const dir = mkdtempSync(join(tmpdir(), "pyfunc-bench-"));
try {
  const rand = rng(42);
  const columns = Array.from({ length: COLS }, (_v, i) => `f${i}`);
  const rowsText = new Array(ROWS);
  for (let r = 0; r < ROWS; r++) {
    const row = new Array(COLS);
    for (let c = 0; c < COLS; c++) row[c] = ((rand() - 0.5) * 200).toString(); // full-precision doubles
    rowsText[r] = `[${row.join(", ")}]`;
  }
  const inner = `{"columns": ${JSON.stringify(columns).replaceAll(",", ", ")}, "data": [${rowsText.join(", ")}]}`;
  const bodyPath = join(dir, "body.json");
  const innerPath = join(dir, "inner.json");
  writeFileSync(bodyPath, `{"dataframe_split": ${inner}}`);
  writeFileSync(innerPath, inner);
  const mb = (readFileSync(bodyPath).length / 1e6).toFixed(1);

  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  // wall and CPU time (user + system of this process: on a loaded machine, CPU time is less disturbed by the
  // other processes than wall time is)
  const once = (fn) => {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const result = fn();
    const c = process.cpuUsage(c0);
    return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, cpu: (c.user + c.system) / 1e6, result };
  };
  // our fast path: body bytes -> DataFrame (Float64Array columns) -> row-major float32 tensor
  const ours = () => {
    const body = readFileSync(bodyPath); // bytes, as a server receives them
    const parsed = parseDataFrameSplitFast(body);
    if (!parsed) throw new Error("fast path refused the body");
    return dataFrameToTensor(parsed.frame, "float32");
  };
  // the general path for comparison: JSON.parse -> columns -> tensor
  const viaJsonParse = () => {
    const body = JSON.parse(readFileSync(bodyPath, "utf8")).dataframe_split;
    const cols = body.columns.map((name, j) => {
      const v = new Float64Array(body.data.length);
      for (let r = 0; r < body.data.length; r++) v[r] = body.data[r][j];
      return { name, dtype: "float64", values: v };
    });
    return dataFrameToTensor(new DataFrame(cols), "float32");
  };
  const py = `
import sys, time, pandas as pd, numpy as np
path = sys.argv[1]
pd.read_json(path, orient="split").to_numpy(dtype="float32")  # warm-up
best = None
best_cpu = None
for i in range(2):
    c0 = time.process_time()
    t0 = time.perf_counter()
    a = pd.read_json(path, orient="split").to_numpy(dtype="float32")
    dt = time.perf_counter() - t0
    dc = time.process_time() - c0
    best = dt if best is None else min(best, dt)
    best_cpu = dc if best_cpu is None else min(best_cpu, dc)
print(best, a.shape[0], a.shape[1], float(a.reshape(-1)[::997].astype(np.float64).sum()), best_cpu)
`;
  // Interleave the contenders round by round so that load changes on a shared machine hit both.
  once(ours); // warm-up
  once(viaJsonParse);
  const fastTimes = [];
  const jsonTimes = [];
  const pyTimes = [];
  const ratios = [];
  const cpuRatios = [];
  let t;
  let pyShape = [0, 0];
  let pyChecksum = 0;
  for (let round = 0; round < REPS; round++) {
    const first = once(ours);
    t = once(ours);
    const a = Math.min(first.seconds, t.seconds);
    const aCpu = Math.min(first.cpu, t.cpu);
    const out = execFileSync(PYTHON, ["-c", py, innerPath], { encoding: "utf8" }).trim().split(/\s+/);
    const p = Number(out[0]);
    pyShape = [Number(out[1]), Number(out[2])];
    pyChecksum = Number(out[3]);
    cpuRatios.push(Number(out[4]) / aCpu);
    jsonTimes.push(once(viaJsonParse).seconds);
    fastTimes.push(a);
    pyTimes.push(p);
    ratios.push(p / a);
  }
  const tensor = t.result;
  let checksum = 0;
  for (let i = 0; i < tensor.data.length; i += 997) checksum += tensor.data[i];
  const fast = { seconds: median(fastTimes) };
  const general = { seconds: median(jsonTimes) };
  const pySeconds = median(pyTimes);

  const rps = (sec) => Math.round(ROWS / sec).toLocaleString("en-US");
  console.log(
    `payload: ${ROWS} x ${COLS} float64 dataframe_split, ${mb} MB; ${REPS} interleaved rounds, medians`,
  );
  console.log(
    `@pyfunc/core fast path   : ${fast.seconds.toFixed(3)} s  ${rps(fast.seconds)} rows/s  tensor ${tensor.dtype} [${tensor.shape}]`,
  );
  console.log(`@pyfunc/core JSON.parse  : ${general.seconds.toFixed(3)} s  ${rps(general.seconds)} rows/s`);
  console.log(
    `pandas read_json+to_numpy: ${pySeconds.toFixed(3)} s  ${rps(pySeconds)} rows/s  array float32 [${pyShape}]`,
  );
  console.log(
    `ratio (pandas time / ours): fast path ${median(ratios).toFixed(2)}x (per round: ${ratios.map((r) => r.toFixed(2)).join(", ")}); JSON.parse path ${(pySeconds / general.seconds).toFixed(2)}x`,
  );
  const same =
    pyShape[0] === tensor.shape[0] &&
    pyShape[1] === tensor.shape[1] &&
    Math.abs(pyChecksum - checksum) <= 1e-3 * Math.abs(pyChecksum) + 1e-6;
  const range = (xs) => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`;
  console.log(
    `ratio by CPU time (pandas process_time / ours cpuUsage, best of 2 each): fast path ${median(cpuRatios).toFixed(2)}x (range ${range(cpuRatios)}); wall range ${range(ratios)}`,
  );
  console.log(
    `same result as pandas (shape + sampled checksum): ${same ? "yes" : `NO (ours ${checksum}, pandas ${pyChecksum})`}`,
  );
  if (!same) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------------------
// CSV: a ROWS x 8 float64 `text/csv` body through parseScoringRequest (fast numeric CSV path) against the
// previous path (decodeUtf8 + parseCsvBody: csv-parse + per-cell parsePyFloat), same body, same run.
{
  const { decodeUtf8, inputSchemaView, parseCsvBody, parseScoringRequest } = await import(
    "../dist/protocol/index.js"
  );
  const CSV_COLS = 8;
  const rand = rng(7);
  const lines = [Array.from({ length: CSV_COLS }, (_v, i) => `x${i}`).join(",")];
  for (let r = 0; r < ROWS; r++) {
    const row = new Array(CSV_COLS);
    for (let c = 0; c < CSV_COLS; c++) row[c] = ((rand() - 0.5) * 200).toString();
    lines.push(row.join(","));
  }
  const body = Buffer.from(`${lines.join("\r\n")}\r\n`); // pandas.to_csv on Windows / most HTTP clients
  const schema = { inputs: JSON.stringify(lines[0].split(",").map((name) => ({ type: "double", name }))) };
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const time = (fn) => {
    const t0 = process.hrtime.bigint();
    const result = fn();
    return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, result };
  };
  // the same rows plus a text column (a category label), untyped
  const mixed = Buffer.from(
    `${lines.map((l, i) => `${l},${i === 0 ? "kind" : ["red", "green", "blue"][i % 3]}`).join("\r\n")}\r\n`,
  );
  const cases = [
    ["no schema", undefined, body],
    ["double schema", schema, body],
    ["+1 text column, no schema", undefined, mixed],
  ];
  for (const [label, schemas, body] of cases) {
    const fast = () => parseScoringRequest(body, "text/csv", schemas).input;
    const previous = () => parseCsvBody(decodeUtf8(body), inputSchemaView(schemas?.inputs));
    time(fast); // warm-up
    time(previous);
    const fastTimes = [];
    const prevTimes = [];
    const ratios = [];
    let a;
    let b;
    for (let round = 0; round < REPS; round++) {
      a = time(fast);
      b = time(previous);
      fastTimes.push(a.seconds);
      prevTimes.push(b.seconds);
      ratios.push(b.seconds / a.seconds);
    }
    let same = a.result.numRows === b.result.numRows && a.result.numRows === ROWS;
    for (const name of b.result.columns) {
      const x = a.result.column(name).values;
      const y = b.result.column(name).values;
      same &&=
        x.constructor === y.constructor && x.length === y.length && x.every((v, i) => Object.is(v, y[i]));
    }
    const rps = (sec) => Math.round(ROWS / sec).toLocaleString("en-US");
    console.log(
      `csv ${ROWS} x ${CSV_COLS} float64 (${(body.length / 1e6).toFixed(1)} MB, CRLF, ${label}): fast ${median(fastTimes).toFixed(3)} s ${rps(median(fastTimes))} rows/s; ` +
        `csv-parse path ${median(prevTimes).toFixed(3)} s ${rps(median(prevTimes))} rows/s; ratio ${median(ratios).toFixed(2)}x ` +
        `(per round: ${ratios.map((r) => r.toFixed(2)).join(", ")}); identical frames: ${same ? "yes" : "NO"}`,
    );
    if (!same) process.exitCode = 1;
  }
}

// ---------------------------------------------------------------------------------------------------------
// The scoring path (parseScoringRequest, what /invocations runs) on JSON bodies of the same kind of numbers:
// dataframe_split with a `float` signature (float32 columns) and v2-style `inputs` (a [ROWS, 20] float32
// tensor signature), against the general path (decodeUtf8 + JSON.parse + the serving casts), same run.
{
  const { decodeUtf8, parseJsonScoringBody, parseScoringRequest } = await import("../dist/protocol/index.js");
  const W = 20;
  const rand = rng(11);
  const rows = [];
  for (let r = 0; r < ROWS; r++) {
    const row = new Array(W);
    for (let c = 0; c < W; c++) row[c] = ((rand() - 0.5) * 200).toString();
    rows.push(`[${row.join(", ")}]`);
  }
  const names = Array.from({ length: W }, (_v, i) => `f${i}`);
  const cases = [
    [
      "dataframe_split, float signature",
      Buffer.from(`{"dataframe_split": {"columns": ${JSON.stringify(names)}, "data": [${rows.join(", ")}]}}`),
      { inputs: JSON.stringify(names.map((name) => ({ type: "float", name }))), params: null },
    ],
    [
      "inputs, float32 tensor signature",
      Buffer.from(`{"inputs": [${rows.join(", ")}]}`),
      {
        inputs: JSON.stringify([{ type: "tensor", "tensor-spec": { dtype: "float32", shape: [-1, W] } }]),
        params: null,
      },
    ],
  ];
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const cpuOf = (fn) => {
    const c0 = process.cpuUsage();
    fn();
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1e6;
  };
  for (const [label, body, schemas] of cases) {
    const fast = () => parseScoringRequest(body, "application/json", schemas);
    const general = () => parseJsonScoringBody(decodeUtf8(body), schemas);
    fast();
    general();
    const f = [];
    const g = [];
    for (let round = 0; round < REPS; round++) {
      f.push(cpuOf(fast));
      g.push(cpuOf(general));
    }
    const ratios = f.map((x, i) => g[i] / x);
    console.log(
      `scoring path ${ROWS} x ${W} (${(body.length / 1e6).toFixed(1)} MB, ${label}): fast ${median(f).toFixed(3)} s CPU ` +
        `${Math.round(ROWS / median(f)).toLocaleString("en-US")} rows/s; general ${median(g).toFixed(3)} s CPU; ratio ${median(ratios).toFixed(2)}x ` +
        `(range ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`,
    );
  }
}
