import { describe, expect, it } from "vitest";
import type { ForestModel, Tree } from "./model.js";
import { ForestPredictor } from "./predictor.js";
import { predictReference } from "./reference.js";

/** A single leaf (a tree that is only its root). */
function leaf(value: number): Tree {
  return {
    numNodes: 1,
    left: Int32Array.of(-1),
    right: Int32Array.of(-1),
    feature: Int32Array.of(0),
    threshold: Float64Array.of(0),
    defaultLeft: Uint8Array.of(0),
    value: Float64Array.of(value),
  };
}

/**
 * A leaf-wise tree `depth` splits deep: split d tests feature d % 3 at threshold d / depth - 0.5, its left child is a
 * leaf and its right child the next split (so its leaves sit at every level, like LightGBM's deep trees).
 */
function spine(depth: number, seed: number): Tree {
  const n = 2 * depth + 1;
  const left = new Int32Array(n).fill(-1);
  const right = new Int32Array(n).fill(-1);
  const feature = new Int32Array(n);
  const threshold = new Float64Array(n);
  const defaultLeft = new Uint8Array(n);
  const value = new Float64Array(n);
  for (let d = 0; d < depth; d++) {
    const s = 2 * d; // the split; its leaf is s + 1, the next split s + 2
    left[s] = s + 1;
    right[s] = s + 2;
    feature[s] = d % 3;
    threshold[s] = d / depth - 0.5;
    defaultLeft[s] = (d + seed) & 1;
    value[s + 1] = Math.sin(seed * 7 + d);
  }
  value[n - 1] = Math.cos(seed);
  return { numNodes: n, left, right, feature, threshold, defaultLeft, value };
}

describe("the chained wasm walk", () => {
  // 8 chains: tree t's leaves go on into tree t + 8. Single-leaf trees where a chain starts (0), where a leaf would
  // go on into one (8 after 0, 9 after 1) and at a chain's end (19), one deep tree so the first group of 16 is not
  // complete trees (the chained layout is for models of mostly deep trees)
  const trees: Tree[] = [];
  for (let t = 0; t < 20; t++)
    trees.push([0, 8, 9, 19].includes(t) ? leaf(t / 8) : spine(t === 3 ? 14 : 1 + (t % 6), t));
  const model: ForestModel = {
    numFeatures: 3,
    numOutputs: 1,
    trees,
    treeOutput: new Int32Array(trees.length),
    treeWeight: null,
    baseScore: Float64Array.of(0.25),
    comparison: "<=",
    inputPrecision: "float64",
    aggregation: "sum-float64",
    categoryRule: "truncate",
  };

  it("gives the reference's sums bit for bit, single-leaf trees included, for one row and for a batch", () => {
    const p = ForestPredictor.compile(model);
    expect(p.layout).toBe("wasm");
    expect(p.chained).toBe(true);
    const rows = 200;
    const X = new Float64Array(rows * 3);
    for (let i = 0; i < X.length; i++) X[i] = i % 17 === 0 ? Number.NaN : Math.sin(i * 12.9898) * 0.8;
    const want = predictReference(model, X, rows);
    expect(Array.from(p.predict(X, rows))).toEqual(Array.from(want));
    for (let r = 0; r < rows; r += 13) {
      expect(p.predict(X.subarray(r * 3, r * 3 + 3), 1)[0]).toBe(want[r]);
    }
    // a tree range is not the whole forest: the per-tree walk, the same numbers
    const part = p.predict(X, rows, { start: 1, end: 20 });
    expect(Array.from(part)).toEqual(Array.from(predictReference(model, X, rows, { start: 1, end: 20 })));
  });

  it("leaves models whose slots and go-right tables do not fit below 64 KiB to the per-tree walk, same numbers", () => {
    // every group of 16 has a tree deeper than 12 levels (no complete groups); 16,384 trees need 64 KiB of slots
    const big = (T: number): ForestModel => ({
      ...model,
      trees: Array.from({ length: T }, (_, t) => spine(t % 16 === 5 ? 13 : 1 + (t % 3), t)),
      treeOutput: new Int32Array(T),
    });
    const rows = 3;
    const X = Float64Array.of(-0.4, 0.1, 0.3, 0.2, Number.NaN, -0.1, 0.45, 0.0, -0.3);
    for (const [T, chained] of [
      [2048, true],
      [16384, false],
    ] as const) {
      const m = big(T);
      const p = ForestPredictor.compile(m);
      expect(p.layout).toBe("wasm");
      expect(p.chained).toBe(chained);
      expect(Array.from(p.predict(X, rows))).toEqual(Array.from(predictReference(m, X, rows)));
    }
  });
});
