// Benchmark: the Open Inference Protocol over gRPC vs REST, against one server process (startServer with
// grpcPort, bench/profile-grpc-server.mjs), 1-row and 1,000-row requests of the XGBoost example model as
// FP32 columns (content_type pd), a fixed number of calls in flight. Contenders, back to back in each round
// (order rotated per round): gRPC with raw_input_contents, gRPC with typed contents (both from a grpc-js client
// in its own process, bench/grpc-load.mjs: request serialized once, as ghz does), REST v2 JSON from the same Node client loop, and REST v2 JSON from
// Debian's wrk (one C thread, the cheapest client), and gRPC raw/typed from nghttp2's h2load (C, one HTTP/2
// connection; Debian nghttp2-client, skipped if absent), the fair counterpart of wrk. Reports per contender the range over rounds of req/s,
// p50/p99 latency and the server process's CPU time per request, and the ratio of summed req/s to REST (wrk)
// and REST (Node client).
//   node bench/grpc.mjs   (after `pnpm -F @pyfunc/server build`; env BENCH_SECONDS=4 BENCH_INFLIGHT=16
//                          BENCH_ROUNDS=3 BENCH_ROWS=1,1000 BENCH_WORKERS=2 BENCH_MODELS=xgboost|onnx, WRK)
import { fork } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { inferenceServiceClient } from "../dist/grpc/index.js";
import { MODELS } from "./models.mjs";
import { runProcess } from "./processes.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const WRK = process.env.WRK ?? "/usr/bin/wrk";
// nghttp2's HTTP/2 load generator (Debian nghttp2-client), the C client for gRPC as wrk is for REST; skipped if absent
const H2LOAD = process.env.H2LOAD ?? "/usr/bin/h2load";
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const INFLIGHT = Number(process.env.BENCH_INFLIGHT ?? 16);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ROWS = (process.env.BENCH_ROWS ?? "1,1000").split(",").map(Number);
const WORKERS = process.env.BENCH_WORKERS ?? "2";
const ONLY = process.env.BENCH_MODELS ?? "xgboost";
const TMP = mkdtempSync(path.join(os.tmpdir(), "pyfunc-grpc-bench-"));
process.on("exit", () => rmSync(TMP, { recursive: true, force: true }));

/** The fixture's rows repeated to `rows`, as the three request forms: gRPC raw, gRPC typed, REST v2 JSON. */
function requestFile(m, rows) {
  const input = JSON.parse(readFileSync(path.join(m.dir, "input.json"), "utf8"));
  const data = Array.from({ length: rows }, (_, i) => input.data[i % input.data.length]);
  const columns = input.columns.map((name, c) => {
    const values = data.map((r) => r[c]);
    const sample = values.find((v) => v !== null);
    const datatype = typeof sample === "boolean" ? "BOOL" : typeof sample === "string" ? "BYTES" : "FP32";
    return { name, datatype, values };
  });
  const raw = ({ datatype, values }) => {
    if (datatype === "BOOL") return Buffer.from(values.map((v) => (v ? 1 : 0)));
    if (datatype === "BYTES")
      return Buffer.concat(
        values.flatMap((v) => {
          const b = Buffer.from(v);
          const n = Buffer.alloc(4);
          n.writeUInt32LE(b.length);
          return [n, b];
        }),
      );
    return Buffer.from(Float32Array.from(values, (v) => v ?? Number.NaN).buffer);
  };
  const typed = ({ datatype, values }) =>
    datatype === "BOOL"
      ? { bool_contents: values }
      : datatype === "BYTES"
        ? { bytes_contents: values.map((v) => Buffer.from(v).toString("base64")) }
        : { fp32_contents: values.map((v) => v ?? "NaN") };
  const base = { model_name: "mlflow-model", parameters: { content_type: { string_param: "pd" } } };
  const spec = {
    grpcRaw: {
      ...base,
      inputs: columns.map((c) => ({ name: c.name, datatype: c.datatype, shape: [rows] })),
      raw_input_contents: columns.map((c) => raw(c).toString("base64")),
    },
    grpcTyped: {
      ...base,
      inputs: columns.map((c) => ({ name: c.name, datatype: c.datatype, shape: [rows], contents: typed(c) })),
    },
    rest: {
      parameters: { content_type: "pd" },
      inputs: columns.map((c) => ({ name: c.name, datatype: c.datatype, shape: [rows], data: c.values })),
    },
  };
  const specFile = path.join(TMP, `${rows}.json`);
  writeFileSync(specFile, JSON.stringify(spec));
  const restFile = path.join(TMP, `${rows}-rest.json`);
  writeFileSync(restFile, JSON.stringify(spec.rest));
  // the gRPC requests as h2load posts them: one length-prefixed message (flag byte, 4-byte big-endian length)
  const definition = inferenceServiceClient().service.ModelInfer;
  const framed = (request) => {
    const bytes = definition.requestSerialize(request);
    const head = Buffer.alloc(5);
    head.writeUInt32BE(bytes.length, 1);
    return Buffer.concat([head, bytes]);
  };
  const rawFile = path.join(TMP, `${rows}-raw.bin`);
  writeFileSync(
    rawFile,
    framed({
      ...spec.grpcRaw,
      raw_input_contents: spec.grpcRaw.raw_input_contents.map((b) => Buffer.from(b, "base64")),
    }),
  );
  const typedFile = path.join(TMP, `${rows}-typed.bin`);
  writeFileSync(typedFile, framed(spec.grpcTyped));
  return { specFile, restFile, rawFile, typedFile };
}

