// Benchmark: @pyfunc/lightgbm on the shared bench-500x63 case (500 trees, 63 leaves, 100,000 x 20 float32 rows).
// LightGBM cannot be installed here, so speed is reported as ratios to the native timings recorded in
// ../shared/fixtures/lightgbm/bench-500x63/bench/timings.json on a machine of the same kind ("against recorded
// native timings"); the worker figure is a same-run ratio. Parity is checked first (raw scores bit for bit).
// Usage: pnpm -F @pyfunc/lightgbm bench   (builds on dist/; PYFUNC_BENCH_REPEATS, PYFUNC_BENCH_SINGLE_CALLS)
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DataFrame, loadModel } from "@pyfunc/core";
import { Booster } from "../dist/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const caseDir = resolve(here, "../../../../shared/fixtures/lightgbm/bench-500x63");
if (!existsSync(caseDir)) {
  console.log(`[bench] ${caseDir} not found: the LightGBM benchmark needs the shared fixtures`);
  process.exit(0);
}
const REPEATS = Number(process.env.PYFUNC_BENCH_REPEATS ?? 3);
const SINGLE_CALLS = Number(process.env.PYFUNC_BENCH_SINGLE_CALLS ?? 2000);
const timings = JSON.parse(readFileSync(join(caseDir, "bench/timings.json"), "utf8"));
const native = (method, threads) =>
  timings.results.find((r) => r.method.startsWith(method) && r.num_threads === threads);
const native1 = native("Booster.predict(float32 ndarray [100000", 1).median_s;
const native2 = native("Booster.predict(float32 ndarray [100000", 2).median_s;
const nativeRow = native("Booster.predict(float32 ndarray [1, 20]", 1).median_s;

const f32 = (f) => {
  const b = readFileSync(join(caseDir, "bench", f));
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};
const f64 = (f) => {
  const b = readFileSync(join(caseDir, "bench", f));
  return new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};
const [ROWS, COLS] = timings.input.shape;
const X32 = f32("input-100000x20.f32");
const wantRaw = f64("expected-raw_score.f64");
const wantPred = f32("expected-predict.f32");

const booster = Booster.fromString(readFileSync(join(caseDir, "model/model.lgb"), "utf8"));
console.log(`model: ${booster.numTrees} trees, ${COLS} features; kernel layout: ${booster.predictor.layout}`);
const input = { dtype: "float32", shape: [ROWS, COLS], data: X32 };
const matrix = booster.toMatrix(input);

// 1. parity
const raw = booster.predictMatrix(matrix, { rawScore: true }).data;
let rawBad = 0;
for (let i = 0; i < ROWS; i++) if (!Object.is(raw[i], wantRaw[i])) rawBad++;
const pred = booster.predictMatrix(matrix).data;
let predBad = 0;
for (let i = 0; i < ROWS; i++) if (Math.fround(pred[i]) !== wantPred[i]) predBad++;
console.log(
  `parity: raw_score ${ROWS - rawBad}/${ROWS} bit-exact, predict ${ROWS - predBad}/${ROWS} equal after float32 rounding`,
);
if (rawBad > 0 || predBad > 0) {
  console.error("parity FAILED: not timing a wrong answer");
  process.exit(1);
}

const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const time = (fn) => {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
};
// process CPU time (s): on a busy shared machine wall time includes waiting for a core, CPU time less so
const cpuSince = (c) => {
  const u = process.cpuUsage(c);
  return (u.user + u.system) / 1e6;
};

// 2. batch, one thread (conversion from the float32 tensor included, as Booster.predict(ndarray) includes it)
booster.predict({ dtype: "float32", shape: [1000, COLS], data: X32.subarray(0, 1000 * COLS) });
const batch = [];
const batchCpu = [];
for (let i = 0; i < REPEATS; i++) {
  const c = process.cpuUsage();
  batch.push(time(() => booster.predict(input)));
  batchCpu.push(cpuSince(c));
}
const ours1 = median(batch);
const ours1Cpu = median(batchCpu);

