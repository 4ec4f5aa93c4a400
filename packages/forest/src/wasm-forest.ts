import { type Forest, MAX_HEAP_DEPTH, treeDepth } from "./layout.js";
import { FOREST_WASM_BASE64 } from "./wasm/forest-wasm.js";

/*
 * The WebAssembly forest: the trees re-laid out for the kernel in src/wasm/forest.wat (see the layout there).
 * Built once at load into an "image" (a SharedArrayBuffer); every instance, on the main thread or a worker,
 * copies the image into its own WebAssembly memory, whose low end then holds its per-row scratch.
 *
 * Why WebAssembly: a row of a 500-tree depth-8 model is 4,000 node visits. Against the typed-array heap kernel
 * the wasm kernel has no bounds checks, compares small integers (threshold ranks, computed once per row by a
 * branch-free binary search) instead of floats, reads one word per node instead of three, and walks 16 trees
 * in lockstep: 4.1 µs instead of 10.8 µs per row on that model (bench/run.mjs). Results are identical:
 * "x >= threshold" is exactly "rank(x) >= rank(threshold)", and leaves are added in tree order in float32.
 * Models of mostly deep, unbalanced trees (LightGBM's leaf-wise trees) add the chained walk for whole-forest calls
 * (the `ch` part of the image; README "The kernels").
 */

/** Trees per lockstep group (16 measured faster than 8 or 32); must equal GROUP in scripts/wasm-kernel.mjs. */
const GROUP = 16;
const SHIFT = Math.log2(GROUP * 4);
/** Largest image built (bytes); bigger models use the typed-array kernels. */
const MAX_IMAGE_BYTES = 512 * 1024 * 1024;
/** Threshold ranks are 16-bit and 0xffff is the "always left" padding rank. */
const MAX_THRESHOLDS_PER_FEATURE = 32767;
/** Chains of the whole-forest walk; must equal CW in scripts/wasm-kernel.mjs. */
const CHAINS = 8;
/** Largest go-right tables (bytes, all features) the chain walk rewrites per row. */
const MAX_GO_BYTES = 32768;
/**
 * The chain walk's 8-byte nodes hold 16-bit byte addresses of a go-right byte and of a slot: the bins, slots and
 * go-right tables sit below this address.
 */
const LOW_BYTES = 65536;
/** Bins entries are addressed by a 16-bit byte offset: 2 * numFeature * 4 < 65536. */
const MAX_FEATURES = 8191;

/** What an instance needs besides the module: the image and where things sit in it. */
export interface WasmForestImage {
  image: SharedArrayBuffer;
  numFeature: number;
  nGroups: number;
  /** byte addresses of the feature table, tree table and rule table */
  ft: number;
  tt: number;
  rt: number;
  /** 0: f32 rows, "x < t"; 1: f64 rows, "x < t"; 2: f64 rows, "x <= t" */
  binsKind: number;
  /** 1: f64 sums (out is a Float64Array) */
  sum64: number;
  /** byte address of the whole-forest chains (0: none) and the number of kernel trees */
  ch: number;
  nt: number;
}

/** A live instance: its memory views and exports (plain data so workers can rebuild one). */
export interface WasmForestState {
  rows: (
    x: number,
    n: number,
    xStride: number,
    out: number,
    outStride: number,
    t0: number,
    t1: number,
  ) => void;
  f32: Float32Array;
  f64: Float64Array;
  numFeature: number;
  /** scratch: rows of features at xAddr, sums at outAddr, `chunk` rows at a time */
  xAddr: number;
  outAddr: number;
  chunk: number;
  f64Rows: boolean;
  sum64: boolean;
}

/** A compiled WebAssembly.Module (opaque here: this package's types do not depend on lib.dom). */
export type CompiledForestModule = object;

