// Predictions per second for the dense classifier fixture at batch 1 and 1,000, on the cpu and wasm
// backends: @pyfunc/tfjs (the flavor's predict, and core's PyFuncModel.predict with signature enforcement)
// against calling the same tfjs model directly in the same process. Run after `pnpm -F @pyfunc/tfjs build`.
//   node bench/run.mjs [--seconds 0.25] [--rounds 15]
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { DataFrame, FlavorRegistry, loadModel } from "@pyfunc/core";
import * as tf from "@tensorflow/tfjs";

// BENCH_DIST=<dir> runs the bench against another build of this package (e.g. a kept copy of the previous
// dist, to compare old and new in one sitting).
const DIST = process.env.BENCH_DIST
  ? pathToFileURL(path.resolve(process.env.BENCH_DIST, "index.js")).href
  : new URL("../dist/index.js", import.meta.url).href;
const { loadTfjsModel, saveModel, tfjsFlavor } = await import(DIST);

const here = path.dirname(fileURLToPath(import.meta.url));
const fixture = path.join(here, "..", "fixtures", "dense-classifier");
const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const SECONDS = arg("seconds", 0.25);
const ROUNDS = arg("rounds", 15);

function input(rows) {
  const data = new Float32Array(rows * 8);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 12.9898) * 2;
  return data;
}

/**
 * Calls per second of fn over ~SECONDS, in this process's CPU time (user + system): the tfjs cpu and wasm
 * backends run on the main thread, and CPU time is far less disturbed by other busy processes than wall time.
 */
async function rate(fn) {
  const wallStart = performance.now();
  const cpuStart = process.cpuUsage();
  let calls = 0;
  do {
    for (let i = 0; i < 8; i++) await fn();
    calls += 8;
  } while (performance.now() - wallStart < SECONDS * 1000);
  const cpu = process.cpuUsage(cpuStart);
  return (calls * 1e6) / (cpu.user + cpu.system);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Median rate of each variant and the median of per-round ratios against `baseline`: in each round every
 * variant runs once, in a shuffled order, so load from other processes affects all of them alike.
 */
async function compare(variants, baseline) {
  for (const v of Object.values(variants)) for (let i = 0; i < 30; i++) await v(); // warm-up
  const names = Object.keys(variants);
  const rates = Object.fromEntries(names.map((k) => [k, []]));
  const ratios = Object.fromEntries(names.map((k) => [k, []]));
  for (let r = 0; r < ROUNDS; r++) {
    const order = [...names].sort(() => Math.random() - 0.5);
    const round = {};
    for (const k of order) round[k] = await rate(variants[k]);
    for (const k of names) {
      rates[k].push(round[k]);
      ratios[k].push(round[k] / round[baseline]);
    }
  }
  return {
    rate: Object.fromEntries(names.map((k) => [k, median(rates[k])])),
    ratio: Object.fromEntries(names.map((k) => [k, median(ratios[k])])),
  };
}

const registry = new FlavorRegistry();
registry.register(tfjsFlavor);
const tmp = await mkdtemp(path.join(os.tmpdir(), "pyfunc-tfjs-bench-"));
const rows = [];
try {
  for (const backend of ["cpu", "wasm"]) {
    const flavor = await loadTfjsModel(fixture, { backend });
    const dir = path.join(tmp, backend);
    await saveModel(dir, { tfjsModel: fixture, backend, modelConfig: { backend } });
    const pyfunc = await loadModel(dir, { registry, discover: false, suppressWarnings: true });
    const direct = flavor.model; // the very tfjs LayersModel the flavor wraps
    for (const batch of [1, 1000]) {
      const x = input(batch);
      const tensor = { dtype: "float32", shape: [batch, 8], data: x };
      // the same rows as a DataFrame of float64 columns (what a JSON dataframe_split body gives)
      const columns = {};
      for (let j = 0; j < 8; j++)
        columns[`f${j}`] = Float64Array.from({ length: batch }, (_, i) => x[i * 8 + j]);
      const frame = DataFrame.fromColumns(columns);
      const { rate: res, ratio } = await compare(
        {
          // the leanest direct calls: create the input, predict, read the output, dispose both
          // (no tf.tidy around a returned typed array: tidy would walk its elements looking for tensors)
          direct_predict: async () => {
            const t = tf.tensor2d(x, [batch, 8]);
            const y = direct.predict(t);
            y.dataSync();
            t.dispose();
            y.dispose();
          },
          direct_predictOnBatch: async () => {
            const t = tf.tensor2d(x, [batch, 8]);
            const y = direct.predictOnBatch(t);
            y.dataSync();
            t.dispose();
            y.dispose();
          },
          flavor_predict: async () => {
            await flavor.predict(tensor);
          },
          pyfunc_predict: async () => {
            await pyfunc.predict(tensor);
          },
          flavor_predict_frame: async () => {
            await flavor.predict(frame);
          },
        },
        "direct_predictOnBatch",
      );
      rows.push({
        backend,
        batch,
        "direct predict() rows/s": Math.round(res.direct_predict * batch),
        "direct predictOnBatch() rows/s": Math.round(res.direct_predictOnBatch * batch),
        "flavor rows/s": Math.round(res.flavor_predict * batch),
        "PyFuncModel rows/s": Math.round(res.pyfunc_predict * batch),
        "flavor DataFrame rows/s": Math.round(res.flavor_predict_frame * batch),
        "flavor / direct": +ratio.flavor_predict.toFixed(3),
        "PyFuncModel / direct": +ratio.pyfunc_predict.toFixed(3),
        "flavor DataFrame / direct": +ratio.flavor_predict_frame.toFixed(3),
      });
    }
    flavor.close();
    await pyfunc.close();
  }
} finally {
  await rm(tmp, { recursive: true, force: true });
}
console.table(rows);
console.log(
  "rates per CPU second; ratios: median over rounds of (rate / direct predictOnBatch() rate in the same round); 1.0 = no overhead.",
);
for (const r of rows.filter((row) => row.batch === 1000)) {
  const worst = Math.min(r["flavor / direct"], r["PyFuncModel / direct"]);
  console.log(`${r.backend} batch 1000: wrapper overhead ${((1 - worst) * 100).toFixed(1)}% (target <= 5%)`);
}
