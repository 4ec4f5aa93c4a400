import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { runLogModelRoundTrip } from "@pyfunc/core/testing";
import { expect } from "vitest";
import { caseFrame, numbers, readCase } from "./__tests__/fixture-case.js";
import { logModel } from "./index.js";

const c = readCase(resolve(dirname(fileURLToPath(import.meta.url)), "../fixtures/rf-regression"));

runLogModelRoundTrip({
  logModel,
  saveOptions: { model: join(c.dir, "model.txt") },
  name: "lgb-rf-regression",
  check: async (model) => {
    expect(model.metadata.flavors.lightgbm).toMatchObject({ model_class: "lightgbm.basic.Booster" });
    expect(model.loaderModule).toBe("mlflow.lightgbm");
    const out = (await model.predict(caseFrame(c.input))) as { data: Float64Array };
    expect(Array.from(out.data)).toEqual(numbers(c.expected.pyfunc_predict!.data));
  },
});
