// biome-ignore-all lint/suspicious/noSelfCompare: `x !== x` is the NaN test in the hot loops
import { forestError } from "./errors.js";
import { layBreadthFirst } from "./layout.js";
import type { ForestModel } from "./model.js";

/*
 * The general kernel: every feature of the model form (both comparisons, every missing rule, categorical splits
 * either way round, scalar, vector and linear leaves, float32 or float64 sums). Models the float32 kernels
 * cannot take (LightGBM's, scikit-learn's) run here, or on the WebAssembly kernel when they fit it.
 *
 * Layout, 4 Int32 slots per node in GI plus one Float64 per node in GT, breadth first per tree so the two
 * children of a node are adjacent (node offsets are in GI units, slot = offset >> 2):
 *   GI[n]     feature (>= 0) of a numerical split, -2 - feature of a categorical one, -1 for a leaf
 *   GI[n + 1] offset of the left child (the right child is at + 4)
 *   GI[n + 2] offset of the child a missing value goes to
 *   GI[n + 3] split: missing rule (bits 0-1) | 4 when categories in the set go left;
 *             leaf: -1 for a scalar leaf, else its index into the vector or linear tables
 *   GT[slot]  split: threshold (numerical) or index of its bitset (categorical); leaf: the scalar value
 */
export interface GenericForest {
  numTrees: number;
  GI: Int32Array;
  GT: Float64Array;
  roots: Int32Array;
  treeOutput: Int32Array;
  /** per tree: outputs its leaves add to (1 for scalar and linear leaves) */
  treeWidth: Int32Array;
  /** per tree: 0 scalar leaves, 1 vector leaves, 2 linear leaves */
  treeKind: Int32Array;
  treeWeight: Float64Array | null;
  /** form node id per slot, for pred_leaf */
  nodeIds: Int32Array;
  /** bitsets: bitset b is catBits[catStart[b], catStart[b] + catWords[b]) */
  catStart: Int32Array;
  catWords: Int32Array;
  catBits: Uint32Array;
  /** vector leaves: leaf index i has its values at vecValues[vecStart[i] ...] */
  vecStart: Int32Array;
  vecValues: Float64Array;
  /** linear leaves: leaf index i has terms [linStart[2i], linStart[2i + 1]) and constant linConst[i] */
  linStart: Int32Array;
  linFeat: Int32Array;
  linCoef: Float64Array;
  linConst: Float64Array;
  /** 1: "<=" (x <= t goes left); 0: "<" */
  le: number;
  /** 1: float32 sums; 0: float64 */
  f32: number;
  /** 1: "truncate" category codes; 0: "nonnegative" */
  truncate: number;
}

function shared<T extends Int32Array | Float64Array | Uint32Array>(
  C: new (b: SharedArrayBuffer) => T,
  n: number,
  bytes: number,
): T {
  return new C(new SharedArrayBuffer(Math.max(1, n) * bytes));
}

