import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as core from "@pyfunc/core";
import { serializePredictions } from "@pyfunc/core/protocol";
import { describe, expect, it } from "vitest";
import "../src/index.js";
import { expectMatches } from "../src/__tests__/compare.js";

const here = dirname(fileURLToPath(import.meta.url));
const realRoot = resolve(here, "../../../../shared/fixtures/mlflow-real");
const present = existsSync(realRoot);
if (!present)
  console.warn(`[crosscheck] ${realRoot} not found: skipping the MLflow-written XGBoost directories`);

interface FrameJson {
  kind: string;
  columns: string[];
  dtypes: Record<string, string>;
  data: (number | null)[][];
}

const DataFrame = (core as unknown as { DataFrame: typeof core.DataFrame }).DataFrame;

function frameOf(input: FrameJson) {
  const cols: Record<string, Float64Array> = {};
  input.columns.forEach((name, j) => {
    cols[name] = Float64Array.from(input.data, (row) => (row[j] === null ? Number.NaN : (row[j] as number)));
  });
  return DataFrame.fromColumns(cols);
}

const dirs: string[] = [];
if (present) {
  for (const peer of readdirSync(realRoot).sort()) {
    const p = join(realRoot, peer);
    if (!peer.startsWith("mlflow-") || !statSync(p).isDirectory()) continue;
    for (const d of readdirSync(p).sort()) if (d.startsWith("xgboost-")) dirs.push(join(peer, d));
  }
}

describe.skipIf(!present)("MLflow-written xgboost model directories", () => {
  it("finds the xgboost fixtures of both MLflow versions", () => {
    expect(dirs.length).toBeGreaterThanOrEqual(20);
  });
  for (const d of dirs) {
    it(`${d}: pyfunc predict equals mlflow.pyfunc predict`, async () => {
      const dir = join(realRoot, d);
      const input = JSON.parse(readFileSync(join(dir, "input.json"), "utf8")) as { input: FrameJson };
      const expected = JSON.parse(readFileSync(join(dir, "expected_predictions.json"), "utf8")) as {
        predictions: { dtype: string; shape: number[]; data: unknown };
        served: unknown;
      };
      const model = await core.loadModel(join(dir, "model"), { suppressWarnings: true });
      expect(model.loaderModule).toBe("mlflow.xgboost");
      const out = (await model.predict(frameOf(input.input))) as core.Tensor;
      expect(out.dtype).toBe(expected.predictions.dtype);
      expectMatches(
        d,
        out as { data: ArrayLike<number | bigint>; shape: number[] },
        expected.predictions,
        true,
      );
      const served = JSON.parse(serializePredictions(out));
      expect(served).toEqual(expected.served);
      await model.close();
    });
  }
});
