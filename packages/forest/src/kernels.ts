// biome-ignore-all lint/suspicious/noSelfCompare: `x !== x` is the NaN test in the hot loops (cheaper than Number.isNaN calls in V8)
/*
 * Prediction kernels over the flattened forest. They are self-contained (no imports, no closures)
 * because worker threads receive their source text: keep them that way.
 *
 * Node layout: Int32Array I / Float32Array F over one buffer, 4 slots per node, BFS order per tree
 * so the two children of a node are adjacent:
 *   I[n]     feature index (>= 0), -1 for a leaf, -2 - feature for a categorical split
 *   I[n + 1] offset of the left child (right child = left + 4)
 *   F[n + 2] split threshold (float32), or the leaf value
 *   I[n + 3] offset of the child taken when the value is missing (default_left)
 */

/**
 * Margins for rows [rowStart, rowEnd) and trees [treeStart, treeEnd): out[r * nGroups + g] += leaf
 * (times the DART weight, rounded to float32). Rows are taken in blocks of 64; inside a block each tree
 * walks four rows in lockstep so their independent node loads overlap, and the child step is branch-free
 * (`left + 4 * (x >= threshold)`), with a separate, rarely taken branch for missing values.
 * Per row the trees are still added in file order, so the float32 sums equal XGBoost's.
 */
export function marginKernel(
  I: Int32Array,
  F: Float32Array,
  roots: Int32Array,
  treeGroup: Int32Array,
  treeWeight: Float32Array | null,
  X: Float32Array,
  nCols: number,
  rowStart: number,
  rowEnd: number,
  treeStart: number,
  treeEnd: number,
  out: Float32Array,
  nGroups: number,
): void {
  const BLOCK = 64;
  const fr = Math.fround;
  for (let b = rowStart; b < rowEnd; b += BLOCK) {
    const e = Math.min(b + BLOCK, rowEnd);
    for (let t = treeStart; t < treeEnd; t++) {
      const root = roots[t]!;
      const g = treeGroup[t]!;
      const w = treeWeight === null ? 1 : treeWeight[t]!;
      const rootFeat = I[root]!;
      let r = b;
      for (; r + 4 <= e; r += 4) {
        const x0 = r * nCols;
        const x1 = x0 + nCols;
        const x2 = x1 + nCols;
        const x3 = x2 + nCols;
        let n0 = root;
        let n1 = root;
        let n2 = root;
        let n3 = root;
        let f0 = rootFeat;
        let f1 = rootFeat;
        let f2 = rootFeat;
        let f3 = rootFeat;
        // continue while at least one of the four rows is not at a leaf (all leaf markers are negative)
        while ((f0 & f1 & f2 & f3) >= 0) {
          if (f0 >= 0) {
            const x = X[x0 + f0]!;
            n0 = x !== x ? I[n0 + 3]! : I[n0 + 1]! + (((x >= F[n0 + 2]!) as unknown as number) << 2);
            f0 = I[n0]!;
          }
          if (f1 >= 0) {
            const x = X[x1 + f1]!;
            n1 = x !== x ? I[n1 + 3]! : I[n1 + 1]! + (((x >= F[n1 + 2]!) as unknown as number) << 2);
            f1 = I[n1]!;
          }
          if (f2 >= 0) {
            const x = X[x2 + f2]!;
            n2 = x !== x ? I[n2 + 3]! : I[n2 + 1]! + (((x >= F[n2 + 2]!) as unknown as number) << 2);
            f2 = I[n2]!;
          }
          if (f3 >= 0) {
            const x = X[x3 + f3]!;
            n3 = x !== x ? I[n3 + 3]! : I[n3 + 1]! + (((x >= F[n3 + 2]!) as unknown as number) << 2);
            f3 = I[n3]!;
          }
        }
        out[r * nGroups + g] += w === 1 ? F[n0 + 2]! : fr(F[n0 + 2]! * w);
        out[(r + 1) * nGroups + g] += w === 1 ? F[n1 + 2]! : fr(F[n1 + 2]! * w);
        out[(r + 2) * nGroups + g] += w === 1 ? F[n2 + 2]! : fr(F[n2 + 2]! * w);
        out[(r + 3) * nGroups + g] += w === 1 ? F[n3 + 2]! : fr(F[n3 + 2]! * w);
      }
      for (; r < e; r++) {
        const xo = r * nCols;
        let n = root;
        let ff = rootFeat;
        while (ff >= 0) {
          const x = X[xo + ff]!;
          n = x !== x ? I[n + 3]! : I[n + 1]! + (((x >= F[n + 2]!) as unknown as number) << 2);
          ff = I[n]!;
        }
        out[r * nGroups + g] += w === 1 ? F[n + 2]! : fr(F[n + 2]! * w);
      }
    }
  }
}