/** Lays out a validated model for genericKernel. */
export function buildGenericForest(model: ForestModel): GenericForest {
  const trees = model.trees;
  const T = trees.length;
  let total = 0;
  let maxNodes = 1;
  let bitsets = 0;
  let bitWords = 0;
  let vecLeaves = 0;
  let vecValues = 0;
  let linLeaves = 0;
  let linTerms = 0;
  for (const t of trees) {
    total += t.numNodes;
    maxNodes = Math.max(maxNodes, t.numNodes);
    if (t.categories !== undefined) {
      bitsets += t.categories.size;
      for (const s of t.categories.values()) bitWords += s.bits.length;
    }
    for (let n = 0; n < t.numNodes; n++) {
      if (t.left[n] !== -1) continue;
      if (t.vector !== undefined) {
        vecLeaves++;
        vecValues += t.vector.width;
      } else if (t.linear !== undefined) {
        linLeaves++;
        linTerms += t.linear.offsets[n + 1]! - t.linear.offsets[n]!;
      }
    }
  }
  if (total * 4 > 2 ** 31 - 1) throw forestError("model too large");
  const GI = shared(Int32Array, total * 4, 4);
  const GT = shared(Float64Array, total, 8);
  const nodeIds = shared(Int32Array, total, 4);
  const roots = shared(Int32Array, T, 4);
  const treeOutput = shared(Int32Array, T, 4);
  const treeWidth = shared(Int32Array, T, 4);
  const treeKind = shared(Int32Array, T, 4);
  const catStart = shared(Int32Array, bitsets, 4);
  const catWords = shared(Int32Array, bitsets, 4);
  const catBits = shared(Uint32Array, bitWords, 4);
  const vecStart = shared(Int32Array, vecLeaves, 4);
  const vecV = shared(Float64Array, vecValues, 8);
  const linStart = shared(Int32Array, 2 * linLeaves, 4);
  const linFeat = shared(Int32Array, linTerms, 4);
  const linCoef = shared(Float64Array, linTerms, 8);
  const linConst = shared(Float64Array, linLeaves, 8);
  let treeWeight: Float64Array | null = null;
  if (model.treeWeight !== null) {
    treeWeight = shared(Float64Array, T, 8);
    treeWeight.set(model.treeWeight);
  }
  let next = 0;
  let nb = 0;
  let nw = 0;
  let nv = 0;
  let nvv = 0;
  let nl = 0;
  let nlt = 0;
  const queue = new Int32Array(maxNodes * 2);
  for (let ti = 0; ti < T; ti++) {
    const t = trees[ti]!;
    treeOutput[ti] = model.treeOutput[ti]!;
    treeWidth[ti] = t.vector?.width ?? 1;
    treeKind[ti] = t.vector !== undefined ? 1 : t.linear !== undefined ? 2 : 0;
    roots[ti] = next * 4;
    next = layBreadthFirst(t, next, queue, null, (o, s, ls) => {
      const p = s * 4;
      nodeIds[s] = o;
      if (ls < 0) {
        GI[p] = -1;
        GT[s] = t.value[o]!;
        if (t.vector !== undefined) {
          const w = t.vector.width;
          vecStart[nv] = nvv;
          for (let j = 0; j < w; j++) vecV[nvv++] = t.vector.values[o * w + j]!;
          GI[p + 3] = nv++;
        } else if (t.linear !== undefined) {
          const lin = t.linear;
          linStart[2 * nl] = nlt;
          for (let i = lin.offsets[o]!; i < lin.offsets[o + 1]!; i++) {
            linFeat[nlt] = lin.features[i]!;
            linCoef[nlt++] = lin.coeffs[i]!;
          }
          linStart[2 * nl + 1] = nlt;
          linConst[nl] = lin.constant[o]!;
          GI[p + 3] = nl++;
        } else GI[p + 3] = -1;
        return;
      }
      const split = t.categories?.get(o);
      const rule = t.missing === undefined ? 0 : t.missing[o]!;
      GI[p] = split !== undefined ? -2 - t.feature[o]! : t.feature[o]!;
      GI[p + 1] = ls * 4;
      GI[p + 2] = t.defaultLeft[o] === 1 ? ls * 4 : ls * 4 + 4;
      GI[p + 3] = rule | (split?.inSetGoesLeft ? 4 : 0);
      if (split !== undefined) {
        catStart[nb] = nw;
        catWords[nb] = split.bits.length;
        catBits.set(split.bits, nw);
        nw += split.bits.length;
        GT[s] = nb++;
      } else GT[s] = t.threshold[o]!;
    });
  }
  return {
    numTrees: T,
    GI,
    GT,
    roots,
    treeOutput,
    treeWidth,
    treeKind,
    treeWeight,
    nodeIds,
    catStart,
    catWords,
    catBits,
    vecStart,
    vecValues: vecV,
    linStart,
    linFeat,
    linCoef,
    linConst,
    le: model.comparison === "<=" ? 1 : 0,
    f32: model.aggregation === "sum-float32" ? 1 : 0,
    truncate: model.categoryRule === "truncate" ? 1 : 0,
  };
}

