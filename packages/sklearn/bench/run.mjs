// Benchmark: @pyfunc/sklearn vs Debian's python3-sklearn, measured in the same run.
//  - single-row latency of the titanic-like pipelines (ColumnTransformer + RandomForest / LogisticRegression)
//    through loadModel().predict(record) against pipeline.predict(df_one_row) in Python;
//  - a 100,000-row batch of a 100-tree RandomForest and a 100-iteration HistGradientBoosting, predict_proba,
//    one thread each (OMP_NUM_THREADS=1, n_jobs=1), then two (our worker threads vs n_jobs=2 / OMP 2).
// Usage: pnpm -F @pyfunc/sklearn bench   (builds on dist/; needs /usr/bin/python3 with sklearn)
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadModel } from "@pyfunc/core";
import { estimatorFromPickle } from "../dist/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const PY = process.env.PYFUNC_BENCH_PYTHON ?? "/usr/bin/python3";
const ROWS = Number(process.env.PYFUNC_BENCH_ROWS ?? 100_000);
const COLS = 10;
const fixtures = join(here, "../fixtures/models");
const work = join(tmpdir(), "pyfunc-sklearn-bench");
mkdirSync(work, { recursive: true });
const script = join(here, "python_bench.py");

if (!existsSync(join(work, "rf.pkl")) || !existsSync(join(work, "X.f64"))) {
  console.log("training the batch models with python3-sklearn ...");
  execFileSync(PY, [script, "make", work, String(ROWS)], { stdio: "inherit" });
}

function python(threads) {
  const out = execFileSync(PY, [script, "time", work, String(ROWS), fixtures, String(threads)], {
    encoding: "utf8",
    env: { ...process.env, OMP_NUM_THREADS: String(threads) },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return JSON.parse(out.trim().split("\n").pop());
}

const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

async function bestOf(fn, n = 3) {
  let wall = Infinity;
  let cpu = Infinity;
  let out;
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const c = cpuNow();
    out = await fn();
    wall = Math.min(wall, (performance.now() - t) / 1000);
    cpu = Math.min(cpu, cpuNow() - c);
  }
  return { wall, cpu, out };
}

const py1 = python(1);
const py2 = python(2);

// single row through the whole pyfunc path (signature enforcement included)
const single = {};
for (const c of ["titanic-random-forest", "titanic-logreg"]) {
  const model = await loadModel(join(fixtures, c, "model"));
  const inp = JSON.parse(readFileSync(join(fixtures, c, "input.json"), "utf8"));
  const rec = Object.fromEntries(inp.columns.map((k, j) => [k, inp.data[0][j] ?? Number.NaN]));
  // pandas would read whole-number floats as float64: keep the double columns double
  for (const [k, t] of Object.entries(inp.dtypes))
    if (t === "float64" && Number.isInteger(rec[k])) rec[k] += 1e-9;
  for (let i = 0; i < 500; i++) model.predictEager([rec]);
  const n = 5000;
  const t = performance.now();
  for (let i = 0; i < n; i++) model.predictEager([rec]);
  single[c] = ((performance.now() - t) / n) * 1000; // µs
}

// batch
const X = new Float64Array(readFileSync(join(work, "X.f64")).buffer.slice(0));
const x = { kind: "dense", rows: ROWS, cols: COLS, data: X };
const results = {};
for (const name of ["rf", "hgb"]) {
  const est = await estimatorFromPickle(new Uint8Array(readFileSync(join(work, `${name}.pkl`))));
  const pyPred = new Float64Array(readFileSync(join(work, `${name}-py.f64`)).buffer.slice(0));
  const one = await bestOf(() => est.predictProba(x));
  const two = await bestOf(() => est.callAsync(est.predictProba, x, 2));
  let worst = 0;
  for (let i = 0; i < pyPred.length; i++)
    worst = Math.max(worst, Math.abs(pyPred[i] - one.out.data[i]), Math.abs(pyPred[i] - two.out.data[i]));
  results[name] = { one, two, worst };
  await est.close();
}

const fmt = (v) => v.toFixed(3);
console.log(`\nsingle row (pyfunc predict of one record vs pipeline.predict(df.iloc[:1]))`);
for (const [c, us] of Object.entries(single)) {
  const pyMs = py1[`${c}_single_ms`];
  console.log(
    `  ${c.padEnd(24)} ours ${us.toFixed(1)} µs   sklearn ${pyMs.toFixed(3)} ms   ${((pyMs * 1000) / us).toFixed(0)}x lower`,
  );
}
console.log(`\nbatch ${ROWS} rows x ${COLS}, predict_proba (wall s / cpu s)`);
for (const [name, r] of Object.entries(results)) {
  const p1 = py1[`${name}_batch`];
  const p2 = py2[`${name}_batch`];
  console.log(
    `  ${name.padEnd(4)} 1 thread: ours ${fmt(r.one.wall)}/${fmt(r.one.cpu)}  sklearn ${fmt(p1[0])}/${fmt(p1[1])}  ratio ${(p1[0] / r.one.wall).toFixed(2)}x (cpu ${(p1[1] / r.one.cpu).toFixed(2)}x)`,
  );
  console.log(
    `       2 threads: ours ${fmt(r.two.wall)}  sklearn ${fmt(p2[0])}  ratio ${(p2[0] / r.two.wall).toFixed(2)}x; vs sklearn 1 thread ${(p1[0] / r.two.wall).toFixed(2)}x   max |diff| ${r.worst}`,
  );
}
