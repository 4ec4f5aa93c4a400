import { forestError } from "./errors.js";
import type { ForestModel, Tree } from "./model.js";

/** Bounds checked before anything is sized from a count in the model. */
export const FOREST_LIMITS = {
  maxFeatures: 1 << 28,
  maxOutputs: 1 << 20,
  maxNodesPerTree: 1 << 28,
  /** category codes a bitset may hold (2^24, XGBoost's largest exact float category) */
  maxCategoryWords: 1 << 19,
} as const;

function isCount(n: unknown, max: number): n is number {
  return typeof n === "number" && Number.isSafeInteger(n) && n >= 0 && n <= max;
}

function checkTree(model: ForestModel, t: number, tree: Tree): void {
  const n = tree.numNodes;
  const where = `tree ${t}`;
  if (!isCount(n, FOREST_LIMITS.maxNodesPerTree) || n < 1) throw forestError(`${where}: bad node count ${n}`);
  for (const [name, a] of [
    ["left", tree.left],
    ["right", tree.right],
    ["feature", tree.feature],
    ["threshold", tree.threshold],
    ["defaultLeft", tree.defaultLeft],
    ["value", tree.value],
  ] as const) {
    if (a.length < n) throw forestError(`${where}: ${name} has ${a.length} entries for ${n} nodes`);
  }
  if (tree.missing !== undefined && tree.missing.length < n) {
    throw forestError(`${where}: missing has ${tree.missing.length} entries for ${n} nodes`);
  }
  const seen = new Uint8Array(n);
  seen[0] = 1;
  for (let i = 0; i < n; i++) {
    const l = tree.left[i]!;
    if (l === -1) continue;
    const r = tree.right[i]!;
    if (!(l > 0 && l < n && r > 0 && r < n) || l === r || seen[l] || seen[r]) {
      throw forestError(`${where}: node ${i} has invalid children (${l}, ${r})`);
    }
    seen[l] = 1;
    seen[r] = 1;
    const f = tree.feature[i]!;
    if (!(f >= 0 && f < model.numFeatures)) {
      throw forestError(`${where}: node ${i} splits on feature ${f} but the model has ${model.numFeatures}`);
    }
    const m = tree.missing?.[i] ?? 0;
    if (m > 2) throw forestError(`${where}: node ${i} has missing rule ${m}`);
  }
  if (tree.categories !== undefined) {
    for (const [node, split] of tree.categories) {
      if (!(Number.isInteger(node) && node >= 0 && node < n) || tree.left[node] === -1) {
        throw forestError(`${where}: categorical split on node ${node}, which is not a split node`);
      }
      if (!(split.bits instanceof Uint32Array) || split.bits.length > FOREST_LIMITS.maxCategoryWords) {
        throw forestError(`${where}: node ${node} has a bad category bitset`);
      }
    }
  }
  const width = tree.vector?.width ?? 1;
  if (tree.vector !== undefined) {
    if (!isCount(width, FOREST_LIMITS.maxOutputs) || width < 1 || tree.vector.values.length < n * width) {
      throw forestError(`${where}: vector leaves of width ${width} need ${n * width} values`);
    }
    if (tree.linear !== undefined) throw forestError(`${where}: leaves cannot be both vector and linear`);
  }
  const g = model.treeOutput[t]!;
  if (!(Number.isInteger(g) && g >= 0 && g + width <= model.numOutputs)) {
    throw forestError(`${where}: output ${g} (width ${width}) is not within the ${model.numOutputs} outputs`);
  }
  const lin = tree.linear;
  if (lin !== undefined) {
    if (lin.offsets.length < n + 1 || lin.constant.length < n || lin.offsets[0] !== 0) {
      throw forestError(`${where}: linear leaves need ${n + 1} offsets and ${n} constants`);
    }
    for (let i = 0; i < n; i++) {
      if (lin.offsets[i + 1]! < lin.offsets[i]!) throw forestError(`${where}: linear offsets decrease`);
    }
    const terms = lin.offsets[n]!;
    if (lin.features.length < terms || lin.coeffs.length < terms) {
      throw forestError(`${where}: linear leaves have ${terms} terms but fewer features or coefficients`);
    }
    for (let i = 0; i < terms; i++) {
      const f = lin.features[i]!;
      if (!(f >= 0 && f < model.numFeatures)) throw forestError(`${where}: linear term on feature ${f}`);
    }
  }
}

/** Checks every rule of the form (see model.ts); throws an MlflowException naming the first broken one. */
export function validateForest(model: ForestModel): void {
  if (!isCount(model.numFeatures, FOREST_LIMITS.maxFeatures)) throw forestError("bad feature count");
  if (!isCount(model.numOutputs, FOREST_LIMITS.maxOutputs) || model.numOutputs < 1) {
    throw forestError("bad output count");
  }
  if (!Array.isArray(model.trees)) throw forestError("trees must be an array");
  const T = model.trees.length;
  if (model.treeOutput.length !== T)
    throw forestError(`${model.treeOutput.length} tree outputs for ${T} trees`);
  if (model.treeWeight !== null && model.treeWeight.length !== T) {
    throw forestError(`${model.treeWeight.length} tree weights for ${T} trees`);
  }
  if (model.baseScore.length !== model.numOutputs) {
    throw forestError(`${model.baseScore.length} base scores for ${model.numOutputs} outputs`);
  }
  if (model.comparison !== "<" && model.comparison !== "<=") throw forestError("comparison must be < or <=");
  if (model.inputPrecision !== "float32" && model.inputPrecision !== "float64") {
    throw forestError("inputPrecision must be float32 or float64");
  }
  if (!["sum-float32", "sum-float64", "mean"].includes(model.aggregation)) {
    throw forestError(`unknown aggregation ${String(model.aggregation)}`);
  }
  if (model.categoryRule !== "nonnegative" && model.categoryRule !== "truncate") {
    throw forestError(`unknown categoryRule ${String(model.categoryRule)}`);
  }
  for (let t = 0; t < T; t++) checkTree(model, t, model.trees[t]!);
}