/** The parts of the WebAssembly global used here (typed locally for the same reason). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => CompiledForestModule;
  Memory: new (d: { initial: number }) => { buffer: ArrayBuffer };
  Instance: new (m: CompiledForestModule, imports: object) => { exports: object };
}

let compiled: CompiledForestModule | null = null;

/** The compiled kernel module (compiled once per thread; it can be posted to workers). */
export function forestModule(): CompiledForestModule {
  if (compiled === null) {
    const wa = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    compiled = new wa.Module(Buffer.from(FOREST_WASM_BASE64, "base64"));
  }
  return compiled;
}

function align64(n: number): number {
  return Math.ceil(n / 64) * 64;
}

/**
 * Trees as the wasm builder reads them: pointer-layout nodes (I[n] < 0 a leaf, else the split feature; I[n + 1]
 * the left child, the right child at + 4) and accessors for the rest. Trees here are "kernel trees": a tree with
 * vector leaves is one kernel tree per output it adds to.
 */
export interface WasmSource {
  numTrees: number;
  I: Int32Array;
  root(t: number): number;
  output(t: number): number;
  missingGoesRight(n: number): boolean;
  /** threshold as compared (a float32 value for binsKind 0); NaN sends every present value right */
  threshold(n: number): number;
  /** the leaf's contribution, tree weight applied (rounded as the sum will add it) */
  leaf(t: number, n: number): number;
  /** per feature missing rule (f64 rows), or null: every feature uses NaN */
  featureRule: Int32Array | null;
  binsKind: 0 | 1 | 2;
  sum64: boolean;
}

/** The float32 pointer layout (XGBoost's arithmetic) as a wasm source. */
export function float32Source(fo: Forest): WasmSource {
  const { I, F } = fo;
  const w = fo.treeWeight;
  return {
    numTrees: fo.numTrees,
    I,
    root: (t) => fo.roots[t]!,
    output: (t) => fo.treeGroup[t]!,
    missingGoesRight: (n) => I[n + 3] !== I[n + 1],
    threshold: (n) => F[n + 2]!,
    leaf: (t, n) => (w === null || w[t] === 1 ? F[n + 2]! : Math.fround(F[n + 2]! * w[t]!)),
    featureRule: null,
    binsKind: 0,
    sum64: false,
  };
}

/**
 * Lays the trees out for the wasm kernel, or returns null when they do not fit the layout (categorical splits, too
 * many features or distinct thresholds, too big). Trees up to 12 deep are complete binary trees (walked 16 at a
 * time where a whole aligned group of 16 is); every other tree is 16-byte pointer nodes, walked up to eight at a time.
 * Models of mostly such trees also get the whole forest as eight chains of 8-byte nodes, for whole-forest calls.
 */
