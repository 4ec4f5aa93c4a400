// A bench server for bench/grpc.mjs: this package's scoring server for one fixture model with the gRPC service
// on (startServer, as `pyfunc serve --grpc-port`), in its own process. Prints `<http url> <grpc address>` on
// stdout. IPC: "start" resets the CPU meter, "stop" answers {cpuUs} (user + system since "start").
//   node bench/profile-grpc-server.mjs [xgboost|onnx]     env: BENCH_WORKERS (2)
import { MODELS } from "./models.mjs";

const { startServer } = await import(process.env.PROFILE_DIST ?? "../dist/index.js");
const m = MODELS[process.argv[2] ?? "xgboost"];
const running = await startServer({
  modelUri: m.modelDir,
  imports: [m.flavor],
  workers: Number(process.env.BENCH_WORKERS ?? 2),
  port: 0,
  grpcPort: 0,
  handleSignals: false,
  logger: false,
});
let cpuStart = process.cpuUsage();
process.on("message", (message) => {
  if (message === "start") cpuStart = process.cpuUsage();
  else if (message === "stop") {
    const cpu = process.cpuUsage(cpuStart);
    process.send({ cpuUs: cpu.user + cpu.system });
  } else if (message === "exit") running.close().then(() => process.exit(0));
});
console.log(`${running.url} ${running.grpc.address}`);
