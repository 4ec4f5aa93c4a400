// Benchmark: @pyfunc/xgboost vs Debian's python3-xgboost (nthread=1) on the same model and data.
// Usage: pnpm -F @pyfunc/xgboost bench   (needs /usr/bin/python3 with xgboost; builds on dist/)
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Booster } from "../dist/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const PY = process.env.PYFUNC_BENCH_PYTHON ?? "/usr/bin/python3";
const ROWS = Number(process.env.PYFUNC_BENCH_ROWS ?? 100_000);
const work = join(tmpdir(), "pyfunc-xgboost-bench");
mkdirSync(work, { recursive: true });

// 1. the model: the shared large-500x8 fixture when present, else one trained here
const shared = resolve(here, "../../../../shared/fixtures/xgboost/large-500x8-ubj/model.ubj");
let modelPath = shared;
if (!existsSync(shared)) {
  modelPath = join(work, "large-500x8.ubj");
  if (!existsSync(modelPath)) {
    console.log("training a 500-tree depth-8 model with python3-xgboost ...");
    execFileSync(PY, [join(here, "make_large_model.py"), modelPath], { stdio: "inherit" });
  }
}
const booster = Booster.fromBytes(new Uint8Array(readFileSync(modelPath)));
const COLS = booster.numFeature;

// 2. the data: deterministic float32 rows with ~2% missing values
const X = new Float32Array(ROWS * COLS);
let s = 12345;
for (let i = 0; i < X.length; i++) {
  s = (Math.imul(s, 1103515245) + 12345) >>> 0;
  X[i] = s % 50 === 0 ? Number.NaN : ((s >>> 8) / 2 ** 24) * 6 - 3;
}
const dataPath = join(work, "X.f32");
writeFileSync(dataPath, Buffer.from(X.buffer));

// 3. python baseline (same process run, same files)
const predsPath = join(work, "py-preds.f32");
const py = JSON.parse(
  execFileSync(
    PY,
    [join(here, "python_bench.py"), modelPath, dataPath, String(ROWS), String(COLS), predsPath],
    {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    },
  )
    .trim()
    .split("\n")
    .pop(),
);

// 4. ours: wall-clock and process CPU time (CPU time excludes time the process waited for a core)
const matrix = { data: X, shape: [ROWS, COLS] };
const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
async function bestOf(n, fn) {
  let wall = Number.POSITIVE_INFINITY;
  let cpu = Number.POSITIVE_INFINITY;
  let out;
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    const c = cpuNow();
    out = await fn();
    wall = Math.min(wall, Number(process.hrtime.bigint() - t) / 1e9);
    cpu = Math.min(cpu, cpuNow() - c);
  }
  return [wall, cpu, out];
}
booster.predict({ data: X.subarray(0, 1000 * COLS), shape: [1000, COLS] }); // warm up
const [tBatch, cBatch, ours] = await bestOf(3, () => booster.predict(matrix));
const [tWorkers, cWorkers, oursW] = await bestOf(3, () => booster.predictAsync(matrix, { workers: 2 }));
const single = [];
for (let i = 0; i < 2000; i++) single.push({ data: X.subarray(i * COLS, (i + 1) * COLS), shape: [1, COLS] });
for (let k = 0; k < 3; k++) for (const r of single) booster.predict(r);
const [tSingle, cSingle] = await bestOf(5, () => {
  for (const r of single) booster.predict(r);
});
const singleUs = [(tSingle / single.length) * 1e6, (cSingle / single.length) * 1e6];
await booster.close();

// 5. parity on the whole batch
const pyPreds = new Float32Array(readFileSync(predsPath).buffer.slice(0));
let maxAbs = 0;
let identical = 0;
for (let i = 0; i < ROWS; i++) {
  const d = Math.abs(pyPreds[i] - ours.data[i]);
  if (d === 0) identical++;
  maxAbs = Math.max(maxAbs, d);
}
let workersSame = true;
for (let i = 0; i < ROWS; i++) if (!Object.is(oursW.data[i], ours.data[i])) workersSame = false;

const fmt = (x) => Math.round(x).toLocaleString("en-US");
const line = (name, [w, c]) =>
  `  ${name.padEnd(46)} ${(w * 1000).toFixed(0).padStart(6)} ms ${fmt(ROWS / w).padStart(8)} rows/s | cpu ${(c * 1000).toFixed(0).padStart(6)} ms ${((c / ROWS) * 1e6).toFixed(2).padStart(6)} µs/row`;
const load = (await import("node:os")).loadavg()[0].toFixed(1);
console.log(`\nmodel: ${modelPath}`);
console.log(
  `  ${booster.numTrees} trees, ${COLS} features, ${booster.objective}; xgboost ${py.xgboost_version}; node ${process.version}; load average ${load}`,
);
console.log(`\nbatch of ${fmt(ROWS)} rows (best of 3; wall clock | process CPU time)`);
console.log(line("python inplace_predict (nthread=1)", py.inplace_batch));
console.log(line("python DMatrix + predict (nthread=1)", py.dmatrix_batch));
console.log(line("@pyfunc/xgboost predict (main thread)", [tBatch, cBatch]));
console.log(line("@pyfunc/xgboost predictAsync { workers: 2 }", [tWorkers, cWorkers]));
console.log("\nsingle-row call (mean µs; wall | cpu)");
const sl = (name, [w, c]) => `  ${name.padEnd(46)} ${w.toFixed(1).padStart(8)} | ${c.toFixed(1).padStart(8)}`;
console.log(sl("python inplace_predict", py.inplace_single_us));
console.log(sl("python predict(DMatrix(row))", py.dmatrix_single_us));
console.log(sl("@pyfunc/xgboost predict", singleUs));
const r = (a, b) => `${(a / b).toFixed(2)}x`;
console.log("\nratios, wall | cpu (higher is better for @pyfunc/xgboost)");
console.log(
  `  batch throughput vs inplace_predict nthread=1      ${r(py.inplace_batch[0], tBatch)} | ${r(py.inplace_batch[1], cBatch)}`,
);
console.log(
  `  batch throughput vs DMatrix predict nthread=1      ${r(py.dmatrix_batch[0], tBatch)} | ${r(py.dmatrix_batch[1], cBatch)}`,
);
console.log(
  `  workers:2 throughput vs inplace_predict nthread=1  ${r(py.inplace_batch[0], tWorkers)} (wall only)`,
);
console.log(
  `  single-row latency vs inplace_predict              ${r(py.inplace_single_us[0], singleUs[0])} | ${r(py.inplace_single_us[1], singleUs[1])} lower`,
);
console.log(
  `  single-row latency vs predict(DMatrix)             ${r(py.dmatrix_single_us[0], singleUs[0])} | ${r(py.dmatrix_single_us[1], singleUs[1])} lower`,
);
console.log(
  `\nparity on ${fmt(ROWS)} rows: ${fmt(identical)} bit-identical, max |diff| ${maxAbs}; workers output identical: ${workersSame}`,
);
