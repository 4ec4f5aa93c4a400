import { fileURLToPath } from "node:url";
import type { TensorDict } from "@pyfunc/core";
import { runFlavorConformance } from "@pyfunc/core/testing";
import { expect } from "vitest";
import { onnxFlavor, saveModel } from "./index.js";

const MODEL = fileURLToPath(new URL("../fixtures/external-data/model.onnx", import.meta.url));

runFlavorConformance({
  plugin: onnxFlavor,
  saveExample: async (dir) => {
    await saveModel(dir, { onnxModel: MODEL });
  },
  input: {
    input: { dtype: "float32", shape: [2, 4], data: Float32Array.of(0.1, 0.2, 0.3, 0.4, -1, 0, 1, 2) },
  },
  check: (output) => {
    const out = output as TensorDict;
    expect(out.output?.dtype).toBe("float32");
    expect(out.output?.shape).toEqual([2, 3]);
  },
  badInput: { input: { dtype: "int64", shape: [1, 4], data: new BigInt64Array(4) } },
});