/**
 * The leaf offset one row reaches in the tree at `root` (self-contained: shipped to workers as source text).
 * X holds the values as the model compares them (already float32 when the model says so).
 */
export function genericLeaf(
  g: GenericForest,
  root: number,
  X: Float32Array | Float64Array,
  xo: number,
): number {
  const GI = g.GI;
  const GT = g.GT;
  const Z = 1.0000000180025095e-35; // Math.fround(1e-35), LightGBM's kZeroThreshold (ZERO_THRESHOLD)
  let n = root;
  let f = GI[n]!;
  while (f !== -1) {
    const flags = GI[n + 3]!;
    const rule = flags & 3;
    let x = X[xo + (f >= 0 ? f : -2 - f)]!;
    if (x !== x) {
      if (rule === 0) {
        n = GI[n + 2]!;
        f = GI[n]!;
        continue;
      }
      x = 0;
    }
    if (rule === 1 && x >= -Z && x <= Z) {
      n = GI[n + 2]!;
    } else if (f >= 0) {
      const t = GT[n >> 2]!;
      // written as the negated left test, so that a NaN threshold sends every value right, as the form says
      n = GI[n + 1]! + ((g.le === 1 ? x <= t : x < t) ? 0 : 4);
    } else {
      let inSet = false;
      if (g.truncate === 1 ? x > -1 && x < 2147483648 : x >= 0 && x < 16777216) {
        const b = GT[n >> 2]!;
        const c = Math.trunc(x);
        const word = c >>> 5;
        inSet = word < g.catWords[b]! && ((g.catBits[g.catStart[b]! + word]! >>> (c & 31)) & 1) === 1;
      }
      n = GI[n + 1]! + (inSet === ((flags & 4) !== 0) ? 0 : 4);
    }
    f = GI[n]!;
  }
  return n;
}

/**
 * Sums for rows [rowStart, rowEnd) and trees [treeStart, treeEnd) into out (numOutputs per row, already holding
 * the base scores), trees added in tree order per output (self-contained: shipped to workers as source text).
 */
export function genericKernel(
  g: GenericForest,
  X: Float32Array | Float64Array,
  nCols: number,
  rowStart: number,
  rowEnd: number,
  treeStart: number,
  treeEnd: number,
  out: Float32Array | Float64Array,
  nOut: number,
): void {
  const fr = Math.fround;
  const GI = g.GI;
  const GT = g.GT;
  const BLOCK = 64;
  for (let b = rowStart; b < rowEnd; b += BLOCK) {
    const e = Math.min(b + BLOCK, rowEnd);
    for (let t = treeStart; t < treeEnd; t++) {
      const root = g.roots[t]!;
      const o0 = g.treeOutput[t]!;
      const width = g.treeWidth[t]!;
      const kind = g.treeKind[t]!;
      const w = g.treeWeight === null ? 1 : g.treeWeight[t]!;
      const w32 = fr(w);
      for (let r = b; r < e; r++) {
        const xo = r * nCols;
        const n = genericLeaf(g, root, X, xo);
        const ref = GI[n + 3]!;
        for (let j = 0; j < width; j++) {
          let v = GT[n >> 2]!;
          if (kind === 1) v = g.vecValues[g.vecStart[ref]! + j]!;
          else if (kind === 2) {
            let acc = g.linConst[ref]!;
            const end = g.linStart[2 * ref + 1]!;
            let i = g.linStart[2 * ref]!;
            for (; i < end; i++) {
              const x = X[xo + g.linFeat[i]!]!;
              if (x !== x) break;
              acc += g.linCoef[i]! * x;
            }
            // a NaN among the leaf's features: LightGBM's fallback to the leaf's constant value
            if (i === end) v = acc;
          }
          const k = r * nOut + o0 + j;
          if (g.f32 === 1) out[k] = fr(out[k]! + fr(fr(v) * w32));
          else out[k] = out[k]! + v * w;
        }
      }
    }
  }
}
