// A bench/profiling server: this package's scoring server for one fixture model, in its own process.
// Prints its URL on stdout; see cpu-meter.mjs for the CPU report. Drive it with wrk from another process
// (bench/run.mjs does); add `node --cpu-prof` for a profile.
//   node [--cpu-prof --cpu-prof-dir=/tmp/prof] bench/profile-server.mjs [xgboost|onnx] [port] [logger]
//   env: BENCH_WORKERS (2), BENCH_INLINE (1; 0 = no in-thread fast path),
//        PROFILE_DIST (../dist/index.js: point it at a copy of an older build to compare)

import { meterRequests } from "./cpu-meter.mjs";
import { MODELS } from "./models.mjs";

const { createServer } = await import(process.env.PROFILE_DIST ?? "../dist/index.js");
const m = MODELS[process.argv[2] ?? "xgboost"];
const server = await createServer({
  modelUri: m.modelDir,
  imports: [m.flavor],
  workers: Number(process.env.BENCH_WORKERS ?? 2),
  inline: process.env.BENCH_INLINE !== "0",
  logger: process.argv[4] === "logger" ? { level: "info" } : false, // "logger": access logs to stdout
});
meterRequests(server.app, () => server.close());
console.log(await server.listen({ host: "127.0.0.1", port: Number(process.argv[3] ?? 0) }));
