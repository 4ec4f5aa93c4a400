import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { MlflowException } from "@pyfunc/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkExternalLocation, externalDataLocations } from "./external-data.js";

const FIXTURES = fileURLToPath(new URL("../fixtures/", import.meta.url));

// protobuf writers for building test models
function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}
function field(num: number, payload: number[]): number[] {
  return [...varint(num * 8 + 2), ...varint(payload.length), ...payload];
}
const str = (s: string) => [...new TextEncoder().encode(s)];
const tensorWithLocation = (loc: string) =>
  field(13, [...field(1, str("location")), ...field(2, str(loc))]).concat(field(8, str("w")));

describe("externalDataLocations", () => {
  it("finds the <uuid>.data sidecar of the external-data fixture and nothing in inline models", () => {
    const sidecar = readdirSync(join(FIXTURES, "external-data")).find((f) => f.endsWith(".data"));
    expect(externalDataLocations(readFileSync(join(FIXTURES, "external-data", "model.onnx")))).toEqual([
      sidecar,
    ]);
    for (const c of ["mlp-dynamic-batch", "convnet", "zipmap", "int64-embedding"]) {
      expect(externalDataLocations(readFileSync(join(FIXTURES, c, "model.onnx")))).toEqual([]);
    }
  });

  it("finds locations in initializers, node tensor attributes and nested subgraphs", () => {
    const node = field(1, field(5, field(5, tensorWithLocation("attr.bin")))); // node → attribute → t
    const graph = [
      ...field(5, tensorWithLocation("a.bin")),
      ...node,
      ...field(5, tensorWithLocation("a.bin")),
    ];
    const model = new Uint8Array([...varint(1 * 8), 7, ...field(7, graph)]);
    expect(externalDataLocations(model).sort()).toEqual(["a.bin", "attr.bin"].sort());
    // model → graph → node → attribute → g (a Loop body) → initializer
    const model2 = new Uint8Array(
      field(7, field(1, field(5, field(6, field(5, tensorWithLocation("deep.bin")))))),
    );
    expect(externalDataLocations(model2)).toEqual(["deep.bin"]);
  });

  it("never throws anything but MlflowException and always terminates on arbitrary bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        try {
          const out = externalDataLocations(bytes);
          expect(Array.isArray(out)).toBe(true);
        } catch (e) {
          expect(e).toBeInstanceOf(MlflowException);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("survives truncation and bit flips of a real model without crashing", () => {
    const real = new Uint8Array(readFileSync(join(FIXTURES, "external-data", "model.onnx")));
    fc.assert(
      fc.property(
        fc.nat(real.length),
        fc.nat(real.length - 1),
        fc.integer({ min: 0, max: 255 }),
        (cut, pos, byte) => {
          const mutated = real.slice(0, Math.max(cut, 1));
          if (pos < mutated.length) mutated[pos] = byte;
          try {
            externalDataLocations(mutated);
          } catch (e) {
            expect(e).toBeInstanceOf(MlflowException);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe("checkExternalLocation", () => {
  it("accepts plain relative names and refuses absolute paths and parent escapes", () => {
    expect(checkExternalLocation("5eed.data")).toBe("5eed.data");
    expect(checkExternalLocation("weights/w.bin")).toBe(join("weights", "w.bin"));
    for (const bad of ["/etc/passwd", "../x.data", "a/../../x", "..", "", "a\0b"]) {
      expect(() => checkExternalLocation(bad)).toThrow(MlflowException);
    }
  });
});
