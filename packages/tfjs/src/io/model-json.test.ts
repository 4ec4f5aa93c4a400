import { readFileSync } from "node:fs";
import path from "node:path";
import { MlflowException } from "@pyfunc/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FIXTURES_DIR } from "../test-support/fixtures.js";
import { checkLayerSizes, parseModelJson, weightByteLength } from "./model-json.js";

const denseJson = readFileSync(path.join(FIXTURES_DIR, "dense-classifier", "model.json"), "utf8");
const graphJson = readFileSync(path.join(FIXTURES_DIR, "graph-model", "model.json"), "utf8");

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

describe("parseModelJson", () => {
  it("reads a layers model.json and detects its format", () => {
    const m = parseModelJson(denseJson);
    expect(m.format).toBe("layers-model");
    expect(m.weightsManifest[0]!.paths).toEqual(["weights.bin"]);
    expect(m.weightsManifest[0]!.weights.map((w) => w.name)).toContain("hidden/kernel");
  });

  it("detects a graph model from its node list when 'format' is missing", () => {
    const raw = JSON.parse(graphJson);
    delete raw.format;
    expect(parseModelJson(JSON.stringify(raw)).format).toBe("graph-model");
  });

  it("accepts a UTF-8 byte order mark and bytes", () => {
    const bytes = new TextEncoder().encode(`\ufeff${denseJson}`);
    expect(parseModelJson(bytes).format).toBe("layers-model");
  });

  it.each([
    ["not JSON", "{"],
    ["a JSON list", "[]"],
    ["no topology", JSON.stringify({ weightsManifest: [] })],
    ["unknown format", JSON.stringify({ format: "keras", modelTopology: { class_name: "X", config: {} } })],
    [
      "paths not a list",
      JSON.stringify({
        modelTopology: { class_name: "X", config: {} },
        weightsManifest: [{ paths: "a", weights: [] }],
      }),
    ],
    [
      "negative dimension",
      JSON.stringify({
        modelTopology: { class_name: "X", config: {} },
        weightsManifest: [{ paths: [], weights: [{ name: "w", shape: [-1], dtype: "float32" }] }],
      }),
    ],
    [
      "bad dtype",
      JSON.stringify({
        modelTopology: { class_name: "X", config: {} },
        weightsManifest: [{ paths: [], weights: [{ name: "w", shape: [1], dtype: "float64" }] }],
      }),
    ],
    [
      "duplicate weight",
      JSON.stringify({
        modelTopology: { class_name: "X", config: {} },
        weightsManifest: [
          {
            paths: [],
            weights: [
              { name: "w", shape: [1], dtype: "float32" },
              { name: "w", shape: [1], dtype: "float32" },
            ],
          },
        ],
      }),
    ],
    [
      "graph nodes without op",
      JSON.stringify({ format: "graph-model", modelTopology: { node: [{ name: "x" }] } }),
    ],
  ])("rejects %s with INVALID_PARAMETER_VALUE", (_what, text) => {
    const err = errorOf(() => parseModelJson(text));
    expect(err).toBeInstanceOf(MlflowException);
    expect((err as MlflowException).errorCode).toBe("INVALID_PARAMETER_VALUE");
  });

  it("refuses a file larger than the limit before parsing", () => {
    const err = errorOf(() => parseModelJson(denseJson, { maxBytes: 100 }));
    expect((err as MlflowException).message).toMatch(/more than the limit of 100 bytes/);
  });

  it("never throws anything but MlflowException on arbitrary JSON values", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        const err = errorOf(() => parseModelJson(JSON.stringify(value)));
        if (err !== undefined) expect(err).toBeInstanceOf(MlflowException);
      }),
      { numRuns: 500 },
    );
  });

  it("never throws anything but MlflowException on arbitrary bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const err = errorOf(() => parseModelJson(bytes));
        if (err !== undefined) expect(err).toBeInstanceOf(MlflowException);
      }),
      { numRuns: 500 },
    );
  });
});

describe("weightByteLength", () => {
  it("counts plain, quantized and string weights", () => {
    const strings = new Uint8Array([2, 0, 0, 0, 104, 105, 0, 0, 0, 0]);
    const data = new Uint8Array(8 + 2 + strings.length);
    data.set(strings, 10);
    const n = weightByteLength(
      [
        { name: "a", shape: [2], dtype: "float32" },
        { name: "q", shape: [2], dtype: "float32", quantization: { dtype: "uint8", scale: 1, min: 0 } },
        { name: "s", shape: [2], dtype: "string" },
      ],
      data,
    );
    expect(n).toBe(8 + 2 + 10);
  });

  it("throws when the shards are shorter than the manifest says", () => {
    const err = errorOf(() =>
      weightByteLength([{ name: "a", shape: [3], dtype: "float32" }], new Uint8Array(8)),
    );
    expect((err as MlflowException).message).toMatch(/hold 8 bytes/);
  });

  it("rejects a string weight with more elements than the data could hold, without looping over them", () => {
    const err = errorOf(() =>
      weightByteLength([{ name: "s", shape: [1e12], dtype: "string" }], new Uint8Array(16)),
    );
    expect(err).toBeInstanceOf(MlflowException);
  });
});

describe("checkLayerSizes", () => {
  it("refuses a layer whose size exceeds the saved weights", () => {
    const topology = {
      class_name: "Sequential",
      config: { layers: [{ class_name: "Dense", config: { units: 1e9 } }] },
    };
    expect(() => checkLayerSizes(topology, 100)).toThrow(MlflowException);
    expect(() => checkLayerSizes(topology, 2e9)).not.toThrow();
  });
});
