// Rows per second for big bodies (100,000 rows of the XGBoost fixture model's four features) in every body
// format the server accepts: in-process through core's parse → predict → serialize (`scoreRequest`, what
// `/invocations` runs; the v2 route's own handler for v2 bodies), and over HTTP with a few sequential requests
// to a real server (1 worker). Prints the range over rounds (a measurement, not a test; needs `pnpm build`).
//   node bench/large-bodies.mjs [rows] [rounds]
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { loadModel } from "@pyfunc/core";
import { scoreRequest } from "@pyfunc/core/protocol";
import { MODELS } from "./models.mjs";

const ROWS = Number(process.argv[2] ?? 100_000);
const ROUNDS = Number(process.argv[3] ?? 3);
const HTTP_REQUESTS = 3;
const m = MODELS.xgboost;
const here = path.dirname(fileURLToPath(import.meta.url));
const { createServer } = await import(pathToFileURL(path.join(here, "..", "dist", "index.js")).href);
const { handleV2Infer } = await import(pathToFileURL(path.join(here, "..", "dist", "v2.js")).href);
// apache-arrow is core's dependency: resolved from core, only to write the Arrow body
const coreRequire = createRequire(path.join(here, "..", "..", "..", "packages", "core", "package.json"));
const arrow = await import(pathToFileURL(coreRequire.resolve("apache-arrow")).href);

await import(m.flavor);
const model = await loadModel(m.modelDir);
const COLS = ["f one", "f_two", "f3", "f4"];

// deterministic features (a few missing values, as the fixture has)
const columns = COLS.map((_, c) => {
  const out = new Float32Array(ROWS);
  for (let r = 0; r < ROWS; r++)
    out[r] = (r * 7 + c * 13) % 97 === 0 ? Number.NaN : Math.sin(r * 0.37 + c) * 2;
  return out;
});
const cell = (r, c) => (Number.isNaN(columns[c][r]) ? null : columns[c][r]);
const rows = Array.from({ length: ROWS }, (_, r) => COLS.map((_, c) => cell(r, c)));
const records = rows.map((row) => Object.fromEntries(COLS.map((k, c) => [k, row[c]])));

function framed(header, raws) {
  const json = Buffer.from(JSON.stringify(header));
  return { body: Buffer.concat([json, ...raws]), headerLength: String(json.byteLength) };
}
const raws = columns.map((c) => new Uint8Array(c.buffer));
const binaryHeader = (extra) => ({
  ...extra,
  parameters: { content_type: "pd", ...(extra.parameters ?? {}) },
  inputs: COLS.map((name, c) => ({
    name,
    datatype: "FP32",
    shape: [ROWS],
    parameters: { binary_data_size: raws[c].byteLength },
  })),
});
const v2Json = JSON.stringify({
  parameters: { content_type: "pd" },
  inputs: COLS.map((name, c) => ({
    name,
    datatype: "FP32",
    shape: [ROWS],
    data: Array.from({ length: ROWS }, (_, r) => cell(r, c)),
  })),
});
const arrowBody = arrow.tableToIPC(
  new arrow.Table(Object.fromEntries(COLS.map((k, c) => [k, arrow.makeVector(columns[c])]))),
  "stream",
);
const csvText = `${COLS.map((c) => (c.includes(" ") ? `"${c}"` : c)).join(",")}\n${rows
  .map((row) => row.map((v) => (v === null ? "" : String(v))).join(","))
  .join("\n")}\n`;

const inv = framed(binaryHeader({}), raws);
const v2bin = framed(binaryHeader({}), raws);
const v2binOut = framed(binaryHeader({ parameters: { binary_data_output: true } }), raws);

/** [label, route, body, content type, Inference-Header-Content-Length] */
const FORMATS = [
  [
    "dataframe_split JSON",
    "/invocations",
    JSON.stringify({ dataframe_split: { columns: COLS, data: rows } }),
    "application/json",
  ],
  [
    "dataframe_records JSON",
    "/invocations",
    JSON.stringify({ dataframe_records: records }),
    "application/json",
  ],
  ["MLflow `inputs` JSON (records)", "/invocations", JSON.stringify({ inputs: records }), "application/json"],
  ["`instances` JSON (records)", "/invocations", JSON.stringify({ instances: records }), "application/json"],
  ["CSV", "/invocations", csvText, "text/csv"],
  ["Arrow IPC stream", "/invocations", arrowBody, "application/vnd.apache.arrow.stream"],
  ["binary tensor (/invocations)", "/invocations", inv.body, "application/octet-stream", inv.headerLength],
  ["v2 `inputs` JSON", "/v2/models/mlflow-model/infer", v2Json, "application/json"],
  [
    "v2 binary tensor, JSON answer",
    "/v2/models/mlflow-model/infer",
    v2bin.body,
    "application/octet-stream",
    v2bin.headerLength,
  ],
  [
    "v2 binary tensor, binary answer",
    "/v2/models/mlflow-model/infer",
    v2binOut.body,
    "application/octet-stream",
    v2binOut.headerLength,
  ],
];

