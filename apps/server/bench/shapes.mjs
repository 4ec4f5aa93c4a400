// Issue 17's request shapes, re-measured against a real server (the XGBoost fixture model, a column signature,
// 1 worker): per shape the body size, the status, the time to the answer and the answer's size; and whether
// /ping answers meanwhile. Time in ms, wall clock on this machine (a measurement, not a test).
//   node bench/shapes.mjs
import { MODELS } from "./models.mjs";

const { createServer } = await import(process.env.PROFILE_DIST ?? "../dist/index.js");
const m = MODELS.xgboost;
const server = await createServer({ modelUri: m.modelDir, imports: [m.flavor], workers: 1, logger: false });
const url = await server.listen({ host: "127.0.0.1", port: 0 });
const cols = ["f one", "f_two", "f3", "f4"];

const v2 = (rows) =>
  JSON.stringify({
    inputs: cols.map((name) => ({
      name,
      shape: [rows, 2],
      datatype: "FP64",
      data: Array.from({ length: rows * 2 }, (_, i) => i / 7),
    })),
  });
const records = (n) =>
  JSON.stringify({ dataframe_records: Array.from({ length: n }, (_, i) => ({ [`k${i}`]: i })) });
const split = (n) => {
  const columns = Array.from({ length: n }, (_, i) => `c${i}`);
  return JSON.stringify({ dataframe_split: { columns, data: [columns.map((_, i) => i)] } });
};
const longCell = (mb) =>
  JSON.stringify({ dataframe_split: { columns: cols, data: [["x".repeat(mb * 1024 * 1024), 1, 2, 3]] } });

const cases = [
  ["v2 2-D tensor per column", "/v2/models/mlflow-model/infer", [v2(400), v2(1600), v2(4000)]],
  ["dataframe_records, distinct keys", "/invocations", [records(5_000), records(20_000)]],
  ["dataframe_split, 20,000 columns", "/invocations", [split(20_000)]],
  ["one long string cell", "/invocations", [longCell(20), longCell(99)]],
];
const rows = [];
for (const [label, path, bodies] of cases) {
  for (const body of bodies) {
    let pings = 0;
    let stop = false;
    const pinger = (async () => {
      while (!stop) {
        const t = performance.now();
        await fetch(`${url}/ping`);
        if (performance.now() - t < 200) pings++;
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const t = performance.now();
    const res = await fetch(`${url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    const text = await res.text();
    const ms = performance.now() - t;
    stop = true;
    await pinger;
    rows.push({
      shape: label,
      "body KB": Math.round(body.length / 1024),
      status: res.status,
      ms: Math.round(ms),
      "answer bytes": text.length,
      "/ping < 200 ms meanwhile": pings,
    });
  }
}
console.table(rows);
console.log(
  `peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB (this process, workers included)`,
);
await server.close();
