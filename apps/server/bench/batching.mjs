// Adaptive batching on vs off in one run, for models whose per-call cost dominates a one-row request:
//   onnx: the ONNX MLP fixture (packages/onnx/fixtures/mlp-classifier, 10 -> 32 -> 16 -> 3: the sizes and six ops of
//         ../shared/fixtures/onnx/mlp-classifier-dynamic-batch, dynamic batch axis)
//   onnx-small: the smaller ONNX MLP (packages/onnx/fixtures/mlp-dynamic-batch, 10 -> 16 -> 3, four ops), whose
//         one-row call costs less than the request's HTTP handling: what batching gains when the model is cheap
//   tfjs: the TensorFlow.js dense classifier fixture (packages/tfjs/fixtures/dense-classifier, 8 -> 16 -> 3, cpu)
// served in the HTTP thread (workers: 0) by batching-server.mjs, one process per case (each mode gets its own
// JIT state, as a deployed server does), one-row `inputs` requests from Debian's wrk (-t1 -c64), off and on back
// to back in each round. Per case: req/s, wrk's p50/p99, the server process's CPU time per request, and with batching on the mean batch size, the share of batches released by each trigger,
// the batcher's own queue-delay p99 (from /metrics) and the time of one predict call of the mean batch size and
// of a full batch (measured here after the run), so the p99 can be checked against "delay + one batch's predict".
// Usage: node bench/batching.mjs   (env BENCH_SECONDS=10, BENCH_WARMUP_SECONDS=2, BENCH_DELAY_MS=2, BENCH_BATCH=64, BENCH_ROUNDS=3,
//   BENCH_CONNECTIONS=64, BENCH_MODELS=onnx,onnx-small,tfjs, BENCH_MODES=off,on, WRK=/usr/bin/wrk)
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PACKAGES = path.join(HERE, "../../../packages");
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const DELAY = Number(process.env.BENCH_DELAY_MS ?? 2);
const BATCH = Number(process.env.BENCH_BATCH ?? 64);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const MODEL_KEYS = (process.env.BENCH_MODELS ?? "onnx,onnx-small,tfjs").split(",");
const MODES = (process.env.BENCH_MODES ?? "off,on").split(",");
// the floor (batching-raw.mjs), off and on, after the server in each round: for these models by default
const RAW = (process.env.BENCH_RAW ?? "onnx,onnx-small").split(",");
const TMP = mkdtempSync(path.join(os.tmpdir(), "pyfunc-batch-bench-"));
process.on("exit", () => rmSync(TMP, { recursive: true, force: true }));

const { loadModel } = await import("@pyfunc/core");
const { startProcess, wrk } = await import("./processes.mjs");

/** An ONNX MLP fixture of packages/onnx (10 float features in, 3 probabilities out). */
function onnxMlp(fixture) {
  return {
    flavor: "@pyfunc/onnx",
    async save(dir) {
      const { saveModel } = await import("@pyfunc/onnx");
      await saveModel(dir, { onnxModel: path.join(PACKAGES, `onnx/fixtures/${fixture}/model.onnx`) });
    },
    row: [0.1, -0.2, 0.3, 0.4, -0.5, 0.6, 0.7, -0.8, 0.9, 1.0],
  };
}

/** Each bench model: saved to TMP with its flavor's saveModel, and a one-row request body. */
const MODELS = {
  onnx: onnxMlp("mlp-classifier"),
  "onnx-small": onnxMlp("mlp-dynamic-batch"),
  tfjs: {
    flavor: "@pyfunc/tfjs",
    async save(dir) {
      const { saveModel } = await import("@pyfunc/tfjs");
      await saveModel(dir, {
        tfjsModel: path.join(PACKAGES, "tfjs/fixtures/dense-classifier/model.json"),
        backend: "cpu",
      });
    },
    row: [0.1, -0.2, 0.3, 0.4, -0.5, 0.6, 0.7, -0.8],
  },
};

/** Prometheus text → { name{labels}: value } for the batching families. */
function batchMetrics(text) {
  const out = {};
  for (const line of text.split("\n")) {
    if (!line.startsWith("pyfunc_batch_")) continue;
    const i = line.lastIndexOf(" ");
    out[line.slice(0, i)] = Number(line.slice(i + 1));
  }
  return out;
}

