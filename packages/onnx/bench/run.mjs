// Wrapper overhead of @pyfunc/onnx against a raw onnxruntime-node `session.run` on the same model,
// the same inputs and the same process. Run after `pnpm -F @pyfunc/onnx build`:  pnpm -F @pyfunc/onnx bench
// Both sides run on the same session and are timed in back-to-back pairs (alternating which goes first), so
// drift (GC, other load on the machine) hits both equally; overhead is the median per-pair difference.
import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { DataFrame } from "@pyfunc/core";
import ort from "onnxruntime-node";

// BENCH_DIST=<dir> runs the bench against another build of this package (e.g. a kept copy of the previous
// dist, to compare old and new in one sitting).
const DIST = process.env.BENCH_DIST
  ? pathToFileURL(resolve(process.env.BENCH_DIST, "index.js")).href
  : new URL("../dist/index.js", import.meta.url).href;
const { loadOnnxModel } = await import(DIST);

const MODEL = fileURLToPath(new URL("../fixtures/mlp-dynamic-batch/model.onnx", import.meta.url));
const FEATURES = 10;
const PAIRS = Number(process.env.BENCH_PAIRS ?? 20000);

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function bench(batch, calls, mode = "tensor") {
  // Both sides use the wrapper's own session (created as loadModel creates it), with one intra-op thread
  // so timings do not depend on how busy the other cores are.
  const wrapper = await loadOnnxModel(MODEL, {
    providers: ["CPUExecutionProvider"],
    onnxSessionOptions: { intra_op_num_threads: 1, inter_op_num_threads: 1 },
    warn: () => {},
  });
  const raw = wrapper.session;
  const data = new Float32Array(batch * FEATURES);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i) * 2;
  const tensor = { dtype: "float32", shape: [batch, FEATURES], data };
  // "dataframe": float32 columns; "dataframe64": float64 columns (what a JSON body gives), cast to float32
  const Column = mode === "dataframe64" ? Float64Array : Float32Array;
  const columns = {};
  for (let j = 0; j < FEATURES; j++)
    columns[`f${j}`] = Column.from({ length: batch }, (_, i) => data[i * FEATURES + j]);
  const frame = DataFrame.fromColumns(columns);
  const rawRun = () => raw.run({ features: new ort.Tensor("float32", data, [batch, FEATURES]) });
  const wrapped = mode === "tensor" ? () => wrapper.predict(tensor) : () => wrapper.predict(frame);
  // same numbers from both paths
  const a = (await rawRun()).probabilities.data;
  const out = await wrapped();
  const b = mode === "tensor" ? out.probabilities.data : out.column("probabilities").values;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) throw new Error("wrapper and raw outputs differ");
  // warm-up
  for (let i = 0; i < Math.min(calls, 200); i++) {
    await rawRun();
    await wrapped();
  }
  // Paired timing: each pair times one raw call and one wrapper call back to back (alternating which goes
  // first), so both see the same machine state; the overhead is the median of the per-pair differences.
  const rawT = new Float64Array(calls);
  const wrapT = new Float64Array(calls);
  for (let i = 0; i < calls; i++) {
    const rawFirst = i % 2 === 0;
    const t0 = process.hrtime.bigint();
    await (rawFirst ? rawRun() : wrapped());
    const t1 = process.hrtime.bigint();
    await (rawFirst ? wrapped() : rawRun());
    const t2 = process.hrtime.bigint();
    const first = Number(t1 - t0) / 1e3;
    const second = Number(t2 - t1) / 1e3;
    rawT[i] = rawFirst ? first : second;
    wrapT[i] = rawFirst ? second : first;
  }
  // CPU time per call (this process, user + system), less disturbed by other load than wall time
  const cpuPerCall = async (fn) => {
    const n = Math.max(50, Math.floor(calls / 4));
    const c0 = process.cpuUsage();
    for (let i = 0; i < n; i++) await fn();
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / n;
  };
  const rawCpuUs = await cpuPerCall(rawRun);
  const wrapCpuUs = await cpuPerCall(wrapped);
  await wrapper.close();
  const rawUs = median(rawT);
  const wrapUs = median(wrapT);
  const overheadUs = median(wrapT.map((x, i) => x - rawT[i]));
  return {
    mode,
    batch,
    calls,
    rawUs,
    wrapUs,
    overheadUs,
    ratio: (rawUs + overheadUs) / rawUs,
    rawCpuUs,
    wrapCpuUs,
  };
}

const results = [await bench(1, PAIRS), await bench(1000, PAIRS / 4)];
const frames = [
  await bench(1, PAIRS / 4, "dataframe"),
  await bench(1000, PAIRS / 10, "dataframe"),
  await bench(1, PAIRS / 4, "dataframe64"),
  await bench(1000, PAIRS / 10, "dataframe64"),
];
console.log(
  `@pyfunc/onnx bench: ${MODEL.split("/fixtures/")[1]} (MLP 10->16->3), onnxruntime-node cpu (1 intra-op thread), node ${process.version}`,
);
console.log(
  "(µs/call are medians; overhead = median of per-pair differences; wrapper/raw = (raw + overhead) / raw)",
);
console.log(
  "input       | batch | raw session.run µs/call | wrapper predict µs/call | overhead µs/call | wrapper/raw | cpu µs/call raw | cpu µs/call wrapper",
);
for (const r of [...results, ...frames]) {
  console.log(
    `${r.mode.padEnd(11)} | ${String(r.batch).padStart(5)} | ${r.rawUs.toFixed(2).padStart(23)} | ${r.wrapUs.toFixed(2).padStart(23)} | ${r.overheadUs.toFixed(2).padStart(16)} | ${r.ratio.toFixed(3).padStart(11)} | ${r.rawCpuUs.toFixed(2).padStart(15)} | ${r.wrapCpuUs.toFixed(2).padStart(19)}`,
  );
}
const [b1, b1000] = results;
console.log(
  `targets: batch 1 overhead ${b1.overheadUs.toFixed(2)} µs (<= 20 µs: ${b1.overheadUs <= 20 ? "met" : "MISSED"}); ` +
    `batch 1000 overhead ${((b1000.ratio - 1) * 100).toFixed(2)}% (<= 5%: ${b1000.ratio <= 1.05 ? "met" : "MISSED"})`,
);
console.log(
  "(dataframe rows are informational: MLflow's df.values builds one row-major array from the columns, a copy the raw call does not make)",
);