// 3. one row per call, as a Python user calls booster.predict on one [1, 20] array
const rowInputs = [];
for (let r = 0; r < SINGLE_CALLS; r++) {
  rowInputs.push({ dtype: "float32", shape: [1, COLS], data: X32.subarray(r * COLS, (r + 1) * COLS) });
}
for (let r = 0; r < 200; r++) booster.predict(rowInputs[r % SINGLE_CALLS]);
const per = new Float64Array(SINGLE_CALLS);
for (let r = 0; r < SINGLE_CALLS; r++) {
  const t = process.hrtime.bigint();
  booster.predict(rowInputs[r]);
  per[r] = Number(process.hrtime.bigint() - t) / 1e9;
}
const oursRow = median(Array.from(per));
// the same calls without per-call timers: process CPU time per call, garbage collection included
const rowCpu = process.cpuUsage();
for (let r = 0; r < SINGLE_CALLS; r++) booster.predict(rowInputs[r]);
const oursRowCpu = cpuSince(rowCpu) / SINGLE_CALLS;

// 3b. the same rows through the MLflow flavor (`loadModel(dir).predict`, @pyfunc/core): the model directory's
// signature has 20 float columns, so a row is a one-row DataFrame; Booster.predict on the same DataFrame is the
// baseline. Interleaved blocks, so a burst of load on the shared machine falls on both alike.
const pyfunc = await loadModel(join(caseDir, "model"), { suppressWarnings: true });
const names = Array.from({ length: COLS }, (_, j) => `b${j}`);
const frames = [];
for (let r = 0; r < 1000; r++) {
  frames.push(
    DataFrame.fromColumns(Object.fromEntries(names.map((n, j) => [n, Float32Array.of(X32[r * COLS + j])]))),
  );
}
const viaFlavor = await pyfunc.predict(frames[0]);
if (viaFlavor.data[0] !== booster.predict(frames[0]).data[0])
  throw new Error("loadModel(dir).predict differs");
const BLOCK = 250;
const flavorCases = {
  "Booster.predict(DataFrame)": (r) => booster.predict(frames[r]),
  "PyFuncModel.predictEager": (r) => pyfunc.predictEager(frames[r]),
  "PyFuncModel.predict (awaited)": (r) => pyfunc.predict(frames[r]),
};
// per round: the median per-call time of each case over its blocks' calls
const flavorRounds = [];
for (let round = 0; round < 4; round++) {
  const per = Object.fromEntries(Object.keys(flavorCases).map((k) => [k, []]));
  for (let b = 0; b < 8; b++) {
    for (const [k, f] of Object.entries(flavorCases)) {
      for (let i = 0; i < BLOCK; i++) {
        const t = process.hrtime.bigint();
        const v = f((b * BLOCK + i) % frames.length);
        if (v instanceof Promise) await v;
        per[k].push(Number(process.hrtime.bigint() - t) / 1e3);
      }
    }
  }
  // round 0 warms up
  if (round > 0) flavorRounds.push(Object.fromEntries(Object.entries(per).map(([k, v]) => [k, median(v)])));
}
await pyfunc.close();

