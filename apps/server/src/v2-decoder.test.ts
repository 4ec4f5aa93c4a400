// Issue 17, finding 3 (Open Inference Protocol part): the v2 decoder is linear in the request for every shape,
// and random or mutated requests decode or fail with a typed error, never a crash or a hang.
import { isMlflowException } from "@pyfunc/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ServableModel } from "./model-types.js";
import { decodeV2Request, V2Error } from "./v2.js";

const columnModel = (names: string[]): ServableModel => ({
  predict: async () => [],
  metadata: {
    signature: { inputs: JSON.stringify(names.map((name) => ({ type: "double", name, required: true }))) },
  },
});

function best(fn: () => void, runs = 3): number {
  let min = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    min = Math.min(min, performance.now() - t);
  }
  return min;
}

describe("v2 decoder", () => {
  it("decodes a 2-D tensor per column in time linear in its size (10× the rows, well under 100× the time)", () => {
    const model = columnModel(["a", "b"]);
    const request = (rows: number) => ({
      inputs: ["a", "b"].map((name) => ({
        name,
        shape: [rows, 4],
        datatype: "FP64",
        data: Array.from({ length: rows * 4 }, (_, i) => i / 3),
      })),
    });
    const small = request(2_000);
    const large = request(20_000);
    const decoded = decodeV2Request(small, model).input as { column(n: string): { values: unknown[] } };
    expect(decoded.column("a").values[1]).toEqual([4 / 3, 5 / 3, 6 / 3, 7 / 3]);
    decodeV2Request(large, model);
    const ratio =
      best(() => decodeV2Request(large, model)) /
      Math.max(
        best(() => decodeV2Request(small, model)),
        0.05,
      );
    expect(ratio).toBeLessThan(50); // linear: ~10× (up to ~25× on a busy machine); quadratic: 100×
  });

  it("quotes at most a bounded prefix of a bad value", () => {
    const model = columnModel(["a"]);
    try {
      decodeV2Request(
        { inputs: [{ name: "a", shape: [1], datatype: "FP64", data: ["x".repeat(1_000_000)] }] },
        model,
      );
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(V2Error);
      expect((error as Error).message.length).toBeLessThan(1000);
    }
  });

  const typed = (error: unknown) => error instanceof V2Error || isMlflowException(error);

  it("decodes or refuses with a typed error any JSON value (fuzz)", () => {
    const model = columnModel(["a", "b"]);
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), (body) => {
        try {
          decodeV2Request(body, model);
        } catch (error) {
          if (!typed(error)) throw error;
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it("decodes or refuses with a typed error mutated valid requests (fuzz)", () => {
    const datatypes = ["BOOL", "INT8", "INT32", "INT64", "UINT8", "FP16", "FP32", "FP64", "BYTES", "NOPE"];
    const input = fc.record({
      name: fc.oneof(fc.constantFrom("a", "b", "c"), fc.anything()),
      shape: fc.oneof(fc.array(fc.integer({ min: -2, max: 6 }), { maxLength: 4 }), fc.anything()),
      datatype: fc.oneof(fc.constantFrom(...datatypes), fc.anything()),
      data: fc.oneof(
        fc.array(fc.oneof(fc.double(), fc.integer(), fc.boolean(), fc.string(), fc.constant(null)), {
          maxLength: 30,
        }),
        fc.array(fc.array(fc.double(), { maxLength: 6 }), { maxLength: 6 }),
        fc.anything(),
      ),
      parameters: fc.option(fc.record({ content_type: fc.constantFrom("np", "pd", "dict", "str", 7) }), {
        nil: undefined,
      }),
    });
    const request = fc.record({
      id: fc.option(fc.oneof(fc.string(), fc.integer()), { nil: undefined }),
      inputs: fc.array(input, { maxLength: 3 }),
      outputs: fc.option(fc.array(fc.record({ name: fc.string() })), { nil: undefined }),
      parameters: fc.option(fc.record({ content_type: fc.constantFrom("np", "pd", "dict", "x") }), {
        nil: undefined,
      }),
    });
    for (const model of [columnModel(["a", "b"]), { predict: async () => [] } as ServableModel]) {
      fc.assert(
        fc.property(request, (body) => {
          try {
            decodeV2Request(body, model);
          } catch (error) {
            if (!typed(error)) throw error;
          }
        }),
        { numRuns: 2_000 },
      );
    }
  });
});
