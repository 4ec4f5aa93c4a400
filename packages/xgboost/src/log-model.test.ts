import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { runLogModelRoundTrip } from "@pyfunc/core/testing";
import { expect } from "vitest";
import { logModel } from "./index.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const caseDir = path.join(here, "../fixtures/mlflow/regressor-json");
const modelFile = path.join(caseDir, "model/model.json");
const input = JSON.parse(readFileSync(path.join(caseDir, "input.json"), "utf8")) as {
  columns: string[];
  data: number[][];
};
const expected = JSON.parse(readFileSync(path.join(caseDir, "expected.json"), "utf8")) as {
  predictions: { data: number[] };
};

runLogModelRoundTrip({
  logModel,
  saveOptions: { model: modelFile, modelClass: "xgboost.sklearn.XGBRegressor" },
  name: "xgb-regressor",
  check: async (model) => {
    expect(model.metadata.flavors.xgboost).toMatchObject({ model_class: "xgboost.sklearn.XGBRegressor" });
    expect(model.loaderModule).toBe("mlflow.xgboost");
    const rows = input.data.map((r) => Object.fromEntries(input.columns.map((c, j) => [c, r[j]])));
    const out = (await model.predict(rows)) as { data: Float32Array };
    expect(Array.from(out.data)).toEqual(expected.predictions.data);
  },
});
