import { tableFromArrays } from "apache-arrow";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MlflowException } from "../errors/mlflow-exception.js";
import { dataFrameFromArrow } from "./arrow.js";
import {
  columnToTensor,
  commonDType,
  dataFrameToTensor,
  flattenNested,
  frameDType,
  inferNumpyDType,
  sparseToDense,
  tensorFromNested,
  tensorToNested,
  toDataFrame,
} from "./convert.js";
import { DataFrame } from "./dataframe.js";
import { TYPED_ARRAY_FOR_DTYPE, type TypedArray } from "./dtype.js";

describe("conversions between input types", () => {
  it("turns records into columns in first-appearance order with pandas dtypes", () => {
    const df = toDataFrame([
      { a: 1, b: "x" },
      { b: "y", c: 2.5 },
    ]);
    expect(df.columns).toEqual(["a", "b", "c"]);
    expect(df.column("a").dtype).toBe("float64"); // missing value → NaN, as pandas
    expect(df.column("b").dtype).toBe("object");
    expect(df.column("c").values).toEqual(new Float64Array([Number.NaN, 2.5]));
  });
  it("turns a dict of equal-length lists into a DataFrame and a dict of scalars into one row", () => {
    expect(toDataFrame({ a: [1, 2], b: [true, false] }).numRows).toBe(2);
    expect(toDataFrame({ a: 1, b: "x" }).numRows).toBe(1);
  });
  it("turns lists of lists into positional columns and a list of scalars into one column", () => {
    expect(
      toDataFrame([
        [1, 2],
        [3, 4],
      ]).columns,
    ).toEqual(["0", "1"]);
    expect(toDataFrame(["a", "b"]).columns).toEqual(["0"]);
  });
  it("turns an Arrow Table into typed columns without copying numeric data", () => {
    const values = new Float64Array([1, 2]);
    const df = dataFrameFromArrow(tableFromArrays({ a: values, s: ["x", "y"] }));
    expect(df.column("a").values).toBeInstanceOf(Float64Array);
    expect(df.column("a").values).toEqual(values);
    expect(df.column("s").values).toEqual(["x", "y"]);
  });
  it("writes a DataFrame into a row-major tensor of the requested dtype (DataFrame.to_numpy)", () => {
    const df = DataFrame.fromColumns({ a: new Float64Array([1, 2]), b: new Int32Array([3, 4]) });
    expect(dataFrameToTensor(df, "float32")).toEqual({
      dtype: "float32",
      shape: [2, 2],
      data: new Float32Array([1, 3, 2, 4]),
    });
    expect(dataFrameToTensor(df).dtype).toBe("float64");
  });
  it("refuses strings that are not numbers when casting to a numeric tensor", () => {
    expect(() => dataFrameToTensor(DataFrame.fromColumns({ a: ["x"] }), "float32")).toThrow(MlflowException);
  });
  it("promotes dtypes as numpy for mixed columns", () => {
    expect(commonDType(["int64", "float64"])).toBe("float64");
    expect(commonDType(["int16", "float32"])).toBe("float32");
    expect(commonDType(["int32", "float32"])).toBe("float64");
    expect(commonDType(["uint8", "int8"])).toBe("int16");
    expect(commonDType(["bool", "int64"])).toBe("object");
  });
  it("builds tensors from nested lists as np.array does, ragged input as a 1-D object array", () => {
    expect(
      tensorFromNested([
        [1, 2],
        [3, 4],
      ]),
    ).toEqual({ dtype: "int64", shape: [2, 2], data: new BigInt64Array([1n, 2n, 3n, 4n]) });
    expect(tensorFromNested([[1.5], [2]]).dtype).toBe("float64");
    expect(tensorFromNested([[1], [1, 2]])).toEqual({ dtype: "object", shape: [2], data: [[1], [1, 2]] });
    expect(inferNumpyDType(["a", "b"])).toBe("str");
    expect(tensorToNested({ dtype: "float32", shape: [2, 1], data: new Float32Array([1, 2]) })).toEqual([
      [1],
      [2],
    ]);
  });
  it("densifies CSR and CSC matrices", () => {
    const csr = {
      format: "csr" as const,
      shape: [2, 3] as [number, number],
      indptr: [0, 1, 2],
      indices: [2, 0],
      values: new Float64Array([5, 7]),
    };
    expect(sparseToDense(csr).data).toEqual(new Float64Array([0, 0, 5, 7, 0, 0]));
    const csc = {
      format: "csc" as const,
      shape: [2, 2] as [number, number],
      indptr: [0, 1, 1],
      indices: [1],
      values: [9],
    };
    expect(sparseToDense(csc).data).toEqual(new Float64Array([0, 0, 9, 0]));
  });
  it("refuses inputs that are not tabular", () => {
    expect(() => toDataFrame(null)).toThrow("Expected input to be DataFrame. Found: NoneType");
  });
});