/**
 * Margins for a few rows: each row walks four trees in lockstep (independent chains overlap), and the
 * four leaves are then added in file order, so the float32 sums are the same as marginKernel's.
 */
export function marginKernelRows(
  I: Int32Array,
  F: Float32Array,
  roots: Int32Array,
  treeGroup: Int32Array,
  treeWeight: Float32Array | null,
  X: Float32Array,
  nCols: number,
  rowStart: number,
  rowEnd: number,
  treeStart: number,
  treeEnd: number,
  out: Float32Array,
  nGroups: number,
): void {
  const fr = Math.fround;
  for (let r = rowStart; r < rowEnd; r++) {
    const xo = r * nCols;
    const o = r * nGroups;
    let t = treeStart;
    for (; t + 4 <= treeEnd; t += 4) {
      let n0 = roots[t]!;
      let n1 = roots[t + 1]!;
      let n2 = roots[t + 2]!;
      let n3 = roots[t + 3]!;
      let f0 = I[n0]!;
      let f1 = I[n1]!;
      let f2 = I[n2]!;
      let f3 = I[n3]!;
      while ((f0 & f1 & f2 & f3) >= 0) {
        if (f0 >= 0) {
          const x = X[xo + f0]!;
          n0 = x !== x ? I[n0 + 3]! : I[n0 + 1]! + (((x >= F[n0 + 2]!) as unknown as number) << 2);
          f0 = I[n0]!;
        }
        if (f1 >= 0) {
          const x = X[xo + f1]!;
          n1 = x !== x ? I[n1 + 3]! : I[n1 + 1]! + (((x >= F[n1 + 2]!) as unknown as number) << 2);
          f1 = I[n1]!;
        }
        if (f2 >= 0) {
          const x = X[xo + f2]!;
          n2 = x !== x ? I[n2 + 3]! : I[n2 + 1]! + (((x >= F[n2 + 2]!) as unknown as number) << 2);
          f2 = I[n2]!;
        }
        if (f3 >= 0) {
          const x = X[xo + f3]!;
          n3 = x !== x ? I[n3 + 3]! : I[n3 + 1]! + (((x >= F[n3 + 2]!) as unknown as number) << 2);
          f3 = I[n3]!;
        }
      }
      if (treeWeight === null) {
        out[o + treeGroup[t]!] += F[n0 + 2]!;
        out[o + treeGroup[t + 1]!] += F[n1 + 2]!;
        out[o + treeGroup[t + 2]!] += F[n2 + 2]!;
        out[o + treeGroup[t + 3]!] += F[n3 + 2]!;
      } else {
        out[o + treeGroup[t]!] += fr(F[n0 + 2]! * treeWeight[t]!);
        out[o + treeGroup[t + 1]!] += fr(F[n1 + 2]! * treeWeight[t + 1]!);
        out[o + treeGroup[t + 2]!] += fr(F[n2 + 2]! * treeWeight[t + 2]!);
        out[o + treeGroup[t + 3]!] += fr(F[n3 + 2]! * treeWeight[t + 3]!);
      }
    }
    for (; t < treeEnd; t++) {
      let n = roots[t]!;
      let ff = I[n]!;
      while (ff >= 0) {
        const x = X[xo + ff]!;
        n = x !== x ? I[n + 3]! : I[n + 1]! + (((x >= F[n + 2]!) as unknown as number) << 2);
        ff = I[n]!;
      }
      out[o + treeGroup[t]!] += treeWeight === null ? F[n + 2]! : fr(F[n + 2]! * treeWeight[t]!);
    }
  }
}

/**
 * Heap-layout margins (see forest.ts buildHeapForest): blocks of 64 rows; each tree walks eight rows in
 * lockstep for exactly `depth` levels, child = 2i + 1 + (x >= threshold), with a separate branch for NaN.
 * Per row the trees are added in file order, so the float32 sums equal XGBoost's.
 */
