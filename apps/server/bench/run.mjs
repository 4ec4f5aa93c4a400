// Benchmark: the scoring server vs a raw fastify route calling the flavor's model directly, on loopback, with
// Debian's `wrk` (one C thread) as the load generator, so the client takes little of the CPU the servers need.
// 1-row and 1,000-row dataframe_split requests to the XGBoost and ONNX example models, and a "big bodies in
// flight" case: one-row requests measured while other connections send 10,000-row bodies.
// Each server runs in its own process (as in production: its own JIT state and heap), started from
// profile-server.mjs / profile-raw.mjs. Contenders of one case run back to back (raw, server, per round) and the
// ratio is taken of the summed rates. Reports req/s, rows/s, p50/p99 latency, the server process's CPU time
// per request and the server/raw ratios.
//   pnpm -F @pyfunc/server bench   (BENCH_SECONDS=5 BENCH_CONNECTIONS=16 BENCH_WORKERS=2 BENCH_ROUNDS=1
//                                   BENCH_MODELS=xgboost|onnx by default both, BENCH_ROWS=1,1000,
//                                   BENCH_BIG=1 (0 skips the big-bodies case), WRK=/usr/bin/wrk,
//                                   PROFILE_DIST: another build of this server to measure, see profile-server.mjs)
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { MODELS } from "./models.mjs";
import { startProcess, wrk } from "./processes.mjs";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const WORKERS = Number(process.env.BENCH_WORKERS ?? Math.min(2, os.availableParallelism()));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
const ROWS = (process.env.BENCH_ROWS ?? "1,1000").split(",").map(Number);
const BIG = process.env.BENCH_BIG !== "0";
const BIG_ROWS = 10_000;
const BIG_CONNECTIONS = 4;
const TMP = mkdtempSync(path.join(os.tmpdir(), "pyfunc-bench-"));
process.on("exit", () => rmSync(TMP, { recursive: true, force: true }));

/** A dataframe_split body of `rows` rows (the fixture's rows repeated), written to a file for wrk. */
function bodyFile(dir, rows) {
  const input = JSON.parse(readFileSync(path.join(dir, "input.json"), "utf8"));
  const data = Array.from({ length: rows }, (_, i) => input.data[i % input.data.length]);
  const file = path.join(TMP, `${path.basename(path.dirname(dir))}-${path.basename(dir)}-${rows}.json`);
  writeFileSync(file, JSON.stringify({ dataframe_split: { columns: input.columns, data } }));
  return file;
}

async function probe(url, file) {
  const res = await fetch(`${url}/invocations`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: readFileSync(file),
  });
  if (res.status !== 200)
    throw new Error(`${url} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
}

/** Warm up, then measure `file` on CONNECTIONS connections (and `bigFile` on others at the same time). */
async function measure(server, file, bigFile) {
  const url = `${server.url}/invocations`;
  await probe(server.url, file);
  if (bigFile) await probe(server.url, bigFile);
  await wrk(url, file, CONNECTIONS, 2); // warm up (JIT, the fast path's worker measurements)
  server.startMeter();
  const runs = [wrk(url, file, bigFile ? CONNECTIONS / 2 : CONNECTIONS, SECONDS)];
  if (bigFile) runs.push(wrk(url, bigFile, BIG_CONNECTIONS, SECONDS));
  const [r, big] = await Promise.all(runs);
  const cpu = await server.stop();
  for (const x of [r, big]) {
    if (x && (x.non2xx > 0 || x.errors > 0))
      throw new Error(`${x.non2xx} non-2xx answers and ${x.errors} socket errors from ${url}`);
  }
  return {
    rps: r.requests / (r.duration_us / 1e6),
    p50: r.p50_us / 1000,
    p99: r.p99_us / 1000,
    cpu: cpu.cpuUsPerRequest,
    bigRps: big ? big.requests / (big.duration_us / 1e6) : undefined,
  };
}

const CONFIGS = [
  { label: `${WORKERS} workers + fast path (default)`, env: { BENCH_WORKERS: String(WORKERS) } },
  { label: `${WORKERS} workers, no fast path`, env: { BENCH_WORKERS: String(WORKERS), BENCH_INLINE: "0" } },
  { label: "in-thread only", env: { BENCH_WORKERS: "0" } },
];

const results = [];
const only = process.env.BENCH_MODELS;
const sum = (a, k) => a.reduce((s, x) => s + x[k], 0);
const max = (a, k) => Math.max(...a.map((x) => x[k]));
const avg = (a, k) => sum(a, k) / a.length;
for (const [kind, m] of Object.entries(MODELS).filter(([k]) => only === undefined || only.includes(k))) {
  const cases = ROWS.map((rows) => ({ rows, file: bodyFile(m.dir, rows), configs: CONFIGS }));
  if (BIG) {
    cases.push({
      rows: 1,
      big: true,
      file: bodyFile(m.dir, 1),
      bigFile: bodyFile(m.dir, BIG_ROWS),
      configs: CONFIGS.slice(0, 2),
    });
  }
  for (const c of cases) {
    for (const config of c.configs) {
      const label = c.big
        ? `1 row, ${BIG_CONNECTIONS} conns of ${BIG_ROWS} rows in flight`
        : `${c.rows} rows`;
      process.stderr.write(`${m.name}, ${label}, ${config.label}\n`);
      const raw = [];
      const ours = [];
      for (let round = 0; round < ROUNDS; round++) {
        raw.push(await measure(await startProcess("profile-raw.mjs", [kind], {}), c.file, c.bigFile));
        ours.push(
          await measure(await startProcess("profile-server.mjs", [kind], config.env), c.file, c.bigFile),
        );
      }
      const row = {
        model: m.name,
        case: label,
        server: config.label,
        "req/s": Math.round(avg(ours, "rps")),
        "rows/s": Math.round(avg(ours, "rps") * c.rows),
        "p50 ms": Number(max(ours, "p50").toFixed(2)),
        "p99 ms": Number(max(ours, "p99").toFixed(2)),
        "cpu µs/req": c.big ? "-" : Number(avg(ours, "cpu").toFixed(1)),
        ...(c.big ? { "big req/s": Math.round(avg(ours, "bigRps")) } : {}),
        "raw req/s": Math.round(avg(raw, "rps")),
        "raw p99 ms": Number(max(raw, "p99").toFixed(2)),
        "ratio vs raw": Number((sum(ours, "rps") / sum(raw, "rps")).toFixed(2)),
        "p99 vs raw": Number((max(ours, "p99") / max(raw, "p99")).toFixed(2)),
      };
      results.push(row);
      process.stderr.write(`${JSON.stringify(row)}\n`); // kept if a later case fails
    }
  }
}
console.log(
  `wrk (1 thread), ${CONNECTIONS} connections, ${SECONDS} s per run, ${ROUNDS} round(s), loopback, ${os.availableParallelism()} CPUs, load average ${os.loadavg()[0].toFixed(1)}`,
);
console.table(results);
