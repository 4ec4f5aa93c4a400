import type { CategorySplit, ForestModel, Tree } from "@pyfunc/forest";
import { modelError } from "./errors.js";
import type { RawModel } from "./model.js";

/**
 * XGBoost's trees in @pyfunc/forest's model form: "<" splits on float32 inputs, NaN missing, categories in the
 * list go right, leaves summed in float32 in tree order from the base margin, DART weights per tree.
 * `baseMargins` are the starting margins per output group (the objective's link of base_score, in float32).
 */
export function toForestModel(raw: RawModel, nGroups: number, baseMargins: Float32Array): ForestModel {
  const trees: Tree[] = [];
  for (let ti = 0; ti < raw.trees.length; ti++) {
    const t = raw.trees[ti]!;
    const g = raw.treeInfo[ti]!;
    if (!(g >= 0 && g < nGroups)) {
      throw modelError(`tree ${ti}: tree_info ${g} is not an output group (0..${nGroups - 1})`);
    }
    const n = t.numNodes;
    const threshold = new Float64Array(n);
    const value = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      if (t.left[i] === -1) value[i] = t.splitCondition[i]!;
      else threshold[i] = t.splitCondition[i]!;
    }
    let categories: Map<number, CategorySplit> | undefined;
    if (t.splitType !== null) {
      categories = new Map();
      for (let i = 0; i < n; i++) {
        if (t.splitType[i] !== 1 || t.left[i] === -1) continue;
        const cats = t.categories?.get(i) ?? new Int32Array(0);
        let mx = -1;
        for (const c of cats) {
          if (c < 0 || c >= 16777216) throw modelError(`tree ${ti}: category ${c} out of range`);
          if (c > mx) mx = c;
        }
        const bits = new Uint32Array(mx < 0 ? 0 : (mx >>> 5) + 1);
        for (const c of cats) bits[c >>> 5]! |= 1 << (c & 31);
        categories.set(i, { bits, inSetGoesLeft: false });
      }
    }
    trees.push({
      numNodes: n,
      left: t.left,
      right: t.right,
      feature: t.splitIndex,
      threshold,
      defaultLeft: t.defaultLeft,
      value,
      ...(categories !== undefined ? { categories } : {}),
    });
  }
  return {
    numFeatures: raw.numFeature,
    numOutputs: nGroups,
    trees,
    treeOutput: raw.treeInfo.subarray(0, raw.trees.length),
    treeWeight: raw.weightDrop === null ? null : dartWeights(raw.weightDrop, raw.trees.length),
    baseScore: Float64Array.from(baseMargins),
    comparison: "<",
    inputPrecision: "float32",
    aggregation: "sum-float32",
    categoryRule: "nonnegative",
  };
}

/** weight_drop per tree (a tree past the end of the list keeps weight 0, as the old layout did). */
function dartWeights(w: Float32Array, numTrees: number): Float64Array {
  const out = new Float64Array(numTrees);
  out.set(w.subarray(0, numTrees));
  return out;
}
