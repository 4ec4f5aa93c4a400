import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Tensor } from "@pyfunc/core";
import { runLogModelRoundTrip } from "@pyfunc/core/testing";
import { expect } from "vitest";
import { logModel } from "./index.js";

const caseDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "../fixtures/dense-classifier");
type Run = Record<string, { dtype: string; shape: number[]; data: number[] }>;
const input = (JSON.parse(readFileSync(path.join(caseDir, "inputs.json"), "utf8")) as { runs: Run[] })
  .runs[0]!;
const expected = (JSON.parse(readFileSync(path.join(caseDir, "expected.json"), "utf8")) as { runs: Run[] })
  .runs[0]!;

runLogModelRoundTrip({
  logModel,
  saveOptions: { tfjsModel: path.join(caseDir, "model.json") },
  name: "tfjs-dense",
  check: async (model) => {
    const x = Object.values(input)[0]!;
    const out = (await model.predict({
      dtype: "float32",
      shape: x.shape,
      data: Float32Array.from(x.data),
    })) as Tensor;
    const want = Object.values(expected)[0]!;
    expect(out.shape).toEqual(want.shape);
    const worst = Math.max(...Array.from(out.data as Float32Array, (v, i) => Math.abs(v - want.data[i]!)));
    expect(worst).toBeLessThan(1e-5);
  },
});