function startServer(kind) {
  const child = fork(path.join(HERE, "profile-grpc-server.mjs"), [kind], {
    env: { ...process.env, BENCH_WORKERS: WORKERS },
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  const ask = (message) =>
    new Promise((resolve) => {
      child.once("message", resolve);
      child.send(message);
    });
  return new Promise((resolve, reject) => {
    let out = "";
    child.on("exit", (code) => reject(new Error(`server exited (${code}): ${stderr.slice(0, 500)}`)));
    child.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/(http:\/\/\S+) (\S+)\n/);
      if (!m) return;
      child.removeAllListeners("exit");
      resolve({
        url: m[1],
        grpc: m[2],
        startMeter: () => child.send("start"),
        stopMeter: () => ask("stop"),
        stop: () =>
          new Promise((done) => {
            child.on("exit", done);
            child.send("exit");
          }),
      });
    });
  });
}

async function load(contender, server, files, seconds) {
  if (contender === "REST v2 (wrk)") {
    const out = await runProcess(
      WRK,
      [
        "-t1",
        `-c${INFLIGHT}`,
        `-d${seconds}s`,
        "--timeout",
        "30s",
        "-s",
        path.join(HERE, "post.lua"),
        `${server.url}/v2/models/mlflow-model/infer`,
      ],
      { BENCH_BODY_FILE: files.restFile },
    );
    const r = JSON.parse(
      out
        .split("\n")
        .find((l) => l.startsWith("BENCH "))
        .slice(6),
    );
    return { ...r, errors: r.errors + r.non2xx, cpuUs: undefined };
  }
  if (contender.endsWith("(h2load)")) return h2load(contender, server, files, seconds);
  const mode = { "gRPC raw": "grpc-raw", "gRPC typed": "grpc-typed", "REST v2 (Node client)": "rest" }[
    contender
  ];
  const target = mode === "rest" ? `${server.url}/v2/models/mlflow-model/infer` : server.grpc;
  const out = await runProcess(process.execPath, [
    path.join(HERE, "grpc-load.mjs"),
    mode,
    target,
    files.specFile,
    String(INFLIGHT),
    String(seconds),
  ]);
  return JSON.parse(out.trim().split("\n").at(-1));
}

/**
 * h2load posting the framed ModelInfer request over one HTTP/2 connection with INFLIGHT streams. It sees HTTP
 * statuses only (a gRPC error is a 200 with a grpc-status trailer), so the calls' codes are read from the
 * server's own /metrics (pyfunc_grpc_requests_total) before and after: any code but OK is an error. h2load
 * reports the mean latency, not percentiles: p50 and p99 are left out for it.
 */
