// Adaptive batching on vs off in one run: the ONNX MLP fixture (packages/onnx/fixtures/mlp-dynamic-batch,
// 10 -> 16 -> 3, dynamic batch axis) served in the HTTP thread (workers: 0), one-row `inputs` requests from
// Debian's wrk (-t1 -c64). Usage: node bench/batching.mjs   (env BENCH_SECONDS=10, BENCH_DELAY_MS=2,
// BENCH_BATCH=64, BENCH_ROUNDS=2, WRK=/usr/bin/wrk)
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const WRK = process.env.WRK ?? "/usr/bin/wrk";
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const DELAY = Number(process.env.BENCH_DELAY_MS ?? 2);
const BATCH = Number(process.env.BENCH_BATCH ?? 64);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const TMP = mkdtempSync(path.join(os.tmpdir(), "pyfunc-batch-bench-"));
process.on("exit", () => rmSync(TMP, { recursive: true, force: true }));

const { saveModel } = await import("@pyfunc/onnx");
const { createServer } = await import("../dist/index.js");
const modelDir = path.join(TMP, "mlp");
await saveModel(modelDir, {
  onnxModel: path.join(HERE, "../../../packages/onnx/fixtures/mlp-dynamic-batch/model.onnx"),
});
const bodyFile = path.join(TMP, "body.json");
writeFileSync(bodyFile, JSON.stringify({ inputs: [[0.1, -0.2, 0.3, 0.4, -0.5, 0.6, 0.7, -0.8, 0.9, 1.0]] }));

function wrk(url) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      WRK,
      [
        "-t1",
        "-c64",
        `-d${SECONDS}s`,
        "--timeout",
        "30s",
        "-s",
        path.join(HERE, "post.lua"),
        `${url}/invocations`,
      ],
      {
        env: { ...process.env, BENCH_BODY_FILE: bodyFile },
      },
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

async function run(batching) {
  const server = await createServer({
    modelUri: modelDir,
    imports: ["@pyfunc/onnx"],
    workers: 0,
    ...(batching ? { maxBatchSize: BATCH, maxBatchDelayMs: DELAY } : {}),
  });
  const url = await server.listen({ host: "127.0.0.1", port: 0 });
  const cpu0 = process.cpuUsage();
  const r = await wrk(url);
  const cpu = process.cpuUsage(cpu0);
  await server.close();
  return { ...r, cpuUsPerReq: (cpu.user + cpu.system) / Math.max(1, r.requests ?? 1) };
}

console.log(
  `load average ${os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(" ")}`,
);
for (let round = 0; round < ROUNDS; round++) {
  for (const batching of [false, true]) {
    const r = await run(batching);
    const rps = r.requests / (r.duration_us / 1e6);
    console.log(
      `round ${round} batching ${batching ? `on (size ${BATCH}, delay ${DELAY} ms)` : "off"}: ${rps.toFixed(0)} req/s, p50 ${(r.p50_us / 1000).toFixed(2)} ms, p99 ${(r.p99_us / 1000).toFixed(2)} ms, errors ${r.errors ?? 0}, non2xx ${r.non2xx ?? 0}, cpu ${r.cpuUsPerReq.toFixed(0)} µs/req`,
    );
  }
}
console.log(
  `load average ${os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(" ")}`,
);
