// Load generator for bench/grpc.mjs, in its own process: a fixed number of calls in flight for a fixed time,
// over gRPC (grpc-js with the server's .proto: the request serialized once, BENCH_CHANNELS=1 connection(s)) or
// over REST (node:http with keep-alive, the same in-flight loop). Prints one JSON line:
// {requests, duration_us, p50_us, p99_us, errors, cpuUs} (cpuUs: this client's own CPU time).
//   node bench/grpc-load.mjs <grpc-raw|grpc-typed|rest> <address or url> <request.json> <in-flight> <seconds>
// request.json: {grpc: ModelInferRequest with raw contents as base64 strings, rest: a v2 JSON body}.

import { readFileSync } from "node:fs";
import http from "node:http";

const [mode, target, file, inflightText, secondsText] = process.argv.slice(2);
const inflight = Number(inflightText);
const seconds = Number(secondsText);
const spec = JSON.parse(readFileSync(file, "utf8"));

let send;
let close = () => {};
if (mode === "rest") {
  const agent = new http.Agent({ keepAlive: true, maxSockets: inflight });
  const url = new URL(target);
  const body = Buffer.from(JSON.stringify(spec.rest));
  send = () =>
    new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: "POST",
          agent,
          headers: { "content-type": "application/json", "content-length": body.byteLength },
        },
        (res) => {
          res.on("data", () => {});
          res.on("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(`${res.statusCode}`))));
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  close = () => agent.destroy();
} else {
  // as ghz does: the request serialized once, then sent as bytes over BENCH_CHANNELS channels (each its own HTTP/2
  // connection: a local subchannel pool per channel), answers left undecoded but the first (checked); the
  // client's own CPU per call is then grpc-js's transport, not protobuf.
  const grpc = await import("@grpc/grpc-js");
  const { inferenceServiceClient } = await import("../dist/grpc/index.js");
  const definition = inferenceServiceClient().service.ModelInfer;
  const request = mode === "grpc-raw" ? spec.grpcRaw : spec.grpcTyped;
  if (request.raw_input_contents)
    request.raw_input_contents = request.raw_input_contents.map((b) => Buffer.from(b, "base64"));
  const bytes = definition.requestSerialize(request);
  const channels = Array.from(
    { length: Number(process.env.BENCH_CHANNELS ?? 1) },
    () => new grpc.Client(target, grpc.credentials.createInsecure(), { "grpc.use_local_subchannel_pool": 1 }),
  );
  const identity = (b) => b;
  const first = await new Promise((resolve, reject) => {
    channels[0].makeUnaryRequest(definition.path, identity, identity, bytes, (error, answer) =>
      error ? reject(error) : resolve(definition.responseDeserialize(answer)),
    );
  });
  if (!Array.isArray(first.outputs) || first.outputs.length === 0)
    throw new Error(`unexpected answer: ${JSON.stringify(first).slice(0, 300)}`);
  let next = 0;
  send = () =>
    new Promise((resolve, reject) => {
      const channel = channels[next++ % channels.length];
      channel.makeUnaryRequest(definition.path, identity, identity, bytes, (error) =>
        error ? reject(error) : resolve(),
      );
    });
  close = () => {
    for (const c of channels) c.close();
  };
}

const latencies = [];
let errors = 0;
let firstError;
const cpuStart = process.cpuUsage();
const start = performance.now();
const end = start + seconds * 1000;
async function loop() {
  while (performance.now() < end) {
    const t = performance.now();
    try {
      await send();
      latencies.push(performance.now() - t);
    } catch (error) {
      errors++;
      firstError ??= String(error?.message ?? error);
    }
  }
}
await Promise.all(Array.from({ length: inflight }, loop));
const duration = performance.now() - start;
const cpu = process.cpuUsage(cpuStart);
latencies.sort((a, b) => a - b);
const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
console.log(
  JSON.stringify({
    requests: latencies.length,
    duration_us: Math.round(duration * 1000),
    p50_us: Math.round(pct(50) * 1000),
    p99_us: Math.round(pct(99) * 1000),
    errors,
    firstError,
    cpuUs: cpu.user + cpu.system,
  }),
);
close();
process.exit(0);