/** The upper bound of the histogram bucket holding quantile q (Prometheus' histogram_quantile, roughly). */
function bucketQuantile(metrics, family, q) {
  const buckets = Object.entries(metrics)
    .filter(([k]) => k.startsWith(`${family}_bucket{`))
    .map(([k, v]) => [k.match(/le="([^"]+)"/)[1], v])
    .map(([le, v]) => [le === "+Inf" ? Number.POSITIVE_INFINITY : Number(le), v])
    .sort((a, b) => a[0] - b[0]);
  const total = buckets.at(-1)?.[1] ?? 0;
  return buckets.find(([, v]) => v >= q * total)?.[0];
}

/** Wall time of one predict call of `rows` rows, in ms (median of 200 after warm-up). */
async function predictMs(model, width, rows) {
  const input = { dtype: "float32", shape: [rows, width], data: new Float32Array(rows * width).fill(0.25) };
  for (let i = 0; i < 200; i++) await model.predict(input);
  const times = [];
  for (let i = 0; i < 200; i++) {
    const t0 = performance.now();
    await model.predict(input);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[100];
}

async function run(spec, modelDir, bodyFile, batching, script = "batching-server.mjs") {
  const server = await startProcess(script, [modelDir, spec.flavor, batching ? "on" : "off"], {
    BENCH_BATCH: String(BATCH),
    BENCH_DELAY_MS: String(DELAY),
  });
  const { url } = server;
  const probe = await fetch(`${url}/invocations`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: readFileSync(bodyFile),
  });
  if (probe.status !== 200) throw new Error(`${url} answered ${probe.status}: ${await probe.text()}`);
  // warm-up, not measured: WARMUP seconds of the same load, so V8 has optimized the hot paths
  if (WARMUP > 0) await wrk(`${url}/invocations`, bodyFile, CONNECTIONS, WARMUP);
  const metered = batching && script === "batching-server.mjs";
  const before = metered ? batchMetrics(await (await fetch(`${url}/metrics`)).text()) : {};
  server.startMeter();
  const r = await wrk(`${url}/invocations`, bodyFile, CONNECTIONS, SECONDS);
  const after = metered ? batchMetrics(await (await fetch(`${url}/metrics`)).text()) : {};
  const cpu = await server.stop();
  const delta = Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]));
  return { ...r, cpuUsPerReq: cpu.cpuUs / Math.max(1, r.requests), batch: delta };
}

