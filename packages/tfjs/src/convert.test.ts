import { MlflowException } from "@pyfunc/core";
import { DataFrame } from "@pyfunc/core/inputs";
import { describe, expect, it } from "vitest";
import { type FeedSpec, toFeed } from "./convert.js";

const spec = (dtype: FeedSpec["dtype"], shape?: (number | null)[]): FeedSpec => ({ name: "x", dtype, shape });

describe("core inputs → tfjs feeds", () => {
  it("writes a float64 frame row-major straight into float32 for a float32 input", () => {
    const a = Float64Array.of(0.1, 1 / 3);
    const b = Float64Array.of(1e40, -2.5);
    const feed = toFeed({ frame: DataFrame.fromColumns({ a, b }) }, spec("float32", [null, 2]));
    expect(feed.shape).toEqual([2, 2]);
    expect(feed.data).toEqual(Float32Array.from([a[0]!, b[0]!, a[1]!, b[1]!]));
  });

  it("casts a frame of int8 and int16 columns to an int32 input, row-major", () => {
    const df = DataFrame.fromColumns({ a: Int8Array.of(-3, 4), b: Int16Array.of(300, -2) });
    const feed = toFeed({ frame: df }, spec("int32"));
    expect(feed).toEqual({ data: Int32Array.of(-3, 300, 4, -2), shape: [2, 2], dtype: "int32" });
  });

  it("keeps the checks of a cast to int32 on frames (a fraction is refused, not truncated)", () => {
    const df = DataFrame.fromColumns({ a: Float64Array.of(1, 2.5) });
    expect(() => toFeed({ frame: df }, spec("int32"))).toThrow(/needs int32 values; 2.5/);
  });

  it("feeds string frames as strings and refuses strings for a float32 input", () => {
    const df = DataFrame.fromColumns({ s: ["a", "b"], t: ["c", "d"] });
    expect(toFeed({ frame: df }, spec("string")).data).toEqual(["a", "c", "b", "d"]);
    let error: unknown;
    try {
      toFeed({ frame: df }, spec("float32"));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MlflowException);
    expect((error as MlflowException).errorCode).toBe("BAD_REQUEST");
    expect((error as Error).message).toMatch(/needs numbers/);
  });

  it("takes rows of Uint8Arrays as a nested list of numbers and a ragged list as a BAD_REQUEST", () => {
    const feed = toFeed([Uint8Array.of(1, 2, 3), Uint8Array.of(4, 5, 6)], spec("int32", [null, 3]));
    expect(feed).toEqual({ data: Int32Array.of(1, 2, 3, 4, 5, 6), shape: [2, 3], dtype: "int32" });
    expect(() => toFeed([[1, 2], [3]], spec("float32"))).toThrow(/ragged nested list/);
  });

  it("turns a one-column frame of equal-length lists into that column's tensor", () => {
    const df = new DataFrame([
      {
        name: "v",
        dtype: "object",
        values: [
          [1, 2],
          [3, 4],
          [5, 6],
        ],
      },
    ]);
    const feed = toFeed({ frame: df }, spec("float32", [null, 2]));
    expect(feed).toEqual({ data: Float32Array.of(1, 2, 3, 4, 5, 6), shape: [3, 2], dtype: "float32" });
  });
});