export function heapKernel(
  hF: Int32Array,
  hT: Float32Array,
  hM: Int32Array,
  hL: Float32Array,
  hBase: Int32Array,
  hLeafBase: Int32Array,
  hDepth: Int32Array,
  treeGroup: Int32Array,
  treeWeight: Float32Array | null,
  X: Float32Array,
  nCols: number,
  rowStart: number,
  rowEnd: number,
  treeStart: number,
  treeEnd: number,
  out: Float32Array,
  nGroups: number,
): void {
  const BLOCK = 64;
  const fr = Math.fround;
  for (let b = rowStart; b < rowEnd; b += BLOCK) {
    const e = Math.min(b + BLOCK, rowEnd);
    for (let t = treeStart; t < treeEnd; t++) {
      const base = hBase[t]!;
      const D = hDepth[t]!;
      const lb = hLeafBase[t]!;
      const g = treeGroup[t]!;
      const w = treeWeight === null ? 1 : treeWeight[t]!;
      let r = b;
      for (; r + 8 <= e; r += 8) {
        const x0 = r * nCols;
        const x1 = x0 + nCols;
        const x2 = x1 + nCols;
        const x3 = x2 + nCols;
        const x4 = x3 + nCols;
        const x5 = x4 + nCols;
        const x6 = x5 + nCols;
        const x7 = x6 + nCols;
        let n0 = 0;
        let n1 = 0;
        let n2 = 0;
        let n3 = 0;
        let n4 = 0;
        let n5 = 0;
        let n6 = 0;
        let n7 = 0;
        let x = 0;
        for (let d = 0; d < D; d++) {
          x = X[x0 + hF[base + n0]!]!;
          n0 = 2 * n0 + 1 + (x !== x ? hM[base + n0]! : ((x >= hT[base + n0]!) as unknown as number) | 0);
          x = X[x1 + hF[base + n1]!]!;
          n1 = 2 * n1 + 1 + (x !== x ? hM[base + n1]! : ((x >= hT[base + n1]!) as unknown as number) | 0);
          x = X[x2 + hF[base + n2]!]!;
          n2 = 2 * n2 + 1 + (x !== x ? hM[base + n2]! : ((x >= hT[base + n2]!) as unknown as number) | 0);
          x = X[x3 + hF[base + n3]!]!;
          n3 = 2 * n3 + 1 + (x !== x ? hM[base + n3]! : ((x >= hT[base + n3]!) as unknown as number) | 0);
          x = X[x4 + hF[base + n4]!]!;
          n4 = 2 * n4 + 1 + (x !== x ? hM[base + n4]! : ((x >= hT[base + n4]!) as unknown as number) | 0);
          x = X[x5 + hF[base + n5]!]!;
          n5 = 2 * n5 + 1 + (x !== x ? hM[base + n5]! : ((x >= hT[base + n5]!) as unknown as number) | 0);
          x = X[x6 + hF[base + n6]!]!;
          n6 = 2 * n6 + 1 + (x !== x ? hM[base + n6]! : ((x >= hT[base + n6]!) as unknown as number) | 0);
          x = X[x7 + hF[base + n7]!]!;
          n7 = 2 * n7 + 1 + (x !== x ? hM[base + n7]! : ((x >= hT[base + n7]!) as unknown as number) | 0);
        }
        out[(r + 0) * nGroups + g] += w === 1 ? hL[lb + n0]! : fr(hL[lb + n0]! * w);
        out[(r + 1) * nGroups + g] += w === 1 ? hL[lb + n1]! : fr(hL[lb + n1]! * w);
        out[(r + 2) * nGroups + g] += w === 1 ? hL[lb + n2]! : fr(hL[lb + n2]! * w);
        out[(r + 3) * nGroups + g] += w === 1 ? hL[lb + n3]! : fr(hL[lb + n3]! * w);
        out[(r + 4) * nGroups + g] += w === 1 ? hL[lb + n4]! : fr(hL[lb + n4]! * w);
        out[(r + 5) * nGroups + g] += w === 1 ? hL[lb + n5]! : fr(hL[lb + n5]! * w);
        out[(r + 6) * nGroups + g] += w === 1 ? hL[lb + n6]! : fr(hL[lb + n6]! * w);
        out[(r + 7) * nGroups + g] += w === 1 ? hL[lb + n7]! : fr(hL[lb + n7]! * w);
      }
      for (; r < e; r++) {
        const xo = r * nCols;
        let n = 0;
        for (let d = 0; d < D; d++) {
          const x = X[xo + hF[base + n]!]!;
          n = 2 * n + 1 + (x !== x ? hM[base + n]! : ((x >= hT[base + n]!) as unknown as number) | 0);
        }
        out[r * nGroups + g] += w === 1 ? hL[lb + n]! : fr(hL[lb + n]! * w);
      }
    }
  }
}