export function buildWasmForest(
  src: WasmSource,
  numFeature: number,
  nGroups: number,
): WasmForestImage | null {
  if (numFeature > MAX_FEATURES || numFeature < 1) return null;
  const T = src.numTrees;
  const I = src.I;
  const f64Rows = src.binsKind !== 0;
  // depth per tree; -1: deeper than the complete layout allows, laid out as 16-byte pointer nodes instead
  const depth = new Int32Array(T);
  for (let t = 0; t < T; t++) depth[t] = treeDepth(I, src.root(t), MAX_HEAP_DEPTH);
  // an aligned group of 16 complete trees walks in lockstep, so it shares the depth of its deepest tree
  // (shallower ones are padded); a group with a deep tree is walked one tree at a time
  const inGroup = new Uint8Array(T);
  for (let g = 0; g + GROUP <= T; g += GROUP) {
    let md = 0;
    for (let k = 0; k < GROUP; k++) md = depth[g + k]! < 0 || md < 0 ? -1 : Math.max(md, depth[g + k]!);
    if (md < 0) continue;
    depth.fill(md, g, g + GROUP);
    inGroup.fill(1, g, g + GROUP);
  }
  // an ungrouped tree would walk alone, one dependent load per level down to its full depth: as pointer nodes it
  // walks only its own path, up to eight trees in lockstep (their loads overlap)
  for (let t = 0; t < T; t++) if (!inGroup[t]) depth[t] = -1;
  // nodes per deep tree (breadth-first slots from the root are contiguous in both pointer layouts)
  const nodes = new Int32Array(T);
  // the whole forest as CHAINS chains of pointer trees (a second copy of every tree, for full-range calls) when
  // fewer than half of the trees walk as complete groups: each chain walks on into its next tree without waiting
  // for the others (see the kernel), so it does about the steps the row's paths need
  let grouped = 0;
  for (let t = 0; t < T; t++) grouped += inGroup[t]!;
  let chained = T >= CHAINS && 2 * grouped < T;
  for (let t = 0; t < T; t++) {
    if (depth[t]! >= 0 && !chained) continue;
    let count = 0;
    const stack = [src.root(t)];
    while (stack.length > 0) {
      const n = stack.pop()!;
      count++;
      if (I[n]! >= 0) stack.push(I[n + 1]!, I[n + 1]! + 4);
    }
    nodes[t] = count;
  }
  // distinct thresholds per feature, ranked (a NaN threshold has rank 0: every present value is >= it)
  const sets: Set<number>[] = Array.from({ length: numFeature }, () => new Set<number>());
  for (let s = 0; s < I.length; s += 4) {
    if (I[s]! < -1) return null; // a categorical split: the layout has none
    if (I[s]! < 0) continue;
    const th = src.threshold(s);
    if (Number.isNaN(th)) {
      if (!f64Rows) return null; // the float32 path has no NaN thresholds (float32Threshold maps them)
      continue;
    }
    sets[I[s]!]!.add(th);
  }
  const sorted: (Float32Array | Float64Array)[] = [];
  const ranks: Map<number, number>[] = [];
  for (const set of sets) {
    if (set.size > MAX_THRESHOLDS_PER_FEATURE) return null;
    const a = f64Rows ? Float64Array.from(set).sort() : Float32Array.from(set).sort();
    sorted.push(a);
    const m = new Map<number, number>();
    for (let i = 0; i < a.length; i++) m.set(a[i]!, i + 1);
    ranks.push(m);
  }
  // the chains' go-right tables are rewritten for every row: only when they are small
  let goBytes = 0;
  for (const a of sorted) goBytes += 32 * Math.ceil((a.length + 1) / 16);
  if (goBytes > MAX_GO_BYTES) chained = false;
  // the chains' low area, right after the bins: the slots (one i32 per tree, then the dummy word), the go-right
  // tables (two per feature, 16-byte chunks), then a zero chunk
  const binsEnd = align64(8 * numFeature);
  const slots = binsEnd;
  const dummy = slots + 4 * T;
  const goStart = align64(dummy + 4);
  const zeroChunk = goStart + goBytes;
  if (zeroChunk + 16 > LOW_BYTES) chained = false;
  const tb = f64Rows ? 8 : 4;
  // addresses
  let size = chained ? align64(zeroChunk + 16) : binsEnd;
  const ft = size;
  size = align64(size + 8 * numFeature);
  const rt = size;
  size = align64(size + 4 * numFeature);
  const thAddr: number[] = [];
  const padded: number[] = [];
  for (const a of sorted) {
    let p = 1;
    while (p < a.length) p *= 2;
    thAddr.push(size);
    padded.push(p);
    size += tb * p;
  }
  size = align64(size);
  const tt = size;
  size = align64(size + 16 * T);
  const treeAddr = new Array<number>(T);
  let leafSlots = 0;
  for (let t = 0; t < T; t++) {
    if (depth[t]! < 0) {
      // 16-byte nodes: word, left child address, leaf value (f32 or f64)
      size = Math.ceil(size / 16) * 16;
      treeAddr[t] = size;
      size += 16 * nodes[t]!;
    } else {
      const slots = 2 << depth[t]!;
      leafSlots += 1 << depth[t]!;
      if (inGroup[t]) {
        if (t % GROUP === 0) {
          treeAddr[t] = size;
          size += slots * 4 * GROUP;
        } else treeAddr[t] = treeAddr[t - 1]! + 4;
      } else {
        treeAddr[t] = size;
        size += slots * 4;
      }
    }
    if (size > MAX_IMAGE_BYTES) return null;
  }
  size = align64(size);
  // chains: the header (CHAINS root addresses; the addresses of the slots, the sink and the go-right tables'
  // index; the byte distance from a node to its leaf value), the index (per feature: table address, 16-byte
  // chunks), every tree in 8-byte nodes, the sink, then a leaf value (f32 or f64) per node at that distance
  const ch = chained ? size : 0;
  const chainAddr = new Array<number>(chained ? T : 0);
  let gIndex = 0;
  let sink = 0;
  let voff = 0;
  const gAddr: number[] = [];
  const gChunks: number[] = [];
  if (chained) {
    size = align64(size + 4 * (CHAINS + 4));
    gIndex = size;
    size = align64(size + 8 * numFeature);
    let g = goStart;
    for (let f = 0; f < numFeature; f++) {
      gAddr.push(g);
      gChunks.push(Math.ceil((sorted[f]!.length + 1) / 16));
      g += 32 * gChunks[f]!;
    }
    const nodeStart = size;
    for (let t = 0; t < T; t++) {
      chainAddr[t] = size;
      size += 8 * nodes[t]!;
      if (size > MAX_IMAGE_BYTES) return null;
    }
    // above every node, so "all chains in the sink" is "the AND of their addresses is the sink's"
    sink = size;
    size += 8;
    voff = align64(size) - nodeStart;
    size = nodeStart + voff + (size - nodeStart);
    if (size > MAX_IMAGE_BYTES) return null;
  }
  size = align64(size);
  // f64 sums: each bottom slot holds the byte address of its value in this table
  let leafAddr = size;
  if (src.sum64) size += 8 * leafSlots;
  if (size > MAX_IMAGE_BYTES) return null;
  const image = new SharedArrayBuffer(align64(size));
  const i32 = new Int32Array(image);
  const f32 = new Float32Array(image);
  const f64 = new Float64Array(image);
  for (let f = 0; f < numFeature; f++) {
    i32[(ft >> 2) + 2 * f] = thAddr[f]!;
    i32[(ft >> 2) + 2 * f + 1] = padded[f]! >> 1;
    i32[(rt >> 2) + f] = src.featureRule === null ? 0 : src.featureRule[f]!;
    const a = sorted[f]!;
    const view = f64Rows ? f64 : f32;
    const at = thAddr[f]! / tb;
    view.fill(Number.POSITIVE_INFINITY, at, at + padded[f]!);
    view.set(a, at);
  }
  const nodeWord = (n: number): number => {
    const f = I[n]!;
    const th = src.threshold(n);
    const rank = Number.isNaN(th) ? 0 : ranks[f]!.get(th)!;
    return ((4 * (src.missingGoesRight(n) ? numFeature + f : f)) << 16) | rank;
  };
  // a leaf slot: the f32 value, or the byte address of the f64 value
  const putLeaf = (at: number, t: number, n: number) => {
    if (src.sum64) {
      f64[leafAddr >> 3] = src.leaf(t, n);
      i32[at] = leafAddr;
      leafAddr += 8;
    } else f32[at] = src.leaf(t, n);
  };
  const stack: number[] = [];
  for (let t = 0; t < T; t++) {
    const D = depth[t]!;
    const shift = inGroup[t] ? SHIFT : 2;
    const base = treeAddr[t]!;
    const row = (tt >> 2) + 4 * t;
    i32[row] = base;
    i32[row + 1] = D < 0 ? 0 : shift;
    i32[row + 2] = D;
    i32[row + 3] = (src.sum64 ? 8 : 4) * src.output(t);
    const root = src.root(t);
    if (D < 0) {
      for (let i = 0; i < nodes[t]!; i++) {
        const n = root + 4 * i;
        const at = (base + 16 * i) >> 2;
        if (I[n]! < 0) {
          // "always left" onto itself, sign bit marking the leaf; its value in the node's last 8 bytes
          i32[at] = 0xffff;
          i32[at + 1] = (base + 16 * i) | 0x80000000;
          if (src.sum64) f64[(at >> 1) + 1] = src.leaf(t, n);
          else f32[at + 2] = src.leaf(t, n);
        } else {
          i32[at] = nodeWord(n);
          i32[at + 1] = base + 16 * ((I[n + 1]! - root) >> 2);
        }
      }
      continue;
    }
    // (pointer-layout node, heap slot, level)
    stack.length = 0;
    stack.push(root, 1, 0);
    while (stack.length > 0) {
      const d = stack.pop()!;
      const h = stack.pop()!;
      const n = stack.pop()!;
      const at = (base + h * (1 << shift)) >> 2;
      if (d === D) {
        putLeaf(at, t, n);
      } else if (I[n]! < 0) {
        // a leaf above the bottom: "always left" padding (any bins entry is < 0xffff), both halves end here
        i32[at] = 0xffff;
        stack.push(n, 2 * h, d + 1, n, 2 * h + 1, d + 1);
      } else {
        const left = I[n + 1]!;
        i32[at] = nodeWord(n);
        stack.push(left, 2 * h, d + 1, left + 4, 2 * h + 1, d + 1);
      }
    }
  }
  if (chained) {
    for (let k = 0; k < CHAINS; k++) i32[(ch >> 2) + k] = chainAddr[k]!;
    i32[(ch >> 2) + CHAINS] = slots;
    i32[(ch >> 2) + CHAINS + 1] = sink;
    i32[(ch >> 2) + CHAINS + 2] = gIndex;
    i32[(ch >> 2) + CHAINS + 3] = voff;
    for (let f = 0; f < numFeature; f++) {
      i32[(gIndex >> 2) + 2 * f] = gAddr[f]!;
      i32[(gIndex >> 2) + 2 * f + 1] = gChunks[f]!;
    }
    // a node: (go-right byte address << 16 | slot address), then the left child's address (the right one 8 bytes
    // after it); the sink reads a zero byte and stays
    i32[sink >> 2] = (zeroChunk << 16) | dummy;
    i32[(sink >> 2) + 1] = sink;
    // the go-right byte of a split: its feature's table for the side a missing value takes, at the threshold's rank
    const goRight = (n: number): number => {
      const f = I[n]!;
      const th = src.threshold(n);
      const rank = Number.isNaN(th) ? 0 : ranks[f]!.get(th)!;
      return gAddr[f]! + (src.missingGoesRight(n) ? 16 * gChunks[f]! : 0) + rank;
    };
    for (let t = 0; t < T; t++) {
      const root = src.root(t);
      const base = chainAddr[t]!;
      for (let i = 0; i < nodes[t]!; i++) {
        const n = root + 4 * i;
        const addr = base + 8 * i;
        const at = addr >> 2;
        if (I[n]! < 0) {
          // records itself at tree t's slot and, in the same step, takes the root split of the chain's next tree
          // (a copy of it, so no step is spent on the leaf); when that root is a leaf too, or at the chain's end,
          // reads a zero byte: on to the next tree's root node, or the sink
          const next = t + CHAINS;
          const nr = next < T ? src.root(next) : -1;
          if (nr >= 0 && I[nr]! >= 0) {
            i32[at] = (goRight(nr) << 16) | (slots + 4 * t);
            i32[at + 1] = chainAddr[next]! + 8 * ((I[nr + 1]! - nr) >> 2);
          } else {
            i32[at] = (zeroChunk << 16) | (slots + 4 * t);
            i32[at + 1] = next < T ? chainAddr[next]! : sink;
          }
          if (src.sum64) f64[(addr + voff) >> 3] = src.leaf(t, n);
          else f32[(addr + voff) >> 2] = src.leaf(t, n);
        } else {
          i32[at] = (goRight(n) << 16) | dummy;
          i32[at + 1] = base + 8 * ((I[n + 1]! - root) >> 2);
        }
      }
    }
  }
  return {
    ch,
    nt: T,
    image,
    numFeature,
    nGroups,
    ft,
    tt,
    rt,
    binsKind: src.binsKind,
    sum64: src.sum64 ? 1 : 0,
  };
}

