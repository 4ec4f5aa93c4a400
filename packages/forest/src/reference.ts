import { forestInputError } from "./errors.js";
import {
  type CategorySplit,
  type ForestModel,
  MissingRule,
  type Tree,
  type TreeRange,
  ZERO_THRESHOLD,
} from "./model.js";

/*
 * The reference walker: the model form's meaning written as plainly as possible, one row, one tree,
 * one node at a time. Every kernel must give exactly its numbers (the property tests check it).
 */

const fr = Math.fround;

/** Whether the category code of x (not NaN) is in the split's set, under the model's category rule. */
export function inCategorySet(model: ForestModel, split: CategorySplit, x: number): boolean {
  if (model.categoryRule === "nonnegative") {
    if (x < 0 || x >= 16777216) return false;
  } else if (!(x > -1 && x < 2147483648)) return false;
  const code = Math.trunc(x);
  const word = code >>> 5;
  return word < split.bits.length && ((split.bits[word]! >>> (code & 31)) & 1) === 1;
}

/** The child node a row goes to from split node n. `row` holds the values as the model sees them. */
export function nextNode(model: ForestModel, tree: Tree, n: number, row: ArrayLike<number>): number {
  let x = row[tree.feature[n]!]!;
  const rule = tree.missing === undefined ? MissingRule.nan : tree.missing[n]!;
  const toDefault = tree.defaultLeft[n] === 1 ? tree.left[n]! : tree.right[n]!;
  if (Number.isNaN(x)) {
    if (rule === MissingRule.nan) return toDefault;
    x = 0;
  }
  if (rule === MissingRule.zero && x >= -ZERO_THRESHOLD && x <= ZERO_THRESHOLD) return toDefault;
  const split = tree.categories?.get(n);
  let goLeft: boolean;
  if (split !== undefined) goLeft = inCategorySet(model, split, x) === split.inSetGoesLeft;
  else goLeft = model.comparison === "<" ? x < tree.threshold[n]! : x <= tree.threshold[n]!;
  return goLeft ? tree.left[n]! : tree.right[n]!;
}

/** The leaf node id a row reaches in a tree. */
export function leafOf(model: ForestModel, tree: Tree, row: ArrayLike<number>): number {
  let n = 0;
  while (tree.left[n] !== -1) n = nextNode(model, tree, n, row);
  return n;
}

/** Output j (0 for scalar leaves) of leaf n, before the tree weight. */
export function leafOutput(tree: Tree, n: number, j: number, row: ArrayLike<number>): number {
  if (tree.vector !== undefined) return tree.vector.values[n * tree.vector.width + j]!;
  const lin = tree.linear;
  if (lin === undefined) return tree.value[n]!;
  let out = lin.constant[n]!;
  for (let i = lin.offsets[n]!; i < lin.offsets[n + 1]!; i++) {
    const x = row[lin.features[i]!]!;
    if (Number.isNaN(x)) return tree.value[n]!;
    out += lin.coeffs[i]! * x;
  }
  return out;
}

/** Checks a tree range against the model ([0, trees) when omitted). */
export function resolveRange(model: ForestModel, range?: TreeRange): TreeRange {
  const T = model.trees.length;
  if (range === undefined) return { start: 0, end: T };
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start || end > T) {
    throw forestInputError(`tree range [${start}, ${end}) is not within the model's ${T} trees`);
  }
  return { start, end };
}

/** One row as the model compares it (rounded to float32 when the model's input precision says so). */
function modelRow(model: ForestModel, X: ArrayLike<number>, r: number): number[] {
  const nf = model.numFeatures;
  const row = new Array<number>(nf);
  for (let f = 0; f < nf; f++) {
    const v = X[r * nf + f]!;
    row[f] = model.inputPrecision === "float32" ? fr(v) : v;
  }
  return row;
}

function checkInput(model: ForestModel, X: ArrayLike<number>, numRows: number): void {
  if (!Number.isSafeInteger(numRows) || numRows < 0 || X.length < numRows * model.numFeatures) {
    throw forestInputError(`input has ${X.length} values, need ${numRows} rows of ${model.numFeatures}`);
  }
}

/**
 * Raw outputs (before any objective transform) of rows [0, numRows) of the row-major matrix X
 * (numFeatures columns), using trees [range.start, range.end): numRows * numOutputs values.
 */
export function predictReference(
  model: ForestModel,
  X: ArrayLike<number>,
  numRows: number,
  range?: TreeRange,
): Float64Array {
  checkInput(model, X, numRows);
  const { start, end } = resolveRange(model, range);
  const K = model.numOutputs;
  const out = new Float64Array(numRows * K);
  const f32 = model.aggregation === "sum-float32";
  const count = new Float64Array(K);
  for (let t = start; t < end; t++) {
    const width = model.trees[t]!.vector?.width ?? 1;
    for (let j = 0; j < width; j++) count[model.treeOutput[t]! + j]! += 1;
  }
  for (let r = 0; r < numRows; r++) {
    const row = modelRow(model, X, r);
    const acc = new Array<number>(K);
    for (let k = 0; k < K; k++) acc[k] = f32 ? fr(model.baseScore[k]!) : model.baseScore[k]!;
    for (let t = start; t < end; t++) {
      const tree = model.trees[t]!;
      const leaf = leafOf(model, tree, row);
      const w = model.treeWeight === null ? 1 : model.treeWeight[t]!;
      const width = tree.vector?.width ?? 1;
      for (let j = 0; j < width; j++) {
        const k = model.treeOutput[t]! + j;
        const v = leafOutput(tree, leaf, j, row);
        if (f32) acc[k] = fr(acc[k]! + fr(fr(v) * fr(w)));
        else acc[k] = acc[k]! + v * w;
      }
    }
    for (let k = 0; k < K; k++) {
      out[r * K + k] = model.aggregation === "mean" && count[k]! > 0 ? acc[k]! / count[k]! : acc[k]!;
    }
  }
  return out;
}

/** pred_leaf: the leaf node id (the tree's own numbering) each row reaches in trees [start, end). */
export function predictLeafReference(
  model: ForestModel,
  X: ArrayLike<number>,
  numRows: number,
  range?: TreeRange,
): Int32Array {
  checkInput(model, X, numRows);
  const { start, end } = resolveRange(model, range);
  const nt = end - start;
  const out = new Int32Array(numRows * nt);
  for (let r = 0; r < numRows; r++) {
    const row = modelRow(model, X, r);
    for (let t = start; t < end; t++) out[r * nt + t - start] = leafOf(model, model.trees[t]!, row);
  }
  return out;
}
