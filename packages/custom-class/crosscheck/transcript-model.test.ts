import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadModel } from "@pyfunc/core";
import { describe, expect, it } from "vitest";
import "../src/index.js";

// <repo root>/../shared/fixtures, computed from this file: packages/custom-class/crosscheck/ → repo root is ../../..
const HERE = path.dirname(fileURLToPath(import.meta.url));
const SHARED = path.resolve(HERE, "../../../../shared/fixtures");
const MODEL = path.resolve(HERE, "../fixtures/transcript-model");

interface Frame {
  columns: string[];
  data: unknown[][];
}

function records(frame: Frame): Record<string, unknown>[] {
  return frame.data.map((row) => Object.fromEntries(frame.columns.map((c, i) => [c, row[i]])));
}

function rowsOf(output: unknown): Record<string, unknown>[] {
  const f = output as { toRecords?: () => Record<string, unknown>[] };
  return typeof f.toRecords === "function" ? f.toRecords() : (output as Record<string, unknown>[]);
}

for (const version of ["2.17.2", "3.5.2.dev0"]) {
  const CASE = path.join(SHARED, `mlflow-real/mlflow-${version}/pyfunc-python-model`);
  describe.skipIf(!existsSync(CASE))(
    `JS transcript-model vs MLflow ${version} pyfunc-python-model (${existsSync(CASE) ? "shared fixtures found" : `skipped: ${CASE} is absent`})`,
    () => {
      const input = JSON.parse(readFileSync(path.join(CASE, "input.json"), "utf8")) as {
        input: Frame;
        params: Record<string, unknown>;
      };
      const expected = JSON.parse(readFileSync(path.join(CASE, "expected_predictions.json"), "utf8")) as {
        predictions: Frame;
        predictions_default_params: Frame;
      };

      it("matches MLflow's predictions with params", async () => {
        const model = await loadModel(MODEL);
        const out = rowsOf(await model.predict(records(input.input), input.params));
        expect(out).toEqual(records(expected.predictions));
      });

      it("matches MLflow's predictions with the default params", async () => {
        const model = await loadModel(MODEL);
        const out = rowsOf(await model.predict(records(input.input)));
        expect(out).toEqual(records(expected.predictions_default_params));
      });

      it("declares the same signature as the Python model", async () => {
        const { Model } = await import("@pyfunc/core");
        const py = await Model.load(path.join(CASE, "model"));
        const js = await Model.load(MODEL);
        const parsed = (sig: typeof js.signature) => ({
          inputs: JSON.parse(sig?.inputs ?? "null"),
          outputs: JSON.parse(sig?.outputs ?? "null"),
          params: JSON.parse(sig?.params ?? "null"),
        });
        expect(parsed(js.signature)).toEqual(parsed(py.signature));
        expect((js.flavors.js_function as Record<string, unknown>).config).toEqual(
          (py.flavors.python_function as Record<string, unknown>).config,
        );
      });
    },
  );
}
