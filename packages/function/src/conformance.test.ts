import path from "node:path";
import { fileURLToPath } from "node:url";
import { runFlavorConformance } from "@pyfunc/core/testing";
import { expect } from "vitest";
import { functionFlavor, saveModel } from "./index.js";

const SOURCES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../test-sources");

runFlavorConformance({
  title: "function flavor conformance (TypeScript source)",
  plugin: functionFlavor,
  saveExample: async (dir) => {
    await saveModel(dir, {
      modelCode: path.join(SOURCES, "ts-model.ts"),
      signature: {
        inputs:
          '[{"type": "double", "name": "x", "required": true}, {"type": "string", "name": "name", "required": true}]',
        outputs: null,
        params: null,
      },
    });
  },
  input: [{ x: 1.5, name: "a" }],
  check: (output) => expect(output).toEqual([{ y: 3, label: "<a>", bundler: "string" }]),
  badInput: [{ name: "a" }],
});

runFlavorConformance({
  title: "function flavor conformance (streaming JavaScript source)",
  plugin: functionFlavor,
  saveExample: async (dir) => {
    await saveModel(dir, { modelCode: path.join(SOURCES, "js-model.mjs") });
  },
  input: ["a", "b"],
  check: (output) => expect(output).toEqual([`a!${path.sep}`, `b!${path.sep}`]),
  streamable: true,
  checkStream: (chunks) => expect(chunks).toEqual(["a!", "b!"]),
});
