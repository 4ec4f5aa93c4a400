// Per-call overhead of PyFuncModel on one row: `loadModel(dir).predict(row)` against the kernel alone
// (`Booster.predict` on the same row) and the flavor's implementation without PyFuncModel, in one run.
// Usage: node bench/overhead.mjs   (builds on dist/; the 500-tree model as bench/run.mjs finds or trains it)
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadModel, ModelSignature, Schema, TensorSpec } from "@pyfunc/core";
import { Booster, saveModel } from "../dist/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const PY = process.env.PYFUNC_BENCH_PYTHON ?? "/usr/bin/python3";
const CALLS = Number(process.env.PYFUNC_BENCH_CALLS ?? 20_000);
const ROUNDS = Number(process.env.PYFUNC_BENCH_ROUNDS ?? 7);
const work = join(tmpdir(), "pyfunc-xgboost-bench");
mkdirSync(work, { recursive: true });

const shared = resolve(here, "../../../../shared/fixtures/xgboost/large-500x8-ubj/model.ubj");
let modelPath = shared;
if (!existsSync(shared)) {
  modelPath = join(work, "large-500x8.ubj");
  if (!existsSync(modelPath)) {
    console.log("training a 500-tree depth-8 model with python3-xgboost ...");
    execFileSync(PY, [join(here, "make_large_model.py"), modelPath], { stdio: "inherit" });
  }
}
async function benchModel(bytes, label) {
  const booster = Booster.fromBytes(bytes);
  const COLS = booster.numFeature;

  const dir = join(work, `overhead-model-${label}`);
  rmSync(dir, { recursive: true, force: true });
  await saveModel(dir, {
    model: bytes,
    signature: new ModelSignature(new Schema([new TensorSpec("float32", [-1, COLS])])),
  });
  const model = await loadModel(dir);

  const rows = [];
  let s = 12345;
  for (let i = 0; i < 1000; i++) {
    const data = new Float32Array(COLS);
    for (let j = 0; j < COLS; j++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      data[j] = ((s >>> 8) / 2 ** 24) * 6 - 3;
    }
    rows.push({ dtype: "float32", shape: [1, COLS], data });
  }

  const cpuNow = () => {
    const u = process.cpuUsage();
    return u.user + u.system;
  };
  // The three cases run in alternating blocks of BLOCK calls, so a burst of load on this shared machine falls on
  // all of them alike; each round sums its blocks. Reported: the range over rounds and the best round.
  const BLOCK = 500;
  let sink = 0;
  const cases = {
    "kernel: Booster.predict": { sync: (r) => booster.predict(r) },
    "PyFuncModel.predictEager": { sync: (r) => model.predictEager(r) },
    "PyFuncModel.predict (awaited)": { async: (r) => model.predict(r) },
  };
  async function block(c, offset) {
    if (c.sync) {
      for (let i = 0; i < BLOCK; i++) sink += c.sync(rows[(offset + i) % rows.length]).data[0];
    } else {
      for (let i = 0; i < BLOCK; i++) sink += (await c.async(rows[(offset + i) % rows.length])).data[0];
    }
  }
  async function round() {
    const acc = Object.fromEntries(Object.keys(cases).map((k) => [k, [0, 0]]));
    for (let b = 0; b < CALLS / BLOCK; b++) {
      for (const [k, c] of Object.entries(cases)) {
        const t = process.hrtime.bigint();
        const u = cpuNow();
        await block(c, b * BLOCK);
        acc[k][0] += Number(process.hrtime.bigint() - t) / 1e3;
        acc[k][1] += cpuNow() - u;
      }
    }
    return Object.fromEntries(Object.entries(acc).map(([k, [w, c]]) => [k, [w / CALLS, c / CALLS]]));
  }
  await round(); // warm up
  const results = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (let r = 0; r < ROUNDS; r++) {
    const res = await round();
    for (const k of Object.keys(cases)) results[k].push(res[k]);
  }
  if (Number.isNaN(sink)) throw new Error("NaN prediction");

  const range = (xs) => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`;
  const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(
    `\n${label}: ${booster.numTrees} trees, ${COLS} features, float32 tensor signature [-1, ${COLS}]; one row per call, ${CALLS} calls x ${ROUNDS} rounds (blocks of ${BLOCK}, interleaved); node ${process.version}; load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(" ")}`,
  );
  console.log(
    `${"µs per call".padEnd(34)} ${"wall: range".padStart(14)} ${"best".padStart(6)} | ${"cpu: range".padStart(14)} ${"best".padStart(6)}`,
  );
  for (const [k, v] of Object.entries(results)) {
    const w = v.map((x) => x[0]);
    const c = v.map((x) => x[1]);
    console.log(
      `  ${k.padEnd(32)} ${range(w).padStart(14)} ${Math.min(...w)
        .toFixed(2)
        .padStart(6)} | ${range(c).padStart(14)} ${Math.min(...c)
        .toFixed(2)
        .padStart(6)}`,
    );
  }
  const kernel = results["kernel: Booster.predict"];
  for (const k of ["PyFuncModel.predictEager", "PyFuncModel.predict (awaited)"]) {
    const dw = results[k].map((x, i) => x[0] - kernel[i][0]);
    const dc = results[k].map((x, i) => x[1] - kernel[i][1]);
    const best = Math.min(...results[k].map((x) => x[1])) - Math.min(...kernel.map((x) => x[1]));
    console.log(
      `overhead of ${k} over the kernel, µs per call: wall median ${med(dw).toFixed(2)} (rounds ${range(dw)}); cpu median ${med(dc).toFixed(2)} (rounds ${range(dc)}); best cpu − best kernel cpu ${best.toFixed(2)}`,
    );
  }
  await model.close();
}

await benchModel(new Uint8Array(readFileSync(modelPath)), "large-500x8");
// a one-tree-ish model: the kernel costs little, so what is left is the layers around it
await benchModel(
  new Uint8Array(readFileSync(join(here, "../fixtures/models/base-score-regression-ubj/model.ubj"))),
  "base-score-regression",
);
