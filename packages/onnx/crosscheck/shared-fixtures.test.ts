// Cross-check against ../shared/fixtures (real files from real libraries). Runs in CI where ../shared
// exists next to the repository; skips with a message elsewhere.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DataFrame, loadModel, type Tensor, type TensorDict } from "@pyfunc/core";
import { describe, expect, it } from "vitest";
import { compareTensor, type JsonTensor, readRuns, toTensorDict } from "../src/__tests__/fixture-io.js";
import { loadOnnxModel } from "../src/index.js";

const HERE = dirname(fileURLToPath(import.meta.url));
// packages/onnx/crosscheck → repository root is three levels up; shared/ sits beside it.
const SHARED = join(HERE, "..", "..", "..", "..", "shared", "fixtures");
const HAVE_SHARED = existsSync(SHARED);
if (!HAVE_SHARED) {
  console.warn(
    `[crosscheck] ${SHARED} not found: skipping the ONNX cross-check (it runs in CI where ../shared exists).`,
  );
}

interface CaseJson {
  tolerance?: { abs?: number; rel?: number };
  model_file?: string;
}

const onnxRoot = join(SHARED, "onnx");
const onnxCases = HAVE_SHARED
  ? readdirSync(onnxRoot).filter((d) => existsSync(join(onnxRoot, d, "case.json")))
  : [];

describe.skipIf(!HAVE_SHARED)("../shared/fixtures/onnx: every case matches the recorded outputs", () => {
  it("finds the ONNX cases", () => {
    expect(onnxCases.length).toBeGreaterThanOrEqual(7);
  });
  for (const name of onnxCases) {
    it(name, async () => {
      const dir = join(onnxRoot, name);
      const c = JSON.parse(readFileSync(join(dir, "case.json"), "utf8")) as CaseJson;
      const tol = { abs: c.tolerance?.abs ?? 1e-5, rel: c.tolerance?.rel ?? 0 };
      const model = await loadOnnxModel(join(dir, c.model_file ?? "model.onnx"), { warn: () => {} });
      const { inputs, expected } = readRuns(dir);
      expect(inputs.length).toBe(expected.length);
      try {
        for (let r = 0; r < inputs.length; r++) {
          const out = (await model.predict(toTensorDict(inputs[r]!))) as TensorDict;
          for (const [k, want] of Object.entries(expected[r]!)) {
            expect(compareTensor(`run ${r} ${k}`, out[k], want, tol).problems).toEqual([]);
          }
        }
      } finally {
        await model.close();
      }
    });
  }
});

interface SelfDescribing {
  kind: string;
  dtype?: string;
  shape?: number[];
  columns?: string[];
  dtypes?: Record<string, string>;
  data: unknown[];
}

const realRoot = join(SHARED, "mlflow-real");
const realDirs = HAVE_SHARED
  ? readdirSync(realRoot)
      .filter((peer) => existsSync(join(realRoot, peer)) && !peer.endsWith(".txt"))
      .flatMap((peer) =>
        readdirSync(join(realRoot, peer))
          .filter((d) => d.startsWith("onnx"))
          .map((d) => join(peer, d)),
      )
  : [];

function flatRows(rows: unknown[]): number[] {
  return (rows as unknown[][]).flat(Number.POSITIVE_INFINITY) as number[];
}

describe.skipIf(!HAVE_SHARED)(
  "../shared/fixtures/mlflow-real: real MLflow onnx directories load and predict",
  () => {
    it("finds the MLflow onnx directories of both peers", () => {
      expect(realDirs.length).toBeGreaterThanOrEqual(4);
    });
    for (const rel of realDirs) {
      it(rel, async () => {
        const dir = join(realRoot, rel);
        const { input } = JSON.parse(readFileSync(join(dir, "input.json"), "utf8")) as {
          input: SelfDescribing;
        };
        const expected = JSON.parse(readFileSync(join(dir, "expected_predictions.json"), "utf8")) as {
          torch_reference: SelfDescribing;
          onnxruntime_node?: { output_name: string; data: unknown[] };
        };
        const model = await loadModel(join(dir, "model"), { suppressWarnings: true });
        try {
          expect(model.loaderModule).toBe("mlflow.onnx");
          const reference = flatRows(expected.torch_reference.data);
          const shape = expected.torch_reference.shape!;
          const want: JsonTensor = { dtype: "float32", shape, data: reference };
          if (input.kind === "numpy.ndarray") {
            // ndarray → {input0: array}; the result is a dict of named arrays
            const data = Float32Array.from(flatRows(input.data));
            const out = (await model.predict({ dtype: "float32", shape: input.shape!, data })) as TensorDict;
            expect(Object.keys(out)).toEqual(["output"]);
            expect(compareTensor("output", out.output, want, { abs: 1e-5 }).problems).toEqual([]);
          } else {
            // DataFrame → df.values for the single input; the result is a DataFrame whose (n, 3) output is
            // flattened into one column of n*3 rows (MLflow's format_output, mlflow#12539)
            const cols: Record<string, Float32Array> = {};
            input.columns!.forEach((c, j) => {
              cols[c] = Float32Array.from((input.data as number[][]).map((row) => row[j]!));
            });
            const out = (await model.predict(DataFrame.fromColumns(cols))) as DataFrame;
            expect(out).toBeInstanceOf(DataFrame);
            expect(out.columns).toEqual(["output"]);
            expect(out.numRows).toBe(reference.length);
            const t: Tensor = { dtype: "float32", shape, data: out.column("output").values as Float32Array };
            expect(compareTensor("output", t, want, { abs: 1e-5 }).problems).toEqual([]);
          }
        } finally {
          await model.close();
        }
      });
    }
  },
);