/** Heap-layout margins for a few rows: eight trees of equal depth walk in lockstep, leaves added in file order. */
export function heapKernelRows(
  hF: Int32Array,
  hT: Float32Array,
  hM: Int32Array,
  hL: Float32Array,
  hBase: Int32Array,
  hLeafBase: Int32Array,
  hDepth: Int32Array,
  treeGroup: Int32Array,
  treeWeight: Float32Array | null,
  X: Float32Array,
  nCols: number,
  rowStart: number,
  rowEnd: number,
  treeStart: number,
  treeEnd: number,
  out: Float32Array,
  nGroups: number,
): void {
  const fr = Math.fround;
  for (let r = rowStart; r < rowEnd; r++) {
    const xo = r * nCols;
    const o = r * nGroups;
    let t = treeStart;
    while (t < treeEnd) {
      const D = hDepth[t]!;
      if (
        t + 8 <= treeEnd &&
        hDepth[t + 7] === D &&
        hDepth[t + 1] === D &&
        hDepth[t + 2] === D &&
        hDepth[t + 3] === D &&
        hDepth[t + 4] === D &&
        hDepth[t + 5] === D &&
        hDepth[t + 6] === D
      ) {
        const b0 = hBase[t + 0]!;
        const b1 = hBase[t + 1]!;
        const b2 = hBase[t + 2]!;
        const b3 = hBase[t + 3]!;
        const b4 = hBase[t + 4]!;
        const b5 = hBase[t + 5]!;
        const b6 = hBase[t + 6]!;
        const b7 = hBase[t + 7]!;
        let n0 = 0;
        let n1 = 0;
        let n2 = 0;
        let n3 = 0;
        let n4 = 0;
        let n5 = 0;
        let n6 = 0;
        let n7 = 0;
        let x = 0;
        for (let d = 0; d < D; d++) {
          x = X[xo + hF[b0 + n0]!]!;
          n0 = 2 * n0 + 1 + (x !== x ? hM[b0 + n0]! : ((x >= hT[b0 + n0]!) as unknown as number) | 0);
          x = X[xo + hF[b1 + n1]!]!;
          n1 = 2 * n1 + 1 + (x !== x ? hM[b1 + n1]! : ((x >= hT[b1 + n1]!) as unknown as number) | 0);
          x = X[xo + hF[b2 + n2]!]!;
          n2 = 2 * n2 + 1 + (x !== x ? hM[b2 + n2]! : ((x >= hT[b2 + n2]!) as unknown as number) | 0);
          x = X[xo + hF[b3 + n3]!]!;
          n3 = 2 * n3 + 1 + (x !== x ? hM[b3 + n3]! : ((x >= hT[b3 + n3]!) as unknown as number) | 0);
          x = X[xo + hF[b4 + n4]!]!;
          n4 = 2 * n4 + 1 + (x !== x ? hM[b4 + n4]! : ((x >= hT[b4 + n4]!) as unknown as number) | 0);
          x = X[xo + hF[b5 + n5]!]!;
          n5 = 2 * n5 + 1 + (x !== x ? hM[b5 + n5]! : ((x >= hT[b5 + n5]!) as unknown as number) | 0);
          x = X[xo + hF[b6 + n6]!]!;
          n6 = 2 * n6 + 1 + (x !== x ? hM[b6 + n6]! : ((x >= hT[b6 + n6]!) as unknown as number) | 0);
          x = X[xo + hF[b7 + n7]!]!;
          n7 = 2 * n7 + 1 + (x !== x ? hM[b7 + n7]! : ((x >= hT[b7 + n7]!) as unknown as number) | 0);
        }
        out[o + treeGroup[t + 0]!] +=
          treeWeight === null
            ? hL[hLeafBase[t + 0]! + n0]!
            : fr(hL[hLeafBase[t + 0]! + n0]! * treeWeight[t + 0]!);
        out[o + treeGroup[t + 1]!] +=
          treeWeight === null
            ? hL[hLeafBase[t + 1]! + n1]!
            : fr(hL[hLeafBase[t + 1]! + n1]! * treeWeight[t + 1]!);
        out[o + treeGroup[t + 2]!] +=
          treeWeight === null
            ? hL[hLeafBase[t + 2]! + n2]!
            : fr(hL[hLeafBase[t + 2]! + n2]! * treeWeight[t + 2]!);
        out[o + treeGroup[t + 3]!] +=
          treeWeight === null
            ? hL[hLeafBase[t + 3]! + n3]!
            : fr(hL[hLeafBase[t + 3]! + n3]! * treeWeight[t + 3]!);
        out[o + treeGroup[t + 4]!] +=
          treeWeight === null
            ? hL[hLeafBase[t + 4]! + n4]!
            : fr(hL[hLeafBase[t + 4]! + n4]! * treeWeight[t + 4]!);
        out[o + treeGroup[t + 5]!] +=
          treeWeight === null
            ? hL[hLeafBase[t + 5]! + n5]!
            : fr(hL[hLeafBase[t + 5]! + n5]! * treeWeight[t + 5]!);
        out[o + treeGroup[t + 6]!] +=
          treeWeight === null
            ? hL[hLeafBase[t + 6]! + n6]!
            : fr(hL[hLeafBase[t + 6]! + n6]! * treeWeight[t + 6]!);
        out[o + treeGroup[t + 7]!] +=
          treeWeight === null
            ? hL[hLeafBase[t + 7]! + n7]!
            : fr(hL[hLeafBase[t + 7]! + n7]! * treeWeight[t + 7]!);
        t += 8;
      } else {
        const base = hBase[t]!;
        let n = 0;
        for (let d = 0; d < D; d++) {
          const x = X[xo + hF[base + n]!]!;
          n = 2 * n + 1 + (x !== x ? hM[base + n]! : ((x >= hT[base + n]!) as unknown as number) | 0);
        }
        const v = hL[hLeafBase[t]! + n]!;
        out[o + treeGroup[t]!] += treeWeight === null ? v : fr(v * treeWeight[t]!);
        t++;
      }
    }
  }
}