const loadavg = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(" ");
console.log(
  `load average ${loadavg()}; ${CONNECTIONS} connections, ${SECONDS} s per case, batching on = size ${BATCH}, delay ${DELAY} ms`,
);
const summary = {};
for (const key of MODEL_KEYS) {
  const spec = MODELS[key];
  const modelDir = path.join(TMP, key);
  await spec.save(modelDir);
  const bodyFile = path.join(TMP, `${key}.json`);
  writeFileSync(bodyFile, JSON.stringify({ inputs: [spec.row] }));
  const rows = { off: [], on: [], "raw off": [], "raw on": [] };
  const meanBatches = [];
  for (let round = 0; round < ROUNDS; round++) {
    const rates = {};
    for (const mode of MODES) {
      const r = await run(spec, modelDir, bodyFile, mode === "on");
      const rps = r.requests / (r.duration_us / 1e6);
      rates[mode] = rps;
      rows[mode].push({ rps, p50: r.p50_us / 1000, p99: r.p99_us / 1000, cpu: r.cpuUsPerReq });
      let extra = "";
      if (mode === "on") {
        const b = r.batch;
        const calls = b.pyfunc_batch_requests_count ?? 0;
        const mean = calls > 0 ? b.pyfunc_batch_requests_sum / calls : 0;
        meanBatches.push(mean);
        const triggers = ["size", "delay", "idle", "close"]
          .map((t) => [t, b[`pyfunc_batch_released_total{trigger="${t}"}`] ?? 0])
          .filter(([, n]) => n > 0)
          .map(([t, n]) => `${t} ${((100 * n) / Math.max(1, calls)).toFixed(0)}%`)
          .join(", ");
        const q99 = bucketQuantile(b, "pyfunc_batch_queue_delay_seconds", 0.99);
        extra = `, ${calls} calls, mean batch ${mean.toFixed(1)} requests (${triggers}), queue delay p99 ≤ ${q99 === undefined ? "?" : (q99 * 1000).toFixed(1)} ms`;
      }
      console.log(
        `${key} round ${round} batching ${mode}: ${rps.toFixed(0)} req/s, p50 ${(r.p50_us / 1000).toFixed(2)} ms, p99 ${(r.p99_us / 1000).toFixed(2)} ms, errors ${r.errors ?? 0}, non2xx ${r.non2xx ?? 0}, cpu ${r.cpuUsPerReq.toFixed(0)} µs/req${extra}`,
      );
    }
    if (rates.on !== undefined && rates.off !== undefined)
      console.log(`${key} round ${round}: on/off ${(rates.on / rates.off).toFixed(2)}x`);
    if (!RAW.includes(key)) continue;
    for (const mode of ["off", "on"]) {
      const r = await run(spec, modelDir, bodyFile, mode === "on", "batching-raw.mjs");
      const rps = r.requests / (r.duration_us / 1e6);
      rows[`raw ${mode}`].push({ rps, p50: r.p50_us / 1000, p99: r.p99_us / 1000, cpu: r.cpuUsPerReq });
      console.log(
        `${key} round ${round} floor (bare fastify route) batching ${mode}: ${rps.toFixed(0)} req/s, p99 ${(r.p99_us / 1000).toFixed(2)} ms, errors ${r.errors ?? 0}, non2xx ${r.non2xx ?? 0}, cpu ${r.cpuUsPerReq.toFixed(0)} µs/req`,
      );
    }
  }
  const model = await loadModel(modelDir);
  const width = spec.row.length;
  const one = await predictMs(model, width, 1);
  const meanRows = Math.max(
    1,
    Math.round(meanBatches.reduce((a, b) => a + b, 0) / Math.max(1, meanBatches.length)),
  );
  const mean = await predictMs(model, width, meanRows);
  const full = await predictMs(model, width, BATCH);
  await model.close();
  console.log(
    `${key}: one predict call: 1 row ${one.toFixed(3)} ms, ${meanRows} rows ${mean.toFixed(3)} ms, ${BATCH} rows ${full.toFixed(3)} ms`,
  );
  summary[key] = { rows, predictMs: { one, mean, full, meanRows } };
}
const range = (xs, f = (x) => x.toFixed(0)) =>
  xs.length === 0 ? "-" : `${f(Math.min(...xs))}–${f(Math.max(...xs))}`;
for (const [key, s] of Object.entries(summary)) {
  for (const mode of [...MODES, "raw off", "raw on"]) {
    const r = s.rows[mode];
    if (r.length === 0) continue;
    console.log(
      `${key} ${mode}: ${range(r.map((x) => x.rps))} req/s, p50 ${range(
        r.map((x) => x.p50),
        (x) => x.toFixed(2),
      )} ms, p99 ${range(
        r.map((x) => x.p99),
        (x) => x.toFixed(2),
      )} ms, cpu ${range(r.map((x) => x.cpu))} µs/req`,
    );
  }
  if (s.rows.on.length > 0 && s.rows.off.length > 0) {
    const ratios = s.rows.on.map((x, i) => x.rps / s.rows.off[i].rps);
    const cpuRatios = s.rows.on.map((x, i) => s.rows.off[i].cpu / x.cpu);
    console.log(
      `${key}: on/off req/s ${range(ratios, (x) => `${x.toFixed(2)}x`)}, CPU per request off/on ${range(cpuRatios, (x) => `${x.toFixed(2)}x`)}`,
    );
  }
  const raw = s.rows["raw on"];
  if (raw.length > 0 && s.rows["raw off"].length === raw.length) {
    const ratios = raw.map((x, i) => x.rps / s.rows["raw off"][i].rps);
    console.log(
      `${key}: floor (bare fastify route) on/off req/s ${range(ratios, (x) => `${x.toFixed(2)}x`)}`,
    );
  }
}
console.log(`load average ${loadavg()}`);