async function h2load(contender, server, files, seconds) {
  const codes = async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const out = { ok: 0, other: 0 };
    for (const m of text.matchAll(
      /^pyfunc_grpc_requests_total\{method="ModelInfer",[^}]*code="(\w+)"\} (\d+)/gm,
    ))
      out[m[1] === "OK" ? "ok" : "other"] += Number(m[2]);
    return out;
  };
  const before = await codes();
  const out = await runProcess(H2LOAD, [
    "-c1",
    `-m${INFLIGHT}`,
    `-D${seconds}`,
    "-d",
    contender.startsWith("gRPC raw") ? files.rawFile : files.typedFile,
    "-H",
    "content-type: application/grpc",
    "-H",
    "te: trailers",
    `http://${server.grpc}/inference.GRPCInferenceService/ModelInfer`,
  ]);
  const after = await codes();
  const done = Number(out.match(/requests: \d+ total, \d+ started, (\d+) done/)?.[1] ?? 0);
  const finished = out.match(/finished in ([\d.]+)(m?s)/);
  const duration = finished === null ? seconds : Number(finished[1]) / (finished[2] === "ms" ? 1000 : 1);
  const mean = out.match(/time for request:\s+\S+\s+\S+\s+([\d.]+)(us|ms|s)/);
  const meanUs = mean === null ? 0 : Number(mean[1]) * { us: 1, ms: 1000, s: 1e6 }[mean[2]];
  const errors =
    after.other - before.other + Math.max(0, done - (after.ok - before.ok) - (after.other - before.other));
  return {
    requests: done,
    duration_us: duration * 1e6,
    p50_us: Number.NaN,
    p99_us: Number.NaN,
    mean_us: meanUs,
    errors,
    firstError: errors > 0 ? out.slice(-400) : undefined,
    cpuUs: undefined,
  };
}

const HAVE_H2LOAD = existsSync(H2LOAD);
const CONTENDERS = [
  "gRPC raw",
  "gRPC typed",
  ...(HAVE_H2LOAD ? ["gRPC raw (h2load)", "gRPC typed (h2load)"] : []),
  "REST v2 (Node client)",
  "REST v2 (wrk)",
];
const range = (xs, digits = 0) => {
  if (xs.some((x) => x === undefined || Number.isNaN(x))) return "-";
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  const f = (x) => x.toFixed(digits);
  return lo === hi ? f(lo) : `${f(lo)}–${f(hi)}`;
};
const results = [];
for (const [kind, m] of Object.entries(MODELS).filter(([k]) => ONLY.includes(k))) {
  for (const rows of ROWS) {
    const files = requestFile(m, rows);
    const samples = Object.fromEntries(CONTENDERS.map((c) => [c, []]));
    for (let round = 0; round < ROUNDS; round++) {
      const server = await startServer(kind);
      const order = CONTENDERS.map((_, i) => CONTENDERS[(i + round) % CONTENDERS.length]);
      for (const contender of order) {
        const warm = await load(contender, server, files, 1); // JIT, the fast path's measurements
        if (warm.errors > 0 || warm.requests === 0)
          throw new Error(`${contender}: ${warm.errors} errors in the warm-up (${warm.firstError ?? ""})`);
        server.startMeter();
        const r = await load(contender, server, files, SECONDS);
        const { cpuUs } = await server.stopMeter();
        if (r.errors > 0) throw new Error(`${contender}: ${r.errors} errors (${r.firstError ?? ""})`);
        samples[contender].push({
          rps: r.requests / (r.duration_us / 1e6),
          p50: r.p50_us / 1000,
          p99: r.p99_us / 1000,
          mean: r.mean_us === undefined ? undefined : r.mean_us / 1000,
          serverCpu: cpuUs / r.requests,
          clientCpu: r.cpuUs === undefined ? undefined : r.cpuUs / r.requests,
        });
        process.stderr.write(
          `${m.name}, ${rows} rows, round ${round + 1}, ${contender}: ${JSON.stringify(samples[contender].at(-1))}\n`,
        );
      }
      await server.stop();
    }
    const total = (c) => samples[c].reduce((s, x) => s + x.rps, 0);
    for (const c of CONTENDERS) {
      const s = samples[c];
      results.push({
        model: m.name,
        rows,
        contender: c,
        "req/s": range(s.map((x) => x.rps)),
        "p50 ms": range(
          s.map((x) => x.p50),
          2,
        ),
        "p99 ms": range(
          s.map((x) => x.p99),
          2,
        ),
        "mean ms (h2load)": range(
          s.map((x) => x.mean),
          2,
        ),
        "server cpu µs/req": range(s.map((x) => x.serverCpu)),
        "client cpu µs/req": s[0].clientCpu === undefined ? "-" : range(s.map((x) => x.clientCpu)),
        "vs REST wrk": Number((total(c) / total("REST v2 (wrk)")).toFixed(2)),
        "vs REST Node": Number((total(c) / total("REST v2 (Node client)")).toFixed(2)),
      });
    }
  }
}
console.log(
  `${INFLIGHT} calls in flight, ${SECONDS} s per run, ${ROUNDS} round(s), ${WORKERS} workers + fast path, loopback, ${os.availableParallelism()} CPUs, load average ${os.loadavg()[0].toFixed(1)}`,
);
console.table(results);
