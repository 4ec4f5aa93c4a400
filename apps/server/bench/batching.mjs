// Adaptive batching on vs off in one run, for models whose per-call cost dominates a one-row request:
//   onnx: the ONNX MLP fixture (packages/onnx/fixtures/mlp-dynamic-batch, 10 -> 16 -> 3, dynamic batch axis)
//   tfjs: the TensorFlow.js dense classifier fixture (packages/tfjs/fixtures/dense-classifier, 8 -> 16 -> 3, cpu)
// served in the HTTP thread (workers: 0), one-row `inputs` requests from Debian's wrk (-t1 -c64), off and on
// back to back in each round. Per case: req/s, wrk's p50/p99, the server's CPU time per request (this process:
// wrk is another), and with batching on the mean batch size, the share of batches released by each trigger,
// the batcher's own queue-delay p99 (from /metrics) and the time of one predict call of the mean batch size and
// of a full batch (measured here after the run), so the p99 can be checked against "delay + one batch's predict".
// Usage: node bench/batching.mjs   (env BENCH_SECONDS=10, BENCH_DELAY_MS=2, BENCH_BATCH=64, BENCH_ROUNDS=3,
//   BENCH_CONNECTIONS=64, BENCH_MODELS=onnx,tfjs, BENCH_MODES=off,on, WRK=/usr/bin/wrk)
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PACKAGES = path.join(HERE, "../../../packages");
const WRK = process.env.WRK ?? "/usr/bin/wrk";
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const DELAY = Number(process.env.BENCH_DELAY_MS ?? 2);
const BATCH = Number(process.env.BENCH_BATCH ?? 64);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const MODEL_KEYS = (process.env.BENCH_MODELS ?? "onnx,tfjs").split(",");
const MODES = (process.env.BENCH_MODES ?? "off,on").split(",");
const TMP = mkdtempSync(path.join(os.tmpdir(), "pyfunc-batch-bench-"));
process.on("exit", () => rmSync(TMP, { recursive: true, force: true }));

const { loadModel } = await import("@pyfunc/core");
const { createServer } = await import("../dist/index.js");

/** Each bench model: saved to TMP with its flavor's saveModel, and a one-row request body. */
const MODELS = {
  onnx: {
    flavor: "@pyfunc/onnx",
    async save(dir) {
      const { saveModel } = await import("@pyfunc/onnx");
      await saveModel(dir, {
        onnxModel: path.join(PACKAGES, "onnx/fixtures/mlp-dynamic-batch/model.onnx"),
      });
    },
    row: [0.1, -0.2, 0.3, 0.4, -0.5, 0.6, 0.7, -0.8, 0.9, 1.0],
  },
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

function wrk(url, bodyFile) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      WRK,
      [
        "-t1",
        `-c${CONNECTIONS}`,
        `-d${SECONDS}s`,
        "--timeout",
        "30s",
        "-s",
        path.join(HERE, "post.lua"),
        `${url}/invocations`,
      ],
      { env: { ...process.env, BENCH_BODY_FILE: bodyFile } },
    );
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.on("error", reject);
    child.on("exit", () => {
      const line = out
        .split("\n")
        .find((l) => l.startsWith("BENCH "))
        ?.slice(6);
      resolve(line ? JSON.parse(line) : { raw: out });
    });
  });
}

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

async function run(spec, modelDir, bodyFile, batching) {
  const server = await createServer({
    modelUri: modelDir,
    imports: [spec.flavor],
    workers: 0,
    ...(batching ? { maxBatchSize: BATCH, maxBatchDelayMs: DELAY } : {}),
  });
  const url = await server.listen({ host: "127.0.0.1", port: 0 });
  // warm-up (JIT, first predictions), not measured
  await Promise.all(
    Array.from({ length: 64 }, () =>
      fetch(`${url}/invocations`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: readFileSync(bodyFile),
      }).then((r) => r.arrayBuffer()),
    ),
  );
  const before = batching ? batchMetrics(await (await fetch(`${url}/metrics`)).text()) : {};
  const cpu0 = process.cpuUsage();
  const r = await wrk(url, bodyFile);
  const cpu = process.cpuUsage(cpu0);
  const after = batching ? batchMetrics(await (await fetch(`${url}/metrics`)).text()) : {};
  await server.close();
  const delta = Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]));
  return { ...r, cpuUsPerReq: (cpu.user + cpu.system) / Math.max(1, r.requests ?? 1), batch: delta };
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
  const rows = { off: [], on: [] };
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
  for (const mode of MODES) {
    const r = s.rows[mode];
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
}
console.log(`load average ${loadavg()}`);
