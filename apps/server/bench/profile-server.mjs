// Profiling helper: serve one fixture model in the default configuration (2 workers + fast path) until
// SIGINT/SIGTERM, then print the process CPU time per answered request (after a 3,000-request warm-up).
// Drive it with autocannon from another process; add `node --cpu-prof` for a profile.
//   node [--cpu-prof --cpu-prof-dir=/tmp/prof] bench/profile-server.mjs [xgboost|onnx] [port] [logger]
//   env: BENCH_WORKERS (2), PROFILE_DIST (../dist/index.js: point it at a copy of an older build to compare)
import path from "node:path";
import { fileURLToPath } from "node:url";

const { createServer } = await import(process.env.PROFILE_DIST ?? "../dist/index.js");
const HERE = path.dirname(fileURLToPath(import.meta.url));
const PACKAGES = path.resolve(HERE, "..", "..", "..", "packages");
const which = process.argv[2] ?? "xgboost";
const dir =
  which === "onnx"
    ? path.join(PACKAGES, "onnx", "fixtures", "mlflow-columns-multi-input", "model")
    : path.join(PACKAGES, "xgboost", "fixtures", "mlflow", "regressor-json", "model");
const server = await createServer({
  modelUri: dir,
  imports: [which === "onnx" ? "@pyfunc/onnx" : "@pyfunc/xgboost"],
  workers: Number(process.env.BENCH_WORKERS ?? 2),
  logger: process.argv[4] === "logger" ? { level: "info" } : false, // "logger": access logs to stdout
});
const WARMUP = 3000;
let answered = 0;
let cpuStart;
server.app.addHook("onResponse", (_request, _reply, done) => {
  if (answered++ === WARMUP) cpuStart = process.cpuUsage();
  done();
});
console.log(await server.listen({ host: "127.0.0.1", port: Number(process.argv[3] ?? 0) }));
const stop = async () => {
  if (cpuStart !== undefined) {
    const cpu = process.cpuUsage(cpuStart);
    const n = answered - WARMUP;
    console.error(
      `cpu per request ${((cpu.user + cpu.system) / n).toFixed(1)} µs (user ${(cpu.user / n).toFixed(1)}) over ${n} requests`,
    );
  }
  await server.close();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
