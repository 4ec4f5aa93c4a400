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

/**
 * The work `fn` does, counted rather than timed: elements read from the request's `data` lists (a Proxy on
 * each) plus elements the copying builtins (Array.from, slice, map, concat, flat and the typed-array from /
 * slice / set) produce while it runs. A decoder that re-reads or re-copies what it has already seen, per row or
 * per value, counts quadratically many.
 */
function work(fn: (wrap: <T extends object>(data: T) => T) => void): number {
  let count = 0;
  const wrap = <T extends object>(data: T): T =>
    new Proxy(data, {
      get(target, key, receiver) {
        if (typeof key === "string" && key.charCodeAt(0) >= 48 && key.charCodeAt(0) <= 57) count++;
        return Reflect.get(target, key, receiver);
      },
    });
  const typed = Object.getPrototypeOf(Float64Array) as {
    from: (...args: unknown[]) => ArrayLike<unknown>;
    prototype: Record<string, (...args: unknown[]) => unknown>;
  };
  const patches: [object, string, (...args: never[]) => unknown][] = [];
  const counting = (owner: object, name: string, size: (result: unknown, args: unknown[]) => number) => {
    const original = (owner as Record<string, (...args: unknown[]) => unknown>)[name]!;
    patches.push([owner, name, original]);
    (owner as Record<string, unknown>)[name] = function (this: unknown, ...args: unknown[]) {
      const result = original.apply(this, args);
      count += size(result, args);
      return result;
    };
  };
  const length = (result: unknown) => (result as ArrayLike<unknown>).length ?? 0;
  counting(Array, "from", length);
  for (const name of ["slice", "map", "concat", "flat"]) counting(Array.prototype, name, length);
  counting(typed, "from", length);
  counting(typed.prototype, "slice", length);
  counting(typed.prototype, "set", (_r, args) => length(args[0]));
  try {
    fn(wrap);
  } finally {
    for (const [owner, name, original] of patches.reverse())
      (owner as Record<string, unknown>)[name] = original;
  }
  return count;
}

describe("v2 decoder", () => {
  it("decodes a 2-D tensor per column with work linear in its size (10× the rows, 10× the reads and copies)", () => {
    const model = columnModel(["a", "b"]);
    const request = (rows: number, wrap: <T extends object>(data: T) => T) => ({
      inputs: ["a", "b"].map((name) => ({
        name,
        shape: [rows, 4],
        datatype: "FP64",
        data: wrap(Array.from({ length: rows * 4 }, (_, i) => i / 3)),
      })),
    });
    const decoded = decodeV2Request(
      request(2_000, (d) => d),
      model,
    ).input as {
      column(n: string): { values: unknown[] };
    };
    expect(decoded.column("a").values[1]).toEqual([4 / 3, 5 / 3, 6 / 3, 7 / 3]);
    const small = work((wrap) => {
      const req = request(2_000, wrap);
      decodeV2Request(req, model);
    });
    const large = work((wrap) => {
      const req = request(20_000, wrap);
      decodeV2Request(req, model);
    });
    // the request's own construction is counted too (Array.from of rows·4): linear as well
    expect(small).toBeGreaterThan(2 * 2_000 * 4); // each value is read at least once
    expect(large / small).toBeGreaterThan(9);
    expect(large / small).toBeLessThan(11); // quadratic (a copy of the tensor per row): about 100×
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
