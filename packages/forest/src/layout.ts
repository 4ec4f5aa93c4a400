import { forestError } from "./errors.js";
import type { Tree } from "./model.js";

/**
 * The float32 pointer layout: trees flattened once at load into shared typed arrays (see kernels.ts for the
 * layout). Used for models whose splits are all "x >= float32 threshold goes right" on float32 inputs, whose
 * missing values are NaN and whose leaves are summed in float32 (XGBoost's arithmetic).
 */
export interface Forest {
  numTrees: number;
  /** node buffer: Int32 view and Float32 view of the same SharedArrayBuffer */
  I: Int32Array;
  F: Float32Array;
  /** offset (in I/F units) of each tree's root */
  roots: Int32Array;
  treeGroup: Int32Array;
  /** DART weights (null for gbtree) */
  treeWeight: Float32Array | null;
  /** the model form's node id per slot (slot = offset >> 2), for pred_leaf */
  nodeIds: Int32Array;
  hasCategorical: boolean;
  catStart: Int32Array;
  catWords: Int32Array;
  catBits: Uint32Array;
}

function sharedInt32(n: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(Math.max(1, n) * 4));
}

/**
 * Numbers a tree's nodes breadth first from slot `first`, so that the two children of a split get adjacent slots
 * (left then right, or right then left where `swap(node)`). Calls visit(node, slot, firstChildSlot), with -1 as
 * firstChildSlot for a leaf, and returns the next free slot. `queue` holds 2 * numNodes entries.
 */
export function layBreadthFirst(
  tree: Tree,
  first: number,
  queue: Int32Array,
  swap: ((node: number) => boolean) | null,
  visit: (node: number, slot: number, childSlot: number) => void,
): number {
  let next = first + 1;
  let qh = 0;
  let qt = 0;
  queue[qt++] = 0;
  queue[qt++] = first;
  while (qh < qt) {
    const o = queue[qh++]!;
    const s = queue[qh++]!;
    const l = tree.left[o]!;
    if (l === -1) {
      visit(o, s, -1);
      continue;
    }
    const r = tree.right[o]!;
    const ls = next;
    next += 2;
    visit(o, s, ls);
    const sw = swap?.(o) === true;
    queue[qt++] = sw ? r : l;
    queue[qt++] = ls;
    queue[qt++] = sw ? l : r;
    queue[qt++] = ls + 1;
  }
  return next;
}

/**
 * Flattens trees into the float32 pointer layout. `thresholds[t]` and `leaves[t]` are per node of tree t (float32
 * values: the caller has already turned every split into "x >= threshold goes right").
 */
export function flattenForest(
  trees: readonly Tree[],
  thresholds: readonly Float32Array[],
  leaves: readonly Float32Array[],
  treeOutput: Int32Array,
  treeWeight: Float64Array | null,
): Forest {
  const numTrees = trees.length;
  let totalNodes = 0;
  let hasCategorical = false;
  let maxNodes = 1;
  for (const t of trees) {
    totalNodes += t.numNodes;
    if (t.numNodes > maxNodes) maxNodes = t.numNodes;
    if (t.categories !== undefined && t.categories.size > 0) hasCategorical = true;
  }
  if (totalNodes * 4 > 2 ** 31 - 1) throw forestError("model too large");
  const buf = new SharedArrayBuffer(Math.max(1, totalNodes) * 16);
  const I = new Int32Array(buf);
  const F = new Float32Array(buf);
  const nodeIds = sharedInt32(totalNodes);
  const roots = sharedInt32(numTrees);
  const treeGroup = sharedInt32(numTrees);
  treeGroup.set(treeOutput);
  let catStart: Int32Array = new Int32Array(0);
  let catWords: Int32Array = new Int32Array(0);
  let bits: number[] = [];
  if (hasCategorical) {
    catStart = sharedInt32(totalNodes);
    catWords = sharedInt32(totalNodes);
  }
  let next = 0;
  const queue = new Int32Array(maxNodes * 2);
  for (let ti = 0; ti < numTrees; ti++) {
    const t = trees[ti]!;
    const th = thresholds[ti]!;
    const lv = leaves[ti]!;
    roots[ti] = next * 4;
    // a categorical node keeps "not in the set" in the first child slot and "in the set" in the second
    const swap = (o: number) => t.categories?.get(o)?.inSetGoesLeft === true;
    next = layBreadthFirst(t, next, queue, swap, (o, s, ls) => {
      const p = s * 4;
      nodeIds[s] = o;
      if (ls < 0) {
        I[p] = -1;
        I[p + 1] = 0;
        F[p + 2] = lv[o]!;
        I[p + 3] = 0;
        return;
      }
      const feat = t.feature[o]!;
      const split = t.categories?.get(o);
      I[p] = split !== undefined ? -2 - feat : feat;
      I[p + 1] = ls * 4;
      F[p + 2] = th[o]!;
      I[p + 3] = (t.defaultLeft[o] === 1) !== swap(o) ? ls * 4 : ls * 4 + 4;
      if (split !== undefined) {
        catStart[s] = bits.length;
        catWords[s] = split.bits.length;
        for (const w of split.bits) bits.push(w | 0);
      }
    });
  }
  const catBits = new Uint32Array(new SharedArrayBuffer(Math.max(1, bits.length) * 4));
  catBits.set(bits.map((w) => w >>> 0));
  bits = [];
  let weight: Float32Array | null = null;
  if (treeWeight !== null) {
    weight = new Float32Array(new SharedArrayBuffer(Math.max(1, numTrees) * 4));
    weight.set(treeWeight);
  }
  return {
    numTrees,
    I: I.subarray(0, Math.max(1, next) * 4),
    F: F.subarray(0, Math.max(1, next) * 4),
    roots,
    treeGroup,
    treeWeight: weight,
    nodeIds,
    hasCategorical,
    catStart,
    catWords,
    catBits,
  };
}