/**
 * An instance over its own memory (self-contained: worker threads receive this function's source text).
 * `mod` is forestModule(); `img` is buildWasmForest's result.
 */
export function instantiateWasmForest(mod: CompiledForestModule, img: WasmForestImage): WasmForestState {
  const wa = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  const nf = img.numFeature;
  const xb = img.binsKind === 0 ? 4 : 8;
  const ob = img.sum64 === 1 ? 8 : 4;
  // scratch after the image: up to 256 rows, at most ~1 MB of features
  const chunk = Math.max(1, Math.min(256, Math.floor(262144 / nf)));
  const xAddr = img.image.byteLength;
  const outAddr = xAddr + Math.ceil((chunk * nf * xb) / 64) * 64;
  const bytes = outAddr + chunk * img.nGroups * ob;
  const memory = new wa.Memory({ initial: Math.ceil(bytes / 65536) });
  new Uint8Array(memory.buffer).set(new Uint8Array(img.image));
  const ex = new wa.Instance(mod, { env: { memory } }).exports as {
    init: (
      nf: number,
      ft: number,
      tt: number,
      single: number,
      binsKind: number,
      sum64: number,
      rt: number,
      ch: number,
      nt: number,
    ) => void;
    rows: WasmForestState["rows"];
  };
  ex.init(nf, img.ft, img.tt, img.nGroups === 1 ? 1 : 0, img.binsKind, img.sum64, img.rt, img.ch, img.nt);
  return {
    rows: ex.rows,
    f32: new Float32Array(memory.buffer),
    f64: new Float64Array(memory.buffer),
    numFeature: nf,
    xAddr,
    outAddr,
    chunk,
    f64Rows: xb === 8,
    sum64: ob === 8,
  };
}

