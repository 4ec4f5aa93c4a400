// Benchmark: the scoring server vs a raw fastify route calling the flavor's model directly, with autocannon on
// loopback. 1-row and 1,000-row dataframe_split requests to the XGBoost and ONNX example models.
// Each server runs in its own process (as in production: its own JIT state and heap), started from
// profile-server.mjs / profile-raw.mjs; the load generator runs here. Contenders of one case run back to back,
// in the order raw, server, raw, server (BENCH_ROUNDS=2), and the ratio is taken of the summed rates.
// Reports req/s, rows/s, p50/p99 latency, the server process's CPU time per request and the server/raw ratios.
//   pnpm -F @pyfunc/server bench   (BENCH_SECONDS=5 BENCH_CONNECTIONS=16 BENCH_WORKERS=2 BENCH_ROUNDS=2
//                                   BENCH_MODELS=xgboost|onnx by default both, BENCH_ROWS=1,1000)
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { MODELS } from "./models.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const WORKERS = Number(process.env.BENCH_WORKERS ?? Math.min(2, os.availableParallelism()));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const ROWS = (process.env.BENCH_ROWS ?? "1,1000").split(",").map(Number);

function bodyFor(dir, rows) {
  const input = JSON.parse(readFileSync(path.join(dir, "input.json"), "utf8"));
  const data = Array.from({ length: rows }, (_, i) => input.data[i % input.data.length]);
  return JSON.stringify({ dataframe_split: { columns: input.columns, data } });
}

/** Start a bench server process; resolves to { url, stop() → its CPU report }. */
function startProcess(script, kind, env) {
  const child = spawn(process.execPath, [path.join(HERE, script), kind], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.on("exit", (code) => reject(new Error(`${script} exited (${code}): ${stderr.slice(0, 500)}`)));
    child.stdout.on("data", (d) => {
      out += d;
      const url = out.match(/http:\/\/[^\s]+/)?.[0];
      if (url === undefined) return;
      child.removeAllListeners("exit");
      resolve({
        url,
        startMeter: () => child.kill("SIGUSR2"),
        stop: () =>
          new Promise((done) => {
            child.on("exit", () => {
              const line = stderr.split("\n").find((l) => l.startsWith("{"));
              done(line ? JSON.parse(line) : {});
            });
            child.kill("SIGINT");
          }),
      });
    });
  });
}

async function measure(server, body) {
  const { url } = server;
  const probe = await fetch(`${url}/invocations`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
  if (probe.status !== 200)
    throw new Error(`${url} answered ${probe.status}: ${(await probe.text()).slice(0, 300)}`);
  const opts = {
    url: `${url}/invocations`,
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
    connections: CONNECTIONS,
  };
  await autocannon({ ...opts, duration: 2 }); // warm up (JIT, the fast path's worker measurements)
  server.startMeter();
  const r = await autocannon({ ...opts, duration: SECONDS });
  if (r.non2xx > 0 || r.errors > 0)
    throw new Error(`${r.non2xx} non-2xx answers and ${r.errors} errors from ${url}`);
  const cpu = await server.stop();
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, cpu: cpu.cpuUsPerRequest };
}

const CONFIGS = [
  { label: `${WORKERS} workers + fast path (default)`, env: { BENCH_WORKERS: String(WORKERS) } },
  { label: `${WORKERS} workers, no fast path`, env: { BENCH_WORKERS: String(WORKERS), BENCH_INLINE: "0" } },
  { label: "in-thread only", env: { BENCH_WORKERS: "0" } },
];

const results = [];
const only = process.env.BENCH_MODELS;
for (const [kind, m] of Object.entries(MODELS).filter(([k]) => only === undefined || only.includes(k))) {
  for (const rows of ROWS) {
    const body = bodyFor(m.dir, rows);
    for (const config of CONFIGS) {
      process.stderr.write(`${m.name}, ${rows} rows, ${config.label}\n`);
      const raw = [];
      const ours = [];
      for (let round = 0; round < ROUNDS; round++) {
        raw.push(await measure(await startProcess("profile-raw.mjs", kind, {}), body));
        ours.push(await measure(await startProcess("profile-server.mjs", kind, config.env), body));
      }
      const sum = (a, k) => a.reduce((s, x) => s + x[k], 0);
      const max = (a, k) => Math.max(...a.map((x) => x[k]));
      const avg = (a, k) => sum(a, k) / a.length;
      results.push({
        model: m.name,
        rows,
        server: config.label,
        "req/s": Math.round(avg(ours, "rps")),
        "rows/s": Math.round(avg(ours, "rps") * rows),
        "p50 ms": max(ours, "p50"),
        "p99 ms": max(ours, "p99"),
        "cpu µs/req": Number(avg(ours, "cpu").toFixed(1)),
        "raw req/s": Math.round(avg(raw, "rps")),
        "raw p99 ms": max(raw, "p99"),
        "raw cpu µs/req": Number(avg(raw, "cpu").toFixed(1)),
        "ratio vs raw": Number((sum(ours, "rps") / sum(raw, "rps")).toFixed(2)),
        "per round": ours.map((o, i) => (o.rps / raw[i].rps).toFixed(2)).join(" "),
      });
    }
  }
}
console.log(
  `autocannon, ${CONNECTIONS} connections, ${SECONDS} s per run, ${ROUNDS} rounds, loopback, ${os.availableParallelism()} CPUs, load average ${os.loadavg()[0].toFixed(1)}`,
);
console.table(results);
