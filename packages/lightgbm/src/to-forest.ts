import {
  type CategorySplit,
  type LinearLeaves as ForestLinear,
  type ForestModel,
  MissingRule,
  type Tree,
} from "@pyfunc/forest";
import type { LgbModel, LgbTree } from "./text-model.js";

/*
 * LightGBM trees in the shared model form. Node numbering: internal node i keeps id i, leaf l becomes node
 * (numLeaves - 1) + l, so a pred_leaf node id minus (numLeaves - 1) is LightGBM's leaf index.
 */

const MISSING_OF_TYPE = [MissingRule.none, MissingRule.zero, MissingRule.nan] as const;

function convertTree(t: LgbTree): Tree {
  const n = t.numLeaves - 1;
  const N = n + t.numLeaves;
  const left = new Int32Array(N).fill(-1);
  const right = new Int32Array(N).fill(-1);
  const feature = new Int32Array(N);
  const threshold = new Float64Array(N);
  const defaultLeft = new Uint8Array(N);
  const missing = new Uint8Array(N);
  const value = new Float64Array(N);
  const categories = new Map<number, CategorySplit>();
  const child = (c: number) => (c >= 0 ? c : n + ~c);
  for (let i = 0; i < n; i++) {
    const d = t.decisionType[i]!;
    left[i] = child(t.leftChild[i]!);
    right[i] = child(t.rightChild[i]!);
    feature[i] = t.splitFeature[i]!;
    if ((d & 1) !== 0) {
      // categorical: NaN goes right whatever the missing bits say, codes in the bitset go left
      const c = t.threshold[i]!;
      categories.set(i, {
        bits: t.catThreshold.subarray(t.catBoundaries[c]!, t.catBoundaries[c + 1]!),
        inSetGoesLeft: true,
      });
      missing[i] = MissingRule.nan;
      defaultLeft[i] = 0;
    } else {
      threshold[i] = t.threshold[i]!;
      missing[i] = MISSING_OF_TYPE[(d >> 2) & (3 as 0 | 1 | 2)];
      defaultLeft[i] = (d & 2) !== 0 ? 1 : 0;
    }
  }
  value.set(t.leafValue, n);
  const tree: Tree = { numNodes: N, left, right, feature, threshold, defaultLeft, missing, value };
  if (categories.size > 0) tree.categories = categories;
  if (t.linear !== null) {
    const lin = t.linear;
    const offsets = new Int32Array(N + 1);
    const constant = new Float64Array(N);
    // internal nodes own no terms: offsets[0..n] = 0, then leaf l's terms keep their stored order
    for (let l = 0; l < t.numLeaves; l++) {
      offsets[n + l + 1] = lin.start[l + 1]!;
      constant[n + l] = lin.leafConst[l]!;
    }
    const linear: ForestLinear = { offsets, features: lin.features, coeffs: lin.coeff, constant };
    tree.linear = linear;
  }
  return tree;
}

/**
 * The model form of a LightGBM model: `<=` on doubles, per-node missing rules, categorical bitsets going
 * left, linear leaves, raw scores summed in double in file order from 0 (no base score: LightGBM folds the
 * boost-from-average start into the first trees' leaves). rf's averaging is applied by the caller, because
 * `raw_score` is the undivided sum.
 */
export function toForest(model: LgbModel): ForestModel {
  const K = model.numTreePerIteration;
  const trees = model.trees.map(convertTree);
  const treeOutput = new Int32Array(trees.length);
  for (let t = 0; t < trees.length; t++) treeOutput[t] = t % K;
  return {
    numFeatures: model.numFeatures,
    numOutputs: K,
    trees,
    treeOutput,
    treeWeight: null,
    baseScore: new Float64Array(K),
    comparison: "<=",
    inputPrecision: "float64",
    aggregation: "sum-float64",
    categoryRule: "truncate",
  };
}

/** Per tree: the node id of leaf 0 (pred_leaf node id minus this is LightGBM's leaf index). */
export function leafBase(model: LgbModel): Int32Array {
  return Int32Array.from(model.trees, (t) => t.numLeaves - 1);
}
