import path from "node:path";
import { fileURLToPath } from "node:url";
import { runLogModelRoundTrip } from "@pyfunc/core/testing";
import { expect } from "vitest";
import { logModel } from "./index.js";

const here = path.dirname(fileURLToPath(import.meta.url));

runLogModelRoundTrip({
  logModel,
  saveOptions: { onnxModel: path.join(here, "../fixtures/mlp-dynamic-batch/model.onnx") },
  name: "onnx-mlp",
  check: async (model) => {
    const out = (await model.predict({
      dtype: "float32",
      shape: [2, 10],
      data: new Float32Array(20),
    })) as Record<string, { shape: number[] }>;
    expect(Object.values(out)[0]?.shape).toEqual([2, 3]);
  },
});
