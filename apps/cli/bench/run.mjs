#!/usr/bin/env node
// Benchmark: rows/s of `pyfunc predict` (the built binary, as a child process) on a 1,000,000-row CSV with the
// XGBoost example model (fixtures/xgb-regressor), with 1 and 2 worker threads. Reported with ratios against
// a baseline measured in the same run: the model alone (in-process loadModel + predict on ready 10,000-row
// DataFrames, no CSV parsing, no JSON output), so the CLI's overhead and the workers' gain are visible; a
// second in-process line times chunking + core's CSV parsing alone, to show where the CLI's time goes.
//   pnpm -F @pyfunc/cli bench            ROWS=200000 pnpm -F @pyfunc/cli bench   (smaller run)
import { spawnSync } from "node:child_process";
import { once } from "node:events";
import { createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const cliDir = join(here, "..");
const bin = join(cliDir, "dist", "bin.js");
const model = join(cliDir, "fixtures", "xgb-regressor");
const ROWS = Number(process.env.ROWS ?? 1_000_000);
const REPEAT = Number(process.env.REPEAT ?? 2);
const FEATURES = Array.from({ length: 8 }, (_, j) => `f${j}`);
const value = (i, j) => ((i * 31 + j * 17) % 97) / 8 - 6;

const dir = mkdtempSync(join(tmpdir(), "pyfunc-cli-bench-"));
const csv = join(dir, "rows.csv");

async function writeCsv() {
  const out = createWriteStream(csv);
  let buf = `${FEATURES.join(",")}\n`;
  for (let i = 0; i < ROWS; i++) {
    for (let j = 0; j < 8; j++) buf += `${j ? "," : ""}${value(i, j)}`;
    buf += "\n";
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, "drain");
      buf = "";
    }
  }
  out.end(buf);
  await once(out, "finish");
}

function runCli(workers) {
  const out = join(dir, `out-${workers}.json`);
  const t0 = process.hrtime.bigint();
  const r = spawnSync(
    process.execPath,
    [bin, "predict", "-m", model, "-i", csv, "-o", out, "--workers", String(workers), "--report-rss"],
    { encoding: "utf8" },
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`pyfunc predict failed (${r.status}): ${r.stderr}`);
  const rss = JSON.parse(/peak RSS (\{.*\})/.exec(r.stderr)[1]).maxRssKb;
  return { seconds, rowsPerSecond: ROWS / seconds, peakRssMb: rss / 1024 };
}

async function modelOnly() {
  const core = await import("@pyfunc/core");
  await import("@pyfunc/xgboost");
  const m = await core.loadModel(model);
  const chunk = 10_000;
  const columns = {};
  for (let j = 0; j < 8; j++) {
    const col = new Float64Array(chunk);
    for (let i = 0; i < chunk; i++) col[i] = value(i, j);
    columns[FEATURES[j]] = col;
  }
  const df = core.DataFrame.fromColumns(columns);
  await m.predict(df); // warm up
  const t0 = process.hrtime.bigint();
  for (let done = 0; done < ROWS; done += chunk) await m.predict(df);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await m.close();
  return { seconds, rowsPerSecond: ROWS / seconds };
}

/** In-process: split the CSV with the CLI's chunker and parse each chunk with core (no predict, no output). */
async function parseOnly() {
  const core = await import("@pyfunc/core");
  const { parseScoringRequestAsync } = await import("@pyfunc/core/protocol");
  const { readFileSync, createReadStream } = await import("node:fs");
  const { CsvChunker } = await import("../dist/predict/chunker.js");
  const sig = core.Model.fromYaml(readFileSync(join(model, "MLmodel"), "utf8")).getSignatureDict();
  const t0 = process.hrtime.bigint();
  const chunker = new CsvChunker(10_000);
  let rows = 0;
  const parse = async (c) => {
    const parsed = await parseScoringRequestAsync(c.body, "text/csv", { inputs: sig.inputs });
    rows += parsed.input.numRows ?? 0;
  };
  for await (const data of createReadStream(csv, { highWaterMark: 1 << 20 })) {
    for (const c of chunker.push(data)) await parse(c);
  }
  for (const c of chunker.end()) await parse(c);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (rows !== ROWS) throw new Error(`parsed ${rows} rows, expected ${ROWS}`);
  return { seconds, rowsPerSecond: ROWS / seconds };
}

function best(runs) {
  return runs.reduce((a, b) => (b.rowsPerSecond > a.rowsPerSecond ? b : a));
}

try {
  await writeCsv();
  console.log(
    `pyfunc predict bench: ${ROWS.toLocaleString("en")} rows x 8 features, CSV ${(statSync(csv).size / 1e6).toFixed(1)} MB, ` +
      `${cpus().length} CPUs, node ${process.version}, best of ${REPEAT}`,
  );
  const baselineRuns = [];
  for (let k = 0; k < REPEAT; k++) baselineRuns.push(await modelOnly());
  const baseline = best(baselineRuns);
  const parseRuns = [];
  for (let k = 0; k < REPEAT; k++) parseRuns.push(await parseOnly());
  const parsing = best(parseRuns);
  const results = {};
  for (const w of [1, 2]) {
    const runs = [];
    for (let k = 0; k < REPEAT; k++) runs.push(runCli(w));
    results[w] = best(runs);
  }
  const fmt = (n) => Math.round(n).toLocaleString("en").padStart(10);
  console.log(`  baseline (model only, in-process)   ${fmt(baseline.rowsPerSecond)} rows/s`);
  console.log(
    `  CSV chunk + parse only (core)       ${fmt(parsing.rowsPerSecond)} rows/s  (${(parsing.rowsPerSecond / baseline.rowsPerSecond).toFixed(2)}x baseline)`,
  );
  for (const w of [1, 2]) {
    const r = results[w];
    console.log(
      `  pyfunc predict --workers ${w}           ${fmt(r.rowsPerSecond)} rows/s  ` +
        `(${(r.rowsPerSecond / baseline.rowsPerSecond).toFixed(2)}x baseline, ${r.seconds.toFixed(1)} s, peak RSS ${r.peakRssMb.toFixed(0)} MB)`,
    );
  }
  console.log(
    `  ratio workers 2 / workers 1: ${(results[2].rowsPerSecond / results[1].rowsPerSecond).toFixed(2)}x`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