/**
 * Sums for rows [rowStart, rowEnd) and kernel trees [treeStart, treeEnd): out[r * nGroups + g] += leaves,
 * like the typed-array kernels (self-contained: also shipped to the workers as source text).
 * X must have numFeature columns (a Float64Array for f64 rows); out is a Float64Array for f64 sums.
 */
export function wasmMargins(
  st: WasmForestState,
  X: Float32Array | Float64Array,
  rowStart: number,
  rowEnd: number,
  treeStart: number,
  treeEnd: number,
  out: Float32Array | Float64Array,
  nGroups: number,
): void {
  const nf = st.numFeature;
  const mx = st.f64Rows ? st.f64 : st.f32;
  const mo = st.sum64 ? st.f64 : st.f32;
  const xo = st.xAddr / (st.f64Rows ? 8 : 4);
  const oo = st.outAddr / (st.sum64 ? 8 : 4);
  const xs8 = st.f64Rows ? 8 : 4;
  const os8 = st.sum64 ? 8 : 4;
  for (let r = rowStart; r < rowEnd; r += st.chunk) {
    const n = Math.min(st.chunk, rowEnd - r);
    const xs = r * nf;
    const xl = n * nf;
    for (let i = 0; i < xl; i++) mx[xo + i] = X[xs + i]!;
    const os = r * nGroups;
    const ol = n * nGroups;
    for (let i = 0; i < ol; i++) mo[oo + i] = out[os + i]!;
    st.rows(st.xAddr, n, nf * xs8, st.outAddr, nGroups * os8, treeStart, treeEnd);
    for (let i = 0; i < ol; i++) out[os + i] = mo[oo + i]!;
  }
}
