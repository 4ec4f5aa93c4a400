// The batching bench's floor, in its own process: a bare fastify route that calls the model directly (fastify's
// JSON parser, the one row of `inputs` as a float32 tensor, model.predict, JSON.stringify), with no signature
// enforcement, metrics, request ids, deadline or drain; "on" merges the requests that arrived in one event-loop
// turn into one predict call (the least a batcher can cost). What the server's on/off ratio would be if its
// per-request HTTP work cost nothing beyond fastify's.
//   node bench/batching-raw.mjs <modelDir> <flavor package> on|off
import { loadModel } from "@pyfunc/core";
import Fastify from "fastify";
import { meterRequests } from "./cpu-meter.mjs";

const [modelDir, flavor, mode] = process.argv.slice(2);
await import(flavor);
const model = await loadModel(modelDir);
const app = Fastify({ logger: false });

/** Rows [start, end) of a tensor as nested lists (what MLflow's JSON answer holds). */
function rowsOf(t, start, end) {
  const width = t.shape.slice(1).reduce((a, b) => a * b, 1);
  const out = [];
  for (let r = start; r < end; r++) out.push(Array.from(t.data.subarray(r * width, (r + 1) * width)));
  return out;
}
const answer = (out, start, end) =>
  JSON.stringify({
    predictions:
      out.data !== undefined
        ? rowsOf(out, start, end)
        : Object.fromEntries(Object.entries(out).map(([k, t]) => [k, rowsOf(t, start, end)])),
  });

let queue = [];
async function flush() {
  const q = queue;
  queue = [];
  const width = q[0].row.length;
  const data = new Float32Array(q.length * width);
  for (let i = 0; i < q.length; i++) data.set(q[i].row, i * width);
  try {
    const out = await model.predict({ dtype: "float32", shape: [q.length, width], data });
    for (let i = 0; i < q.length; i++) q[i].resolve(answer(out, i, i + 1));
  } catch (error) {
    for (const p of q) p.reject(error);
  }
}

app.post("/invocations", async (request, reply) => {
  const row = request.body.inputs[0];
  reply.header("content-type", "application/json");
  if (mode !== "on") {
    const out = await model.predict({
      dtype: "float32",
      shape: [1, row.length],
      data: Float32Array.from(row),
    });
    return answer(out, 0, 1);
  }
  return new Promise((resolve, reject) => {
    if (queue.push({ row, resolve, reject }) === 1) setImmediate(flush);
  });
});
meterRequests(
  app,
  async () => {
    await app.close();
    await model.close();
  },
  { count: false },
);
console.log(await app.listen({ host: "127.0.0.1", port: 0 }));