describe("the shared nesting walk and frame writes", () => {
  it("flattens a rectangular nested list row-major and reports a ragged one as undefined", () => {
    expect(flattenNested([[1, 2], Float64Array.of(3, 4)])).toEqual({ shape: [2, 2], flat: [1, 2, 3, 4] });
    expect(flattenNested(7)).toEqual({ shape: [], flat: [7] });
    expect(flattenNested([[], []])).toEqual({ shape: [2, 0], flat: [] });
    expect(flattenNested([[1, 2], [3]])).toBeUndefined();
    expect(flattenNested([[1], 2])).toBeUndefined();
    expect(flattenNested([1, [2]])).toBeUndefined();
  });

  it("takes a Uint8Array as one bytes value unless told it is a list of numbers", () => {
    const bytes = [Uint8Array.of(1, 2), Uint8Array.of(3, 4)];
    expect(flattenNested(bytes)).toEqual({ shape: [2], flat: bytes });
    expect(flattenNested(bytes, { bytesAreScalars: false })).toEqual({ shape: [2, 2], flat: [1, 2, 3, 4] });
  });

  it("shares a column's typed array only when asked not to copy and the dtype already matches", () => {
    const df = DataFrame.fromColumns({ x: Float32Array.of(1, 2) });
    const c = df.column("x");
    expect(columnToTensor(c, undefined, { copy: false }).data).toBe(c.values);
    expect(columnToTensor(c).data).not.toBe(c.values);
    expect(columnToTensor(c).data).toEqual(c.values);
    expect(columnToTensor(c, "float64", { copy: false }).data).toEqual(Float64Array.of(1, 2));
  });

  it("gives a frame's dtype as numpy's result_type of its columns", () => {
    expect(frameDType(new DataFrame([]))).toBe("float64");
    expect(frameDType(DataFrame.fromColumns({ a: Int8Array.of(1), b: Int16Array.of(2) }))).toBe("int16");
    expect(frameDType(DataFrame.fromColumns({ a: Float32Array.of(1), b: Float32Array.of(2) }))).toBe(
      "float32",
    );
  });

  it("writes every numeric column type into every float/int target as an element-wise cast would", () => {
    const sources = ["float64", "float32", "int32", "int16", "int8", "uint8", "uint16", "uint32"] as const;
    const targets = ["float32", "float64", "int32", "int16"] as const;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 6 }),
        fc.array(fc.constantFrom(...sources), { minLength: 1, maxLength: 5 }),
        fc.constantFrom(...targets),
        fc.array(fc.double({ min: -1000, max: 1000, noNaN: true }), { minLength: 35, maxLength: 35 }),
        (rows, dtypes, target, pool) => {
          const cols: Record<string, TypedArray> = {};
          dtypes.forEach((d, j) => {
            cols[`c${j}`] = (TYPED_ARRAY_FOR_DTYPE[d] as Float64ArrayConstructor).from(
              { length: rows },
              (_, i) => pool[i * 5 + j]!,
            );
          });
          const df = DataFrame.fromColumns(cols);
          const t = dataFrameToTensor(df, target);
          const expected = new TYPED_ARRAY_FOR_DTYPE[target](rows * dtypes.length);
          dtypes.forEach((_, j) => {
            const v = cols[`c${j}`]! as Float64Array;
            for (let i = 0; i < rows; i++) expected[i * dtypes.length + j] = v[i]!;
          });
          expect(t.shape).toEqual([rows, dtypes.length]);
          expect(t.data).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});
