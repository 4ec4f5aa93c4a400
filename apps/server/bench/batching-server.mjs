// The batching bench's server, in its own process: this package's scoring server for one saved model, predicting
// in the HTTP thread (workers: 0), batching on or off. Prints its URL on stdout; see cpu-meter.mjs for the CPU
// report (requests are counted by wrk, not by a hook).
//   node bench/batching-server.mjs <modelDir> <flavor package> on|off   (env BENCH_BATCH=64, BENCH_DELAY_MS=2)
import { meterRequests } from "./cpu-meter.mjs";

const { createServer } = await import(process.env.PROFILE_DIST ?? "../dist/index.js");
const [modelUri, flavor, mode] = process.argv.slice(2);
const server = await createServer({
  modelUri,
  imports: [flavor],
  workers: 0,
  ...(mode === "on"
    ? {
        maxBatchSize: Number(process.env.BENCH_BATCH ?? 64),
        maxBatchDelayMs: Number(process.env.BENCH_DELAY_MS ?? 2),
      }
    : {}),
});
meterRequests(server.app, () => server.close(), { count: false });
console.log(await server.listen({ host: "127.0.0.1", port: 0 }));
