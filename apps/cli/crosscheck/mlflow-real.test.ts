// Cross-check: the built `pyfunc` binary on model directories written by real Python MLflow
// (<repo>/../shared/fixtures/mlflow-real). Loadable models must answer `pyfunc predict` with the body MLflow's
// scoring server sent (`served`), and `pyfunc validate` must accept MLflow's own serving_input_example.json;
// Python-only models must fail with exit code 5 and say why.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runCli, tempDir } from "../test/helpers.js";

const here = dirname(fileURLToPath(import.meta.url));
const REAL = resolve(here, "..", "..", "..", "..", "shared", "fixtures", "mlflow-real");
const present = existsSync(REAL);
if (!present)
  console.warn(`[crosscheck] ${REAL} not found: skipping the MLflow cross-check (it runs in CI).`);

interface Case {
  name: string;
  dir: string;
}

function cases(): Case[] {
  if (!present) return [];
  const out: Case[] = [];
  for (const peer of readdirSync(REAL).filter((p) => p.startsWith("mlflow-"))) {
    for (const c of readdirSync(join(REAL, peer))) {
      if (existsSync(join(REAL, peer, c, "model", "MLmodel")))
        out.push({ name: `${peer}/${c}`, dir: join(REAL, peer, c) });
    }
  }
  return out;
}

interface SelfDescribing {
  kind: string;
  columns?: string[];
  data: unknown;
}

function payloadOf(input: {
  input: SelfDescribing;
  params?: Record<string, unknown>;
}): Record<string, unknown> {
  const body: Record<string, unknown> =
    input.input.kind === "pandas.DataFrame"
      ? { dataframe_split: { columns: input.input.columns, data: input.input.data } }
      : { inputs: input.input.data };
  if (input.params) body.params = input.params;
  return body;
}

/** Deep equality with a relative tolerance for floats (float32 outputs may differ in the last bit). */
function close(a: unknown, b: unknown, path = "$"): string | undefined {
  if (typeof a === "number" && typeof b === "number") {
    return Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b)) ? undefined : `${path}: ${a} != ${b}`;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${path}: length ${a.length} != ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      const d = close(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  if (a && b && typeof a === "object" && typeof b === "object") {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    if (ka.join() !== kb.join()) return `${path}: keys ${ka} != ${kb}`;
    for (const k of ka) {
      const d = close((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
      if (d) return d;
    }
    return undefined;
  }
  return Object.is(a, b) ? undefined : `${path}: ${JSON.stringify(a)} != ${JSON.stringify(b)}`;
}

const PYTHON_ONLY = /^pyfunc-/;

describe.skipIf(!present)("pyfunc on real MLflow model directories (../shared/fixtures/mlflow-real)", () => {
  const work = present ? tempDir("pyfunc-cli-crosscheck-") : "";
  for (const c of cases()) {
    const short = c.name.split("/")[1]!;
    const model = join(c.dir, "model");
    const expected = JSON.parse(readFileSync(join(c.dir, "expected_predictions.json"), "utf8")) as Record<
      string,
      unknown
    >;
    const input = JSON.parse(readFileSync(join(c.dir, "input.json"), "utf8"));

    if (PYTHON_ONLY.test(short)) {
      it(`${c.name}: predict exits 5 and says the model cannot run in Node.js`, async () => {
        const r = await runCli(["predict", "-m", model], { input: JSON.stringify(payloadOf(input)) });
        expect(r.code).toBe(5);
        expect(r.stderr).toContain("cannot run in Node.js");
        const info = await runCli(["info", model]);
        expect(info.code).toBe(0);
        expect(info.stdout).toContain("NOT LOADABLE here");
      });
      continue;
    }

    it(`${c.name}: validate accepts MLflow's serving_input_example.json`, async () => {
      const r = await runCli(["validate", model, "-q"]);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toHaveProperty("predictions");
    });

    if (expected.served !== undefined) {
      it(`${c.name}: predict answers what MLflow's scoring server served (JSON and CSV)`, async () => {
        const r = await runCli(["predict", "-m", model], { input: JSON.stringify(payloadOf(input)) });
        expect(r.code, r.stderr).toBe(0);
        expect(close(JSON.parse(r.stdout), expected.served)).toBeUndefined();
        if (input.input.kind === "pandas.DataFrame") {
          const csv = join(work, `${c.name.replace("/", "-")}.csv`);
          const cols = input.input.columns as string[];
          const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
          const rows = (input.input.data as unknown[][]).map((row) =>
            row.map((v) => (v === null ? "" : String(v))).join(","),
          );
          writeFileSync(csv, `${cols.map(quote).join(",")}\n${rows.join("\n")}\n`);
          const viaCsv = await runCli(["predict", "-m", model, "-i", csv, "--chunk-size", "3"]);
          expect(viaCsv.code, viaCsv.stderr).toBe(0);
          expect(close(JSON.parse(viaCsv.stdout), expected.served)).toBeUndefined();
        }
      });
    } else if (expected.onnxruntime_node !== undefined && input.input.kind === "numpy.ndarray") {
      it(`${c.name}: predict matches onnxruntime's output for the tensor input`, async () => {
        const r = await runCli(["predict", "-m", model], { input: JSON.stringify(payloadOf(input)) });
        expect(r.code, r.stderr).toBe(0);
        const ort = expected.onnxruntime_node as { output_name: string; data: unknown };
        expect(close(JSON.parse(r.stdout), { predictions: { [ort.output_name]: ort.data } })).toBeUndefined();
      });
    }
  }
});