const bytesOf = (b) => (typeof b === "string" ? Buffer.byteLength(b) : b.byteLength);
const asBytes = (b) => (typeof b === "string" ? Buffer.from(b) : b);

/** One in-process scoring of a body: status and the time. */
async function inProcess([, route, body, type, headerLength]) {
  const start = performance.now();
  let ok;
  let detail = "";
  if (route === "/invocations") {
    const outcome = await scoreRequest(
      model,
      asBytes(body),
      type,
      headerLength ? { binaryHeaderLength: headerLength } : {},
    );
    ok = outcome.kind === "ok";
    if (!ok) detail = String(outcome.error?.message ?? outcome.error).slice(0, 60);
  } else {
    const r = await handleV2Infer(model, "mlflow-model", asBytes(body), headerLength);
    ok = r.status === 200;
    if (!ok) detail = String(r.body).slice(0, 60);
  }
  return { ms: performance.now() - start, ok, detail };
}

const range = (xs) => {
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  const f = (v) => Math.round(v).toLocaleString("en-US");
  return lo === hi ? f(lo) : `${f(lo)}–${f(hi)}`;
};

console.log(
  `${ROWS.toLocaleString("en-US")} rows × 4 features, XGBoost regressor fixture, ${ROUNDS} rounds; load average ${(
    await import("node:os")
  )
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}`,
);
const results = new Map(FORMATS.map((f) => [f[0], { inproc: [], http: [], detail: "" }]));
// in-process: one warm-up, then one scoring per format per round (formats interleaved across rounds)
for (const f of FORMATS) await inProcess(f);
for (let round = 0; round < ROUNDS; round++) {
  for (const f of FORMATS) {
    const r = await inProcess(f);
    const slot = results.get(f[0]);
    if (r.ok) slot.inproc.push(ROWS / (r.ms / 1000));
    else slot.detail = r.detail;
  }
}

const server = await createServer({
  modelUri: m.modelDir,
  imports: [m.flavor],
  workers: 1,
  bodyLimit: 200 * 1024 * 1024,
  logger: false,
});
const url = await server.listen({ host: "127.0.0.1", port: 0 });
async function overHttp([, route, body, type, headerLength]) {
  const headers = { "content-type": type };
  if (headerLength) headers["inference-header-content-length"] = headerLength;
  const start = performance.now();
  const res = await fetch(`${url}${route}`, { method: "POST", body, headers });
  const answer = Buffer.from(await res.arrayBuffer());
  return {
    ms: performance.now() - start,
    ok: res.status === 200,
    detail: `${res.status} ${answer.toString("utf8", 0, 60)}`,
    size: answer.byteLength,
  };
}
const answerSizes = new Map();
for (const f of FORMATS) await overHttp(f); // warm-up
for (let round = 0; round < ROUNDS; round++) {
  for (const f of FORMATS) {
    const slot = results.get(f[0]);
    const start = performance.now();
    let ok = true;
    for (let i = 0; i < HTTP_REQUESTS; i++) {
      const r = await overHttp(f);
      answerSizes.set(f[0], r.size);
      if (!r.ok) {
        ok = false;
        slot.detail ||= r.detail;
      }
    }
    if (ok) slot.http.push((ROWS * HTTP_REQUESTS) / ((performance.now() - start) / 1000));
  }
}
await server.close();

const table = FORMATS.map(([label, , body]) => {
  const r = results.get(label);
  return {
    format: label,
    "body MB": (bytesOf(body) / 1e6).toFixed(1),
    "answer MB": ((answerSizes.get(label) ?? 0) / 1e6).toFixed(1),
    "in-process rows/s": r.inproc.length > 0 ? range(r.inproc) : `failed: ${r.detail}`,
    [`HTTP rows/s (${HTTP_REQUESTS} sequential)`]: r.http.length > 0 ? range(r.http) : `failed: ${r.detail}`,
  };
});
console.table(table);
