import path from "node:path";
import { fileURLToPath } from "node:url";
import { runFlavorConformance } from "@pyfunc/core/testing";
import { expect } from "vitest";
import { customClassFlavor, saveModel } from "./index.js";

const SOURCES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../test-sources");

runFlavorConformance({
  title: "custom-class flavor conformance (streamable context-free model)",
  plugin: customClassFlavor,
  saveExample: async (dir) => {
    await saveModel(dir, {
      pythonModel: path.join(SOURCES, "context-free.mjs"),
      modelConfig: { prefix: "> " },
      signature: {
        inputs: '[{"type": "string", "name": "text", "required": true}]',
        outputs: null,
        params: null,
      },
    });
  },
  input: [{ text: "hello world" }, { text: "bye" }],
  check: (output) => expect(output).toEqual(["> hello world", "> bye"]),
  streamable: true,
  checkStream: (chunks) => expect(chunks).toEqual([">", "hello", "world", ">", "bye"]),
  badInput: [{ other: 1 }],
});

runFlavorConformance({
  title: "custom-class flavor conformance (TypeScript model with artifacts and zod schema)",
  plugin: customClassFlavor,
  saveExample: async (dir) => {
    await saveModel(dir, {
      pythonModel: path.join(SOURCES, "scorer.ts"),
      artifacts: {
        weights: path.join(SOURCES, "data/weights.json"),
        vocab: path.join(SOURCES, "data/vocab"),
      },
      modelConfig: { greeting: "hi", scale: 2 },
    });
  },
  input: [{ x: 1.5, name: "alice" }],
  check: (output) => expect(output).toEqual([{ score: 1.5, greeting: "hi alice", known: true }]),
  badInput: [{ x: 1.5 }],
});
