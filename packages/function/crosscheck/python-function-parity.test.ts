import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DataFrame, loadModel, Model } from "@pyfunc/core";
import { afterAll, describe, expect, it } from "vitest";
import { saveModel } from "../src/index.js";

// <repo root>/../shared/fixtures, computed from this file: packages/function/crosscheck/ → repo root is ../../..
const HERE = path.dirname(fileURLToPath(import.meta.url));
const SHARED = path.resolve(HERE, "../../../../shared/fixtures");
const tmp = mkdtempSync(path.join(os.tmpdir(), "pyfunc-function-crosscheck-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Frame {
  columns: string[];
  dtypes: Record<string, string>;
  data: unknown[][];
}

function frameOf(f: Frame): DataFrame {
  const cols: Record<string, Float64Array | BigInt64Array | unknown[]> = {};
  f.columns.forEach((c, j) => {
    const values = f.data.map((row) => row[j]);
    cols[c] =
      f.dtypes[c] === "float64"
        ? Float64Array.from(values as number[])
        : f.dtypes[c] === "int64"
          ? BigInt64Array.from(values as number[], BigInt)
          : values;
  });
  return DataFrame.fromColumns(cols);
}

for (const version of ["2.17.2", "3.5.2.dev0"]) {
  const CASE = path.join(SHARED, `mlflow-real/mlflow-${version}/pyfunc-function`);
  describe.skipIf(!existsSync(CASE))(
    `JS port of MLflow ${version} pyfunc-function (${existsSync(CASE) ? "shared fixtures found" : `skipped: ${CASE} is absent`})`,
    () => {
      it("saved with the Python model's signature, predicts what MLflow predicted", async () => {
        const py = await Model.load(path.join(CASE, "model"));
        const target = path.join(tmp, version);
        await saveModel(target, {
          modelCode: path.join(HERE, "sources/add-and-double.mjs"),
          signature: py.signature ?? null,
        });
        const input = JSON.parse(readFileSync(path.join(CASE, "input.json"), "utf8")) as { input: Frame };
        const expected = JSON.parse(readFileSync(path.join(CASE, "expected_predictions.json"), "utf8")) as {
          predictions: { data: number[] };
        };
        const model = await loadModel(target);
        expect(await model.predict(frameOf(input.input))).toEqual(expected.predictions.data);
      });
    },
  );
}
