import path from "node:path";
import { fileURLToPath } from "node:url";
import { runLogModelRoundTrip } from "@pyfunc/core/testing";
import { expect } from "vitest";
import { logModel } from "./index.js";

const here = path.dirname(fileURLToPath(import.meta.url));

runLogModelRoundTrip({
  logModel,
  saveOptions: { modelCode: path.join(here, "../test-sources/js-model.mjs") },
  name: "fn-model",
  check: async (model) => {
    const out = (await model.predict(["a", "b"])) as string[];
    expect(out).toHaveLength(2);
    expect(out[1]?.startsWith("b")).toBe(true);
  },
});
