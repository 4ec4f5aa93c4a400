import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as core from "@pyfunc/core";
import { runFlavorConformance } from "@pyfunc/core/testing";
import { expect } from "vitest";
import { xgboostFlavor } from "./plugin.js";
import { saveModel } from "./save.js";

const here = dirname(fileURLToPath(import.meta.url));
const caseDir = resolve(here, "../fixtures/mlflow/classifier-ubj");
const input = JSON.parse(readFileSync(join(caseDir, "input.json"), "utf8")) as {
  columns: string[];
  data: (number | null)[][];
};
const expected = JSON.parse(readFileSync(join(caseDir, "expected.json"), "utf8")) as {
  predictions: { data: number[] };
};
const { DataFrame } = core;
const frame = DataFrame.fromColumns(
  Object.fromEntries(
    input.columns.map((c, j) => [c, Float64Array.from(input.data, (r) => r[j] ?? Number.NaN)]),
  ),
);
const signature = {
  inputs: JSON.stringify(input.columns.map((name) => ({ type: "double", name, required: true }))),
  outputs: JSON.stringify([{ type: "tensor", "tensor-spec": { dtype: "int64", shape: [-1] } }]),
  params: null,
};

runFlavorConformance({
  plugin: xgboostFlavor,
  saveExample: async (dir) => {
    await saveModel(dir, {
      model: join(caseDir, "model/model.ubj"),
      modelClass: "xgboost.sklearn.XGBClassifier",
      signature,
    });
  },
  input: frame,
  check: (output) => {
    const t = output as core.Tensor;
    expect(t.dtype).toBe("int64");
    expect(Array.from(t.data as BigInt64Array, Number)).toEqual(expected.predictions.data);
  },
  badInput: DataFrame.fromColumns({ [input.columns[0]!]: [1.5] }),
});
