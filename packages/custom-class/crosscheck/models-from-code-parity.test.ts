import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DataFrame, loadModel, Model } from "@pyfunc/core";
import { afterAll, describe, expect, it } from "vitest";
import { saveModel } from "../src/index.js";

// <repo root>/../shared/fixtures, computed from this file: packages/custom-class/crosscheck/ → repo root is ../../..
const HERE = path.dirname(fileURLToPath(import.meta.url));
const SHARED = path.resolve(HERE, "../../../../shared/fixtures");
const tmp = mkdtempSync(path.join(os.tmpdir(), "pyfunc-custom-class-crosscheck-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

for (const version of ["2.17.2", "3.5.2.dev0"]) {
  const CASE = path.join(SHARED, `mlflow-real/mlflow-${version}/pyfunc-models-from-code`);
  describe.skipIf(!existsSync(CASE))(
    `JS port of MLflow ${version} pyfunc-models-from-code (${existsSync(CASE) ? "shared fixtures found" : `skipped: ${CASE} is absent`})`,
    () => {
      it("saved with the Python model's signature and model_config, predicts what MLflow predicted (with and without params)", async () => {
        const py = await Model.load(path.join(CASE, "model"));
        const pyBlock = py.flavors.python_function as Record<string, unknown>;
        const target = path.join(tmp, version);
        await saveModel(target, {
          pythonModel: path.join(HERE, "sources/polynomial.mjs"),
          signature: py.signature ?? null,
          modelConfig: pyBlock.config as Record<string, unknown>,
        });
        const input = JSON.parse(readFileSync(path.join(CASE, "input.json"), "utf8")) as {
          input: { data: number[][] };
          params: Record<string, unknown>;
        };
        const expected = JSON.parse(readFileSync(path.join(CASE, "expected_predictions.json"), "utf8")) as {
          predictions: { data: number[] };
          predictions_default_params: { data: number[] };
        };
        const frame = DataFrame.fromColumns({
          x: Float64Array.from(input.input.data.map((r) => r[0] as number)),
        });
        const model = await loadModel(target);
        expect(await model.predict(frame, input.params)).toEqual(expected.predictions.data);
        expect(await model.predict(frame)).toEqual(expected.predictions_default_params.data);
      });
    },
  );
}
