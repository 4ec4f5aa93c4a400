import { DataFrame, MlflowException } from "@pyfunc/core";
import { describe, expect, it } from "vitest";
import { toFeatureMatrix } from "./convert.js";

describe("toFeatureMatrix: pyfunc inputs → a float64 [rows, features] matrix", () => {
  it("takes a DataFrame's columns in order, row-major", () => {
    const m = toFeatureMatrix(DataFrame.fromColumns({ a: Float64Array.of(1, 2), b: Int32Array.of(3, 4) }));
    expect(m).toMatchObject({ rows: 2, features: 2 });
    expect(Array.from(m.data)).toEqual([1, 3, 2, 4]);
  });

  it("takes records and a dict of columns as pandas would build the frame", () => {
    expect(Array.from(toFeatureMatrix([{ a: 1, b: 2.5 }]).data)).toEqual([1, 2.5]);
    expect(Array.from(toFeatureMatrix({ a: [1, 2], b: [3, 4] }).data)).toEqual([1, 3, 2, 4]);
  });

  it("casts a 2-D tensor of another numeric dtype to float64", () => {
    const m = toFeatureMatrix({ dtype: "int64", shape: [1, 3], data: BigInt64Array.of(1n, 2n, 3n) });
    expect(m.data).toBeInstanceOf(Float64Array);
    expect(Array.from(m.data)).toEqual([1, 2, 3]);
  });

  it("refuses tensors that are not 2-D and non-numeric values with INVALID_PARAMETER_VALUE", () => {
    for (const bad of [
      { dtype: "float64" as const, shape: [3], data: Float64Array.of(1, 2, 3) },
      { dtype: "str" as const, shape: [1, 1], data: ["x"] },
      DataFrame.fromColumns({ a: ["x"] }),
    ]) {
      let caught: unknown;
      try {
        toFeatureMatrix(bad);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(MlflowException);
      expect((caught as MlflowException).errorCode).toBe("INVALID_PARAMETER_VALUE");
    }
  });
});
