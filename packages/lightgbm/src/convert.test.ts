import { DataFrame, MlflowException } from "@pyfunc/core";
import { describe, expect, it } from "vitest";
import { PandasCategories } from "./categorical.js";
import { toFeatureMatrix } from "./convert.js";
import { parseModelText } from "./text-model.js";

const X = (input: unknown, n = 2, cats: PandasCategories | null = null) =>
  Array.from(toFeatureMatrix(input as never, n, cats).X);

describe("pyfunc input → the matrix Booster.predict builds", () => {
  it("takes DataFrame columns by position, whatever their names", () => {
    const df = DataFrame.fromColumns({ "b b": Float64Array.of(1, 2), a: Float64Array.of(3, 4) });
    expect(X(df)).toEqual([1, 3, 2, 4]);
    expect(X([{ z: 1.5, y: 2 }])).toEqual([1.5, 2]);
    expect(X({ p: [1.5, 2.5], q: [3, 4] })).toEqual([1.5, 3, 2.5, 4]);
  });

  it("reads float32, int64 (BigInt), bool and null as numpy does; |x| <= 1e-35 becomes 0, NaN stays", () => {
    const df = DataFrame.fromColumns({
      f: Float32Array.of(0.1, Number.NaN),
      i: BigInt64Array.of(3n, -7n),
      b: [true, false],
      n: [null, 1e-36],
    });
    const got = X(df, 4);
    expect(got[0]).toBe(Math.fround(0.1));
    expect(got.slice(1, 4)).toEqual([3, 1, Number.NaN]);
    expect(Number.isNaN(got[4]!)).toBe(true);
    expect(got.slice(5)).toEqual([-7, 0, 0]);
    expect(Object.is(X([[-0, 5]])[0], 0)).toBe(true);
  });

  it("2-D tensors and lists of rows are numpy input; 1-D tensors are refused", () => {
    expect(X({ dtype: "float32", shape: [2, 2], data: Float32Array.of(1, 2, 3, 4) })).toEqual([1, 2, 3, 4]);
    expect(
      X([
        [1, null],
        [3, 4],
      ]),
    ).toEqual([1, Number.NaN, 3, 4]);
    expect(() => X({ dtype: "float64", shape: [2], data: Float64Array.of(1, 2) })).toThrow(/2 dimensional/);
    expect(() => X({ dtype: "str", shape: [1, 2], data: ["a", "b"] })).toThrow(MlflowException);
  });

  it("sparse matrices: entries not stored are 0 for LightGBM", () => {
    const csr = { format: "csr", shape: [2, 2], indptr: [0, 1, 2], indices: [1, 0], values: [5, 6] };
    expect(X(csr)).toEqual([0, 5, 6, 0]);
    const csc = { format: "csc", shape: [2, 2], indptr: [0, 1, 1], indices: [1], values: [7] };
    expect(X(csc)).toEqual([0, 0, 7, 0]);
    expect(() => X({ ...csr, indices: [9, 0] })).toThrow(/out of range/);
  });

  it("fails with LightGBM's messages on a wrong column count or string columns", () => {
    expect(() => X([[1, 2, 3]])).toThrow(
      /number of features in data \(3\) is not the same as it was in training data \(2\)/,
    );
    expect(() => X([{ a: "x", b: 1 }])).toThrow(/pandas dtypes must be int, float or bool.*a: object/s);
  });

  it("recodes the model's category columns against pandas_categorical (unseen and missing → NaN)", () => {
    const text = [
      "tree",
      "version=v4",
      "num_class=1",
      "num_tree_per_iteration=1",
      "label_index=0",
      "max_feature_idx=1",
      "objective=regression",
      "feature_names=x c",
      "feature_infos=[0:1] 0:1:2",
      "tree_sizes=1",
      "",
      "Tree=0",
      "num_leaves=1",
      "leaf_value=0",
      "",
      "end of trees",
      "",
      'pandas_categorical:[[true, "b", 2]]',
      "",
    ].join("\n");
    const cats = PandasCategories.of(parseModelText(text))!;
    expect(cats.features).toEqual([1]);
    const df = DataFrame.fromColumns({
      x: Float64Array.of(0.5, 0.5, 0.5, 0.5, 0.5),
      c: [1, "b", 2.0, "zzz", null],
    });
    const got = X(df, 2, cats);
    // True == 1 in pandas, 2.0 == 2
    expect([got[1], got[3], got[5]]).toEqual([0, 1, 2]);
    expect(Number.isNaN(got[7]!) && Number.isNaN(got[9]!)).toBe(true);
    // a tensor holds codes: no recoding
    expect(X({ dtype: "float64", shape: [1, 2], data: Float64Array.of(0.5, 2) }, 2, cats)).toEqual([0.5, 2]);
    // category lists that do not line up with the categorical features: frames are refused, codes still work
    const mixed = PandasCategories.of(parseModelText(text.replace("[0:1] 0:1:2", "0:1 0:1:2")))!;
    expect(mixed.problem).toMatch(/1 category lists for 2 categorical features/);
    expect(() => X(df, 2, mixed)).toThrow(/pass numeric category codes/);
    expect(X([[1, 2]], 2, mixed)).toEqual([1, 2]);
  });

  it("writes a one-row input into the caller's row buffer (every value), other inputs into a new matrix", () => {
    const row = new Float64Array(2).fill(99);
    const a = toFeatureMatrix(
      { dtype: "float32", shape: [1, 2], data: Float32Array.of(1.5, Number.NaN) },
      2,
      null,
      row,
    );
    expect(a.X).toBe(row);
    expect(Array.from(row)).toEqual([1.5, Number.NaN]);
    const b = toFeatureMatrix(DataFrame.fromColumns({ p: [null], q: [1e-36] }), 2, null, row);
    expect(b.X).toBe(row);
    expect(Array.from(row)).toEqual([Number.NaN, 0]);
    const two = toFeatureMatrix(
      { dtype: "float64", shape: [2, 2], data: Float64Array.of(1, 2, 3, 4) },
      2,
      null,
      row,
    );
    expect(two.X).not.toBe(row);
    expect(Array.from(row)).toEqual([Number.NaN, 0]);
    // a sparse row has implicit zeros, so it never reuses the buffer
    const sparse = { format: "csr", shape: [1, 2], indptr: [0, 1], indices: [1], values: [5] };
    const s = toFeatureMatrix(sparse as never, 2, null, row);
    expect(s.X).not.toBe(row);
    expect(Array.from(s.X)).toEqual([0, 5]);
  });
});
