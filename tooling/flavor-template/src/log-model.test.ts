import type { Tensor } from "@pyfunc/core";
import { runLogModelRoundTrip } from "@pyfunc/core/testing";
import { expect } from "vitest";
import { FLAVOR_NAME, logModel, PACKAGE_NAME } from "./index.js";

// logModel against core's fake MLflow tracking server: log to a run, register, load back through models:/
runLogModelRoundTrip({
  logModel,
  saveOptions: { model: { coef: [[2], [-1]], intercept: [1] }, inputExample: [{ x: 1.5, y: 2.5 }] },
  name: "linear-template-round-trip",
  check: async (model) => {
    expect(model.metadata.flavors[FLAVOR_NAME]).toMatchObject({ data: "model.json" });
    expect(model.loaderModule).toBe(PACKAGE_NAME);
    const out = (await model.predict([{ x: 3.5, y: 4.5 }])) as Tensor<"float64">;
    expect(Array.from(out.data as Float64Array)).toEqual([2 * 3.5 - 4.5 + 1]);
  },
});