/**
 * The same trees as complete binary trees ("heap" order: the children of slot i are 2i+1 and 2i+2),
 * so a walk needs no child pointers and no leaf test: each tree is walked exactly `depth` levels.
 * A leaf above the bottom level is copied into every bottom slot under it (padding nodes send
 * values either way). Built only for models without categorical splits whose trees are shallow
 * enough (depth <= MAX_HEAP_DEPTH and a bounded total size); other models use the pointer layout.
 */
export interface HeapForest {
  /** per internal slot: split feature, threshold, 1 when a missing value goes right */
  feat: Int32Array;
  thr: Float32Array;
  missRight: Int32Array;
  /** bottom-level leaf values */
  leaf: Float32Array;
  /** per tree: first internal slot, leaf base (offset of bottom slot 0 minus 2^depth - 1), depth */
  nodeBase: Int32Array;
  leafBase: Int32Array;
  depth: Int32Array;
}

export const MAX_HEAP_DEPTH = 12;
const MAX_HEAP_SLOTS = 1 << 25;

/** Depth of the tree rooted at `root` in the pointer layout, or -1 when it is deeper than `maxDepth`. */
export function treeDepth(I: Int32Array, root: number, maxDepth: number): number {
  let md = 0;
  const stack = [root, 0];
  while (stack.length > 0) {
    const d = stack.pop()!;
    const n = stack.pop()!;
    if (I[n]! < 0) {
      if (d > md) md = d;
    } else {
      if (d + 1 > maxDepth) return -1;
      stack.push(I[n + 1]!, d + 1, I[n + 1]! + 4, d + 1);
    }
  }
  return md;
}

export function buildHeapForest(fo: Forest): HeapForest | null {
  if (fo.hasCategorical) return null;
  const T = fo.numTrees;
  const depth = new Int32Array(new SharedArrayBuffer(Math.max(1, T) * 4));
  let internal = 0;
  let leaves = 0;
  for (let t = 0; t < T; t++) {
    const md = treeDepth(fo.I, fo.roots[t]!, MAX_HEAP_DEPTH);
    if (md < 0) return null;
    depth[t] = md;
    internal += (1 << md) - 1;
    leaves += 1 << md;
    if (internal + leaves > MAX_HEAP_SLOTS) return null;
  }
  const feat = new Int32Array(new SharedArrayBuffer(Math.max(1, internal) * 4));
  const thr = new Float32Array(new SharedArrayBuffer(Math.max(1, internal) * 4));
  const missRight = new Int32Array(new SharedArrayBuffer(Math.max(1, internal) * 4));
  const leaf = new Float32Array(new SharedArrayBuffer(Math.max(1, leaves) * 4));
  const nodeBase = new Int32Array(new SharedArrayBuffer(Math.max(1, T) * 4));
  const leafBase = new Int32Array(new SharedArrayBuffer(Math.max(1, T) * 4));
  let ni = 0;
  let li = 0;
  // (pointer-layout node, heap slot, level) triples
  const work: number[] = [];
  for (let t = 0; t < T; t++) {
    const D = depth[t]!;
    const full = (1 << D) - 1;
    nodeBase[t] = ni;
    leafBase[t] = li - full;
    work.length = 0;
    work.push(fo.roots[t]!, 0, 0);
    while (work.length > 0) {
      const d = work.pop()!;
      const h = work.pop()!;
      const n = work.pop()!;
      if (d === D) {
        leaf[li + h - full] = fo.F[n + 2]!;
        continue;
      }
      const i = ni + h;
      if (fo.I[n]! < 0) {
        // a leaf above the bottom: padding node, both subtrees end in this leaf
        feat[i] = 0;
        thr[i] = Number.POSITIVE_INFINITY;
        missRight[i] = 0;
        work.push(n, 2 * h + 1, d + 1, n, 2 * h + 2, d + 1);
        continue;
      }
      const left = fo.I[n + 1]!;
      feat[i] = fo.I[n]!;
      thr[i] = fo.F[n + 2]!;
      missRight[i] = fo.I[n + 3] === left ? 0 : 1;
      work.push(left, 2 * h + 1, d + 1, left + 4, 2 * h + 2, d + 1);
    }
    ni += full;
    li += full + 1;
  }
  return { feat, thr, missRight, leaf, nodeBase, leafBase, depth };
}