// 4. workers on 2 threads vs one thread, same run. On a shared machine the wall-time ratio mostly says how much
// of the second core other processes left us, so each thread's own CPU time and run-queue wait are read from
// /proc/self/task/*/schedstat (Linux; ns): the threads that do the work, and what the batch would take with a
// core per worker (the longest worker's CPU time).
const threadTimes = () => {
  const m = new Map();
  try {
    for (const t of readdirSync("/proc/self/task")) {
      const [run, wait] = readFileSync(`/proc/self/task/${t}/schedstat`, "utf8").split(" ").map(Number);
      m.set(t, { run: run / 1e9, wait: wait / 1e9 });
    }
  } catch {
    return null;
  }
  return m;
};
const workers = [];
const workerCpu = [];
const busiest = [];
const waits = [];
await booster.predictMatrixAsync(matrix, { workers: 2 }); // start the pool
for (let i = 0; i < REPEATS; i++) {
  const before = threadTimes();
  const c = process.cpuUsage();
  const t = process.hrtime.bigint();
  const p = await booster.predictMatrixAsync(matrix, { workers: 2 });
  workers.push(Number(process.hrtime.bigint() - t) / 1e9);
  workerCpu.push(cpuSince(c));
  const after = threadTimes();
  if (before !== null && after !== null) {
    // the two threads that ran longest in this batch are the workers (the calling thread only dispatches)
    const d = [...after]
      .filter(([id]) => id !== String(process.pid) && before.has(id))
      .map(([id, a]) => ({ run: a.run - before.get(id).run, wait: a.wait - before.get(id).wait }))
      .sort((x, y) => y.run - x.run)
      .slice(0, 2);
    busiest.push(Math.max(...d.map((x) => x.run)));
    waits.push(d.reduce((a, x) => a + x.wait, 0));
  }
  if (!p.data.every((v, j) => v === pred[j])) throw new Error("worker predictions differ");
}
const single = [];
const singleCpu = [];
for (let i = 0; i < REPEATS; i++) {
  const c = process.cpuUsage();
  single.push(time(() => booster.predictMatrix(matrix)));
  singleCpu.push(cpuSince(c));
}
const ours2 = median(workers);
await booster.close();

const fmt = (s) =>
  s >= 1 ? `${s.toFixed(3)} s` : s >= 1e-3 ? `${(s * 1e3).toFixed(2)} ms` : `${(s * 1e6).toFixed(2)} µs`;
console.log(
  `batch ${ROWS} rows, 1 thread: ${fmt(ours1)} (${Math.round(ROWS / ours1)} rows/s); recorded native num_threads=1: ${fmt(native1)}`,
);
console.log(
  `  => ${(native1 / ours1).toFixed(2)}x native single-thread throughput (against recorded native timings; target >= 1.5x); by CPU time ${fmt(ours1Cpu)} => ${(native1 / ours1Cpu).toFixed(2)}x`,
);
console.log(
  `single row: median ${fmt(oursRow)} per call (CPU time ${fmt(oursRowCpu)} per call); recorded Python booster.predict one row: ${fmt(nativeRow)}`,
);
console.log(
  `  => ${(nativeRow / oursRow).toFixed(1)}x lower latency (against recorded native timings; target >= 10x)`,
);
const span = (k) => {
  const v = flavorRounds.map((a) => a[k]);
  return `${Math.min(...v).toFixed(2)}-${Math.max(...v).toFixed(2)} µs`;
};
const over = (k) => {
  const v = flavorRounds.map((a) => a[k] - a["Booster.predict(DataFrame)"]);
  return `${Math.min(...v).toFixed(2)}-${Math.max(...v).toFixed(2)} µs`;
};
console.log(
  `one-row DataFrame, median per call, range over ${flavorRounds.length} rounds: Booster.predict ${span("Booster.predict(DataFrame)")}; loadModel(dir).predictEager ${span("PyFuncModel.predictEager")} (+${over("PyFuncModel.predictEager")}); awaited predict ${span("PyFuncModel.predict (awaited)")} (+${over("PyFuncModel.predict (awaited)")})`,
);
console.log(
  `workers: 2 threads ${fmt(ours2)} vs 1 thread ${fmt(median(single))} (same run, matrix prebuilt) => ${(median(single) / ours2).toFixed(2)}x (target >= 1.7x)`,
);
console.log(
  `  CPU time: 1 thread ${fmt(median(singleCpu))}, 2 workers ${fmt(median(workerCpu))} in all (${((100 * median(workerCpu)) / median(singleCpu)).toFixed(0)}% of one thread's)`,
);
if (busiest.length > 0) {
  console.log(
    `  busiest worker thread ${fmt(median(busiest))} CPU, workers waited ${fmt(median(waits))} in the run queue => with a core per worker ${(median(singleCpu) / median(busiest)).toFixed(2)}x one thread's CPU time`,
  );
}
console.log(
  `  recorded native num_threads=2: ${fmt(native2)} => ours with 2 workers is ${(native2 / ours2).toFixed(2)}x native 2-thread throughput (against recorded native timings)`,
);
