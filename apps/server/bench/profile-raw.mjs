// The bench baseline, in its own process: a raw fastify route that calls the flavor's model directly (fastify's
// JSON parser, columns built by hand from the signature types, model.predict, JSON.stringify).
// Prints its URL on stdout; see cpu-meter.mjs for the CPU report.
//   node bench/profile-raw.mjs [xgboost|onnx] [port]

import { loadModel } from "@pyfunc/core";
import { dataFrameFromColumns } from "@pyfunc/core/protocol";
import Fastify from "fastify";
import { meterRequests } from "./cpu-meter.mjs";
import { MODELS } from "./models.mjs";

const m = MODELS[process.argv[2] ?? "xgboost"];
await import(m.flavor);
const model = await loadModel(m.modelDir);
const sig = model.metadata.signature?.inputs;
const types = sig ? Object.fromEntries(JSON.parse(sig).map((s) => [s.name, s.type])) : {};
const app = Fastify({ logger: false, bodyLimit: 100 * 1024 * 1024 });
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
meterRequests(app, async () => {
  await app.close();
  await model.close();
});
console.log(await app.listen({ host: "127.0.0.1", port: Number(process.argv[3] ?? 0) }));
