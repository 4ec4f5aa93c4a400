import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as core from "@pyfunc/core";
import { runFlavorConformance } from "@pyfunc/core/testing";
import { expect } from "vitest";
import { caseFrame, numbers, readCase } from "./__tests__/fixture-case.js";
import { lightgbmFlavor, saveModel } from "./index.js";

const c = readCase(resolve(dirname(fileURLToPath(import.meta.url)), "../fixtures/regression-sqrt"));
const signature = {
  inputs: JSON.stringify(c.input.columns.map((name) => ({ type: "double", name, required: true }))),
  outputs: JSON.stringify([{ type: "tensor", "tensor-spec": { dtype: "float64", shape: [-1] } }]),
  params: null,
};

runFlavorConformance({
  plugin: lightgbmFlavor,
  saveExample: async (dir) => {
    await saveModel(dir, { model: join(c.dir, "model.txt"), signature });
  },
  input: caseFrame(c.input),
  check: (output) => {
    const t = output as core.Tensor;
    expect(t.dtype).toBe("float64");
    expect(Array.from(t.data as Float64Array)).toEqual(numbers(c.expected.pyfunc_predict!.data));
  },
  badInput: core.DataFrame.fromColumns({ [c.input.columns[0]!]: [1.5] }),
});
