import path from "node:path";
import { fileURLToPath } from "node:url";
import { runLogModelRoundTrip } from "@pyfunc/core/testing";
import { expect } from "vitest";
import { logModel } from "./index.js";

const here = path.dirname(fileURLToPath(import.meta.url));

runLogModelRoundTrip({
  logModel,
  saveOptions: { pythonModel: path.join(here, "../fixtures/sources/echo.mjs") },
  name: "echo",
  check: async (model) => {
    expect(await model.predict([{ text: "hi there" }])).toEqual(["hi there"]);
    expect(model.isStreamable).toBe(true);
  },
});
