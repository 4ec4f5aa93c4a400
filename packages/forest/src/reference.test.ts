import { MlflowException } from "@pyfunc/core";
import { describe, expect, it } from "vitest";
import { type ForestModel, MissingRule, type Tree } from "./model.js";
import { predictLeafReference, predictReference } from "./reference.js";
import { validateForest } from "./validate.js";

/** A stump on feature 0: left leaf 1 (value -1), right leaf 2 (value 2). */
function stump(threshold: number, extra: Partial<Tree> = {}): Tree {
  return {
    numNodes: 3,
    left: Int32Array.of(1, -1, -1),
    right: Int32Array.of(2, -1, -1),
    feature: Int32Array.of(0, 0, 0),
    threshold: Float64Array.of(threshold, 0, 0),
    defaultLeft: Uint8Array.of(1, 0, 0),
    value: Float64Array.of(0, -1, 2),
    ...extra,
  };
}

function model(trees: Tree[], extra: Partial<ForestModel> = {}): ForestModel {
  return {
    numFeatures: 2,
    numOutputs: 1,
    trees,
    treeOutput: new Int32Array(trees.length),
    treeWeight: null,
    baseScore: Float64Array.of(0),
    comparison: "<",
    inputPrecision: "float64",
    aggregation: "sum-float64",
    categoryRule: "nonnegative",
    ...extra,
  };
}

describe("predictReference", () => {
  it("sends a value equal to the threshold right under < and left under <=", () => {
    const X = Float64Array.of(0.5, 0);
    expect(predictReference(model([stump(0.5)]), X, 1)[0]).toBe(2);
    expect(predictReference(model([stump(0.5)], { comparison: "<=" }), X, 1)[0]).toBe(-1);
  });

  it("rounds inputs to float32 before comparing when the model says so", () => {
    // 0.1 as float32 is 0.10000000149..., above the double threshold 0.1
    const m = model([stump(0.1)], { comparison: "<=" });
    expect(predictReference(m, Float64Array.of(0.1, 0), 1)[0]).toBe(-1);
    expect(predictReference({ ...m, inputPrecision: "float32" }, Float64Array.of(0.1, 0), 1)[0]).toBe(2);
  });

  it("routes NaN by the default direction, zero as missing, and NaN as zero for MissingType::None", () => {
    const nanRule = model([stump(-0.5, { defaultLeft: Uint8Array.of(0, 0, 0) })]);
    expect(predictReference(nanRule, Float64Array.of(Number.NaN, 0), 1)[0]).toBe(2);
    const zero = model([
      stump(0.5, { missing: Uint8Array.of(MissingRule.zero, 0, 0), defaultLeft: Uint8Array.of(0, 0, 0) }),
    ]);
    expect(predictReference(zero, Float64Array.of(0, 0), 1)[0]).toBe(2);
    expect(predictReference(zero, Float64Array.of(Number.NaN, 0), 1)[0]).toBe(2);
    expect(predictReference(zero, Float64Array.of(0.25, 0), 1)[0]).toBe(-1);
    const none = model([
      stump(0.5, { missing: Uint8Array.of(MissingRule.none, 0, 0), defaultLeft: Uint8Array.of(0, 0, 0) }),
    ]);
    expect(predictReference(none, Float64Array.of(Number.NaN, 0), 1)[0]).toBe(-1);
  });

  it("sends categories in the set to the side the node names, invalid codes to the other", () => {
    const bits = Uint32Array.of(0b1010); // {1, 3}
    const right = model([stump(0, { categories: new Map([[0, { bits, inSetGoesLeft: false }]]) })]);
    const X = Float64Array.of(3, 0, 2, 0, -0.5, 0, 3.9, 0);
    expect(Array.from(predictReference(right, X, 4))).toEqual([2, -1, -1, 2]);
    const left = model(
      [stump(0, { categories: new Map([[0, { bits: Uint32Array.of(1), inSetGoesLeft: true }]]) })],
      {
        categoryRule: "truncate",
      },
    );
    // truncate: -0.5 is category 0 (LightGBM's static_cast<int>); nonnegative would call it invalid
    expect(Array.from(predictReference(left, X, 4))).toEqual([2, 2, -1, 2]);
  });

  it("averages vector leaves for mean aggregation and applies tree weights and base scores", () => {
    const vec = (a: number[]): Tree =>
      stump(0.5, { vector: { width: 2, values: Float64Array.of(0, 0, a[0]!, a[1]!, a[2]!, a[3]!) } });
    const rf = model([vec([1, 0, 0, 1]), vec([0.5, 0.5, 0.25, 0.75])], {
      numOutputs: 2,
      baseScore: new Float64Array(2),
      aggregation: "mean",
    });
    expect(Array.from(predictReference(rf, Float64Array.of(0, 0, 1, 0), 2))).toEqual([
      0.75, 0.25, 0.125, 0.875,
    ]);
    const gb = model([stump(0.5), stump(0.5)], {
      treeWeight: Float64Array.of(0.1, 0.5),
      baseScore: Float64Array.of(3),
    });
    expect(predictReference(gb, Float64Array.of(1, 0), 1)[0]).toBe(3 + 2 * 0.1 + 2 * 0.5);
  });

  it("sums in float32 in tree order for sum-float32", () => {
    const m = model([stump(0.5, { value: Float64Array.of(0, 0, 1e-8) }), stump(0.5)], {
      aggregation: "sum-float32",
      baseScore: Float64Array.of(1),
    });
    // 1 + 1e-8 rounds back to 1 in float32, then + 2
    expect(predictReference(m, Float64Array.of(1, 0), 1)[0]).toBe(3);
    expect(predictReference({ ...m, aggregation: "sum-float64" }, Float64Array.of(1, 0), 1)[0]).toBe(
      1 + 1e-8 + 2,
    );
  });

  it("evaluates linear leaves, falling back to the constant value when a term's feature is NaN", () => {
    const linear = {
      offsets: Int32Array.of(0, 0, 1, 3),
      features: Int32Array.of(1, 0, 1),
      coeffs: Float64Array.of(2, 3, 4),
      constant: Float64Array.of(0, 10, 20),
    };
    const m = model([stump(0.5, { linear })]);
    expect(Array.from(predictReference(m, Float64Array.of(0, 1, 1, 1, 1, Number.NaN), 3))).toEqual([
      12, 27, 2,
    ]);
  });

  it("limits prediction to a tree range and reports leaf node ids", () => {
    const m = model([stump(0.5), stump(1.5)]);
    const X = Float64Array.of(1, 0);
    expect(predictReference(m, X, 1, { start: 0, end: 1 })[0]).toBe(2);
    expect(Array.from(predictLeafReference(m, X, 1))).toEqual([2, 1]);
    expect(() => predictReference(m, X, 1, { start: 0, end: 3 })).toThrow(MlflowException);
  });
});

describe("validateForest", () => {
  it("accepts a well-formed model and names the first broken rule of a bad one", () => {
    expect(() => validateForest(model([stump(0)]))).not.toThrow();
    const cyc = stump(0, { left: Int32Array.of(1, -1, -1), right: Int32Array.of(1, -1, -1) });
    expect(() => validateForest(model([cyc]))).toThrow(/invalid children/);
    const far = stump(0, { feature: Int32Array.of(7, 0, 0) });
    expect(() => validateForest(model([far]))).toThrow(/feature 7/);
    expect(() => validateForest(model([stump(0)], { treeOutput: Int32Array.of(1) }))).toThrow(/output 1/);
  });
});
