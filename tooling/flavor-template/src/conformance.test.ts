import { DataFrame, type Tensor } from "@pyfunc/core";
import { runFlavorConformance } from "@pyfunc/core/testing";
import { expect } from "vitest";
import { linearTemplateFlavor, predictLinearTemplate, saveModel } from "./index.js";

const model = { coef: [[1], [2]], intercept: [0.5] };
const input = DataFrame.fromColumns({ a: Float64Array.of(1, 3.5), b: Float64Array.of(2.5, 4) });

// core's contract for a flavor: save → load → predict, MLmodel metadata, env files, moved directories, errors
runFlavorConformance({
  plugin: linearTemplateFlavor,
  saveExample: async (dir) => {
    await saveModel(dir, { model, inputExample: DataFrame.fromColumns({ a: [1.5], b: [2.5] }) });
  },
  input,
  check: (output) => {
    const t = output as Tensor<"float64">;
    expect(t).toMatchObject({ dtype: "float64", shape: [2, 1] });
    const expected = predictLinearTemplate(model, Float64Array.of(1, 2.5, 3.5, 4), 2);
    expect(Array.from(t.data as Float64Array)).toEqual(Array.from(expected.data as Float64Array));
    expect(Array.from(t.data as Float64Array)).toEqual([1 + 2 * 2.5 + 0.5, 3.5 + 2 * 4 + 0.5]);
  },
  badInput: DataFrame.fromColumns({ a: [1.5] }),
});
