import { isTensor, MlflowException } from "@pyfunc/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ServableModel } from "../model-types.js";
import { decodeV2Request, V2Error } from "../v2.js";
import {
  decodeRawContents,
  encodeRawContents,
  encodeTypedContents,
  type GrpcInferRequest,
  v2RequestOf,
} from "./tensors.js";

const DATATYPES = [
  "BOOL",
  "UINT8",
  "UINT16",
  "UINT32",
  "UINT64",
  "INT8",
  "INT16",
  "INT32",
  "INT64",
  "FP16",
  "FP32",
  "FP64",
  "BYTES",
] as const;
const WIDTHS: Record<string, number> = { BOOL: 1, UINT8: 1, INT8: 1, UINT16: 2, INT16: 2, FP16: 2 };
const widthOf = (d: string) => WIDTHS[d] ?? (d.endsWith("64") ? 8 : 4);

/** A 400 of either decoder: core's raw codec (MlflowException) or the v2 request decoder (V2Error). */
function expectBadRequest(error: unknown): void {
  if (error instanceof MlflowException) expect(error.httpStatus).toBe(400);
  else {
    expect(error).toBeInstanceOf(V2Error);
    expect((error as V2Error).status).toBe(400);
  }
}

const noSignature: ServableModel = { predict: async (x) => x };

/** The decoded request as the REST v2 decoder sees it. */
function decodeForModel(request: GrpcInferRequest) {
  return decodeV2Request(v2RequestOf(request).request, noSignature);
}

describe("raw_input_contents decoding", () => {
  it("random bytes, shapes and datatypes either decode to one value per element or give a 400 error", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...DATATYPES, "COMPLEX64", ""),
        fc.array(fc.integer({ min: 0, max: 2 ** 40 }), { maxLength: 6 }),
        fc.uint8Array({ maxLength: 256 }),
        (datatype, shape, bytes) => {
          try {
            const values = decodeRawContents("x", datatype, shape, bytes) as ArrayLike<unknown>;
            expect(values.length).toBe(shape.reduce((a, b) => a * b, 1));
            if (datatype !== "BYTES") expect(bytes.byteLength).toBe(values.length * widthOf(datatype));
          } catch (error) {
            expectBadRequest(error);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("mutated valid contents either decode or give a 400 error, and what decodes feeds the v2 decoder", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...DATATYPES),
        fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 3 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        fc.integer({ min: -3, max: 3 }),
        (datatype, shape, flips, cut) => {
          const size = shape.reduce((a, b) => a * b, 1);
          const values = Array.from({ length: size }, (_, i) =>
            datatype === "BYTES" ? `v${i}` : datatype === "BOOL" ? i % 2 === 0 : i % 100,
          );
          const raw = new Uint8Array(encodeRawContents(datatype === "FP16" ? "UINT16" : datatype, values));
          for (const [at, b] of flips) if (raw.length > 0) raw[at % raw.length] = b;
          const bytes = cut >= 0 ? raw : raw.subarray(0, Math.max(0, raw.length + cut));
          try {
            const decoded = decodeForModel({
              inputs: [{ name: "x", datatype, shape }],
              raw_input_contents: [bytes],
            });
            expect(isTensor(decoded.input)).toBe(true);
          } catch (error) {
            expectBadRequest(error);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("a BYTES length prefix that claims more than is there does not allocate it", () => {
    const lying = new Uint8Array([0xff, 0xff, 0xff, 0x7f, 1, 2, 3]);
    expect(() => decodeRawContents("x", "BYTES", [1], lying)).toThrow(/runs past the end/);
    expect(() => decodeRawContents("x", "BYTES", [2 ** 40], lying)).toThrow(/too few/);
  });

  it("round-trips every datatype's values without loss through raw contents into the v2 decoder's tensors", () => {
    const cases: [string, unknown[], (t: ArrayLike<unknown>) => unknown[]][] = [
      ["FP32", [1.5, -0, Number.NaN, Number.POSITIVE_INFINITY, -3.25e-20], (d) => Array.from(d)],
      ["FP64", [0.1, Number.NEGATIVE_INFINITY, 1e308], (d) => Array.from(d)],
      ["INT64", [2n ** 62n + 1n, -(2n ** 63n), 7n], (d) => Array.from(d)],
      ["UINT64", [2n ** 64n - 1n, 0n, 2n ** 63n], (d) => Array.from(d)],
      ["INT8", [-128, 127, 0], (d) => Array.from(d)],
      ["UINT32", [2 ** 32 - 1, 0, 5], (d) => Array.from(d)],
      ["BOOL", [true, false, true], (d) => Array.from(d, (v) => v === 1)],
      ["BYTES", ["", "naïve", "日本"], (d) => Array.from(d)],
    ];
    for (const [datatype, values, view] of cases) {
      const raw = encodeRawContents(datatype, values);
      const decoded = decodeForModel({
        inputs: [{ name: "x", datatype, shape: [values.length] }],
        raw_input_contents: [raw],
      });
      if (!isTensor(decoded.input)) throw new Error("expected a tensor");
      const expected = datatype === "FP32" ? values.map((v) => Math.fround(v as number)) : values;
      expect(view(decoded.input.data as ArrayLike<unknown>), datatype).toEqual(expected);
    }
  });

  it("decodes FP16 raw contents as half precision", () => {
    const halves = new Uint8Array(new Uint16Array([0x3c00, 0xc000, 0x7c00, 0x0001, 0x7e00]).buffer);
    const values = decodeRawContents("x", "FP16", [5], halves);
    expect(Array.from(values as Float32Array)).toEqual([
      1,
      -2,
      Number.POSITIVE_INFINITY,
      2 ** -24,
      Number.NaN,
    ]);
  });

  it("typed contents and raw contents of the same values give the same decoded request", () => {
    const values = [1, 2.5, -7];
    const typed = decodeForModel({
      inputs: [{ name: "x", datatype: "FP64", shape: [3], contents: encodeTypedContents("FP64", values) }],
    });
    const raw = decodeForModel({
      inputs: [{ name: "x", datatype: "FP64", shape: [3] }],
      raw_input_contents: [encodeRawContents("FP64", values)],
    });
    expect(raw).toEqual(typed);
  });

  it("refuses raw entries that do not match the inputs one to one", () => {
    expect(() =>
      v2RequestOf({
        inputs: [
          { name: "a", datatype: "FP32", shape: [1] },
          { name: "b", datatype: "FP32", shape: [1] },
        ],
        raw_input_contents: [new Uint8Array(4)],
      }),
    ).toThrow(/2 inputs/);
  });
});
