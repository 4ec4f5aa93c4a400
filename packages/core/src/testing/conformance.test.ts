// Core runs its own conformance kit against the small test flavor, once non-streamable and once streamable.
import { expect } from "vitest";
import { makeScalePlugin, saveScaleModel } from "./__tests__/test-flavor.js";
import { runFlavorConformance } from "./conformance.js";

runFlavorConformance({
  plugin: makeScalePlugin(),
  saveExample: (dir) =>
    saveScaleModel(dir, 2, {
      signature: { inputs: '[{"type": "double", "name": "x", "required": true}]', outputs: null },
    }),
  input: [{ x: 1.5 }, { x: 4.25 }],
  check: (output) => expect(output).toEqual([3, 8.5]),
  badInput: [{ y: 1 }],
});

runFlavorConformance({
  title: "streamable scale flavor conformance",
  plugin: makeScalePlugin(),
  saveExample: (dir) => saveScaleModel(dir, 3, { pyfuncExtra: { streamable: true } }),
  input: [{ x: 1 }],
  streamable: true,
  check: (output) => expect(output).toEqual([3]),
  checkStream: (chunks) => expect(chunks).toEqual([{ value: 3 }]),
});