/**
 * Leaf slot reached by one row in one tree, categorical splits included (XGBoost's Decision:
 * a category in the node's set goes right; anything else, negative or >= 2^24 goes left).
 */
export function findLeafCat(
  I: Int32Array,
  F: Float32Array,
  root: number,
  X: Float32Array,
  xo: number,
  catStart: Int32Array,
  catWords: Int32Array,
  catBits: Uint32Array,
): number {
  let n = root;
  let ff = I[n]!;
  while (ff !== -1) {
    if (ff >= 0) {
      const x = X[xo + ff]!;
      if (x < F[n + 2]!) n = I[n + 1]!;
      else if (x !== x) n = I[n + 3]!;
      else n = I[n + 1]! + 4;
    } else {
      const x = X[xo + (-2 - ff)]!;
      if (x !== x) n = I[n + 3]!;
      else if (x < 0 || x >= 16777216) n = I[n + 1]!;
      else {
        const c = Math.trunc(x);
        const slot = n >> 2;
        const word = c >>> 5;
        if (word < catWords[slot]! && (catBits[catStart[slot]! + word]! >>> (c & 31)) & 1) n = I[n + 1]! + 4;
        else n = I[n + 1]!;
      }
    }
    ff = I[n]!;
  }
  return n;
}

/** Margins with categorical splits (slower path, used only by models that have them). */
export function marginKernelCat(
  I: Int32Array,
  F: Float32Array,
  roots: Int32Array,
  treeGroup: Int32Array,
  treeWeight: Float32Array | null,
  X: Float32Array,
  nCols: number,
  rowStart: number,
  rowEnd: number,
  treeStart: number,
  treeEnd: number,
  out: Float32Array,
  nGroups: number,
  catStart: Int32Array,
  catWords: Int32Array,
  catBits: Uint32Array,
): void {
  for (let r = rowStart; r < rowEnd; r++) {
    const xo = r * nCols;
    for (let t = treeStart; t < treeEnd; t++) {
      const n = findLeafCat(I, F, roots[t]!, X, xo, catStart, catWords, catBits);
      const o = r * nGroups + treeGroup[t]!;
      out[o] += treeWeight === null ? F[n + 2]! : Math.fround(F[n + 2]! * treeWeight[t]!);
    }
  }
}
