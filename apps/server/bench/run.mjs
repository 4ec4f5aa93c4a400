// Benchmark: the scoring server vs a raw fastify route calling the flavor's model directly, with autocannon on
// loopback. 1-row and 1,000-row dataframe_split requests to the XGBoost and ONNX example models.
// Reports req/s, rows/s, p50/p99 latency and the server/raw ratios measured in the same run.
//   pnpm -F @pyfunc/server bench           (BENCH_SECONDS=5 BENCH_CONNECTIONS=16 BENCH_WORKERS=2 by default)
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { dataFrameFromColumns, loadModel } from "@pyfunc/core";
import autocannon from "autocannon";
import Fastify from "fastify";
import { createServer } from "../dist/index.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PACKAGES = path.resolve(HERE, "..", "..", "..", "packages");
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const WORKERS = Number(process.env.BENCH_WORKERS ?? Math.min(2, os.availableParallelism()));

const MODELS = [
  {
    name: "xgboost regressor",
    flavor: "@pyfunc/xgboost",
    dir: path.join(PACKAGES, "xgboost", "fixtures", "mlflow", "regressor-json"),
  },
  {
    name: "onnx 3-input columns",
    flavor: "@pyfunc/onnx",
    dir: path.join(PACKAGES, "onnx", "fixtures", "mlflow-columns-multi-input"),
  },
];

function bodyFor(dir, rows) {
  const input = JSON.parse(readFileSync(path.join(dir, "input.json"), "utf8"));
  const data = Array.from({ length: rows }, (_, i) => input.data[i % input.data.length]);
  return JSON.stringify({ dataframe_split: { columns: input.columns, data } });
}

/** The baseline: fastify's own JSON parser, columns built by hand, model.predict, JSON.stringify. */
async function startRaw(model) {
  const app = Fastify({ logger: false, bodyLimit: 100 * 1024 * 1024 });
  const sig = model.metadata.signature?.inputs;
  const types = sig ? Object.fromEntries(JSON.parse(sig).map((s) => [s.name, s.type])) : {};
  app.post("/invocations", async (request, reply) => {
    const { columns, data } = request.body.dataframe_split;
    const cols = columns.map((name, j) => {
      const type = types[name] ?? (typeof data[0]?.[j] === "number" ? "double" : "string");
      if (type === "double" || type === "float") {
        const values = type === "double" ? new Float64Array(data.length) : new Float32Array(data.length);
        for (let i = 0; i < data.length; i++) values[i] = data[i][j];
        return { name, dtype: type === "double" ? "float64" : "float32", values };
      }
      if (type === "boolean") return { name, dtype: "bool", values: data.map((r) => r[j]) };
      return { name, dtype: "object", values: data.map((r) => r[j]) };
    });
    const out = await model.predict(dataFrameFromColumns(cols));
    const predictions =
      out && ArrayBuffer.isView(out.data)
        ? Array.from(out.data)
        : out && typeof out.toRecords === "function"
          ? out.toRecords()
          : out;
    reply.header("content-type", "application/json").send(JSON.stringify({ predictions }));
  });
  const url = await app.listen({ host: "127.0.0.1", port: 0 });
  return { url, close: () => app.close() };
}

async function startPyfunc(modelUri, flavor, workers, inline) {
  const server = await createServer({ modelUri, imports: [flavor], workers, inline, logger: false });
  const url = await server.listen({ host: "127.0.0.1", port: 0 });
  return { url, close: () => server.close() };
}

async function measure(url, body) {
  const probe = await fetch(`${url}/invocations`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
  if (probe.status !== 200)
    throw new Error(`${url} answered ${probe.status}: ${(await probe.text()).slice(0, 300)}`);
  // warm up, then measure
  await autocannon({
    url: `${url}/invocations`,
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
    connections: CONNECTIONS,
    duration: 1,
  });
  // the load generator runs in its own worker thread, so it does not share the server's event loop
  const r = await autocannon({
    url: `${url}/invocations`,
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
    connections: CONNECTIONS,
    duration: SECONDS,
    workers: 1,
  });
  if (r.non2xx > 0 || r.errors > 0)
    throw new Error(`${r.non2xx} non-2xx answers and ${r.errors} errors from ${url}`);
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99 };
}

const results = [];
const only = process.env.BENCH_MODELS;
for (const m of MODELS.filter((x) => only === undefined || x.name.includes(only))) {
  const model = await (async () => {
    await import(m.flavor);
    return loadModel(path.join(m.dir, "model"));
  })();
  for (const rows of [1, 1000]) {
    const body = bodyFor(m.dir, rows);
    const raw = await startRaw(model);
    const rawStats = await measure(raw.url, body);
    await raw.close();
    for (const [workers, inline] of [
      [WORKERS, true],
      [WORKERS, false],
      [0, false],
    ]) {
      process.stderr.write(`${m.name}, ${rows} rows, workers=${workers}, inline=${inline}\n`);
      const srv = await startPyfunc(path.join(m.dir, "model"), m.flavor, workers, inline);
      const stats = await measure(srv.url, body);
      await srv.close();
      results.push({
        model: m.name,
        rows,
        server:
          workers === 0
            ? "in-thread only"
            : `${workers} workers${inline ? " + fast path (default)" : ", no fast path"}`,
        "req/s": Math.round(stats.rps),
        "rows/s": Math.round(stats.rps * rows),
        "p50 ms": stats.p50,
        "p99 ms": stats.p99,
        "raw req/s": Math.round(rawStats.rps),
        "raw p99 ms": rawStats.p99,
        "ratio vs raw": Number((stats.rps / rawStats.rps).toFixed(2)),
      });
    }
  }
  await model.close();
}
console.log(
  `autocannon, ${CONNECTIONS} connections, ${SECONDS} s per run, loopback, ${os.availableParallelism()} CPUs`,
);
console.table(results);
