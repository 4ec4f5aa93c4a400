import { runFlavorConformance } from "@pyfunc/core/testing";
import { expect } from "vitest";
import { linearTemplatePlugin, saveModel } from "./index.js";

runFlavorConformance({
  plugin: linearTemplatePlugin,
  saveExample: async (dir) => {
    await saveModel(dir, {
      model: { coef: [[1], [2]], intercept: [0.5] },
      inputExample: [{ a: 1.5, b: 2.5 }],
    });
  },
  input: [
    { a: 1.0, b: 2.5 },
    { a: 3.5, b: 4.0 },
  ],
  check: (output) => {
    expect(output).toMatchObject({ dtype: "float64", shape: [2, 1] });
    expect(Array.from((output as { data: Float64Array }).data)).toEqual([6.5, 12]);
  },
  badInput: [{ a: 1.5 }],
});
