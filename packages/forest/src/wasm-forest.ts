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
 */

/** Trees per lockstep group (16 measured faster than 8 or 32); must equal GROUP in scripts/wasm-kernel.mjs. */
const GROUP = 16;
const SHIFT = Math.log2(GROUP * 4);
/** Largest image built (bytes); bigger models use the typed-array kernels. */
const MAX_IMAGE_BYTES = 512 * 1024 * 1024;
/** Threshold ranks are 16-bit and 0xffff is the "always left" padding rank. */
const MAX_THRESHOLDS_PER_FEATURE = 32767;
/** Bins entries are addressed by a 16-bit byte offset: 2 * numFeature * 4 < 65536. */
const MAX_FEATURES = 8191;

/** What an instance needs besides the module: the image and where things sit in it. */
export interface WasmForestImage {
  image: SharedArrayBuffer;
  numFeature: number;
  nGroups: number;
  /** byte addresses of the feature table and tree table; trees [0, grouped) form whole groups */
  ft: number;
  tt: number;
  grouped: number;
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
  numFeature: number;
  /** scratch: rows of features at xAddr, margins at outAddr, `chunk` rows at a time */
  xAddr: number;
  outAddr: number;
  chunk: number;
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
 * Lays the forest out for the wasm kernel, or returns null when the model does not fit the layout
 * (categorical splits, a tree deeper than 12, too many features or distinct thresholds, too big).
 */
export function buildWasmForest(fo: Forest, numFeature: number, nGroups: number): WasmForestImage | null {
  if (fo.hasCategorical || numFeature > MAX_FEATURES || numFeature < 1) return null;
  const T = fo.numTrees;
  const { I, F } = fo;
  const depth = new Int32Array(T);
  for (let t = 0; t < T; t++) {
    depth[t] = treeDepth(I, fo.roots[t]!, MAX_HEAP_DEPTH);
    if (depth[t]! < 0) return null;
  }
  // a whole group walks in lockstep, so it shares the depth of its deepest tree (shallower ones are padded)
  const grouped = T - (T % GROUP);
  for (let g = 0; g < grouped; g += GROUP) {
    let md = 0;
    for (let k = 0; k < GROUP; k++) md = Math.max(md, depth[g + k]!);
    depth.fill(md, g, g + GROUP);
  }
  // distinct thresholds per feature, ranked
  const sets: Set<number>[] = Array.from({ length: numFeature }, () => new Set<number>());
  for (let s = 0; s < I.length; s += 4) {
    if (I[s]! < 0) continue;
    const th = F[s + 2]!;
    if (Number.isNaN(th)) return null; // a NaN threshold would break the ranks' order
    sets[I[s]!]!.add(th);
  }
  const sorted: Float32Array[] = [];
  const ranks: Map<number, number>[] = [];
  for (const set of sets) {
    if (set.size > MAX_THRESHOLDS_PER_FEATURE) return null;
    const a = Float32Array.from(set).sort();
    sorted.push(a);
    const m = new Map<number, number>();
    for (let i = 0; i < a.length; i++) m.set(a[i]!, i + 1);
    ranks.push(m);
  }
  // addresses
  let size = align64(8 * numFeature); // bins
  const ft = size;
  size = align64(size + 8 * numFeature);
  const thAddr: number[] = [];
  const padded: number[] = [];
  for (const a of sorted) {
    let p = 1;
    while (p < a.length) p *= 2;
    thAddr.push(size);
    padded.push(p);
    size += 4 * p;
  }
  size = align64(size);
  const tt = size;
  size = align64(size + 16 * T);
  const treeAddr = new Array<number>(T);
  for (let t = 0; t < T; t++) {
    const slots = 2 << depth[t]!;
    if (t < grouped) {
      if (t % GROUP === 0) {
        treeAddr[t] = size;
        size += slots * 4 * GROUP;
      } else treeAddr[t] = treeAddr[t - 1]! + 4;
    } else {
      treeAddr[t] = size;
      size += slots * 4;
    }
    if (size > MAX_IMAGE_BYTES) return null;
  }
  const image = new SharedArrayBuffer(align64(size));
  const i32 = new Int32Array(image);
  const f32 = new Float32Array(image);
  for (let f = 0; f < numFeature; f++) {
    i32[(ft >> 2) + 2 * f] = thAddr[f]!;
    i32[(ft >> 2) + 2 * f + 1] = padded[f]! >> 1;
    const a = sorted[f]!;
    f32.fill(Number.POSITIVE_INFINITY, thAddr[f]! >> 2, (thAddr[f]! >> 2) + padded[f]!);
    f32.set(a, thAddr[f]! >> 2);
  }
  const w = fo.treeWeight;
  const stack: number[] = [];
  for (let t = 0; t < T; t++) {
    const D = depth[t]!;
    const shift = t < grouped ? SHIFT : 2;
    const base = treeAddr[t]!;
    const row = (tt >> 2) + 4 * t;
    i32[row] = base;
    i32[row + 1] = shift;
    i32[row + 2] = D;
    i32[row + 3] = 4 * fo.treeGroup[t]!;
    const weight = w === null ? 1 : w[t]!;
    // (pointer-layout node, heap slot, level)
    stack.length = 0;
    stack.push(fo.roots[t]!, 1, 0);
    while (stack.length > 0) {
      const d = stack.pop()!;
      const h = stack.pop()!;
      const n = stack.pop()!;
      const at = (base + h * (1 << shift)) >> 2;
      if (d === D) {
        f32[at] = weight === 1 ? F[n + 2]! : Math.fround(F[n + 2]! * weight);
      } else if (I[n]! < 0) {
        // a leaf above the bottom: "always left" padding (any bins entry is < 0xffff), both halves end here
        i32[at] = 0xffff;
        stack.push(n, 2 * h, d + 1, n, 2 * h + 1, d + 1);
      } else {
        const f = I[n]!;
        const left = I[n + 1]!;
        const missRight = I[n + 3] !== left;
        i32[at] = ((4 * (missRight ? numFeature + f : f)) << 16) | ranks[f]!.get(F[n + 2]!)!;
        stack.push(left, 2 * h, d + 1, left + 4, 2 * h + 1, d + 1);
      }
    }
  }
  return { image, numFeature, nGroups, ft, tt, grouped };
}

/**
 * An instance over its own memory (self-contained: worker threads receive this function's source text).
 * `mod` is forestModule(); `img` is buildWasmForest's result.
 */
export function instantiateWasmForest(mod: CompiledForestModule, img: WasmForestImage): WasmForestState {
  const wa = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  const nf = img.numFeature;
  // scratch after the image: up to 256 rows, at most ~1 MB of features
  const chunk = Math.max(1, Math.min(256, Math.floor(262144 / nf)));
  const xAddr = img.image.byteLength;
  const outAddr = xAddr + Math.ceil((chunk * nf * 4) / 64) * 64;
  const bytes = outAddr + chunk * img.nGroups * 4;
  const memory = new wa.Memory({ initial: Math.ceil(bytes / 65536) });
  new Uint8Array(memory.buffer).set(new Uint8Array(img.image));
  const ex = new wa.Instance(mod, { env: { memory } }).exports as {
    init: (nf: number, ft: number, tt: number, grouped: number, single: number) => void;
    rows: WasmForestState["rows"];
  };
  ex.init(nf, img.ft, img.tt, img.grouped, img.nGroups === 1 ? 1 : 0);
  return { rows: ex.rows, f32: new Float32Array(memory.buffer), numFeature: nf, xAddr, outAddr, chunk };
}

/**
 * Margins for rows [rowStart, rowEnd) and trees [treeStart, treeEnd): out[r * nGroups + g] += leaves,
 * like the typed-array kernels (self-contained: also shipped to the workers as source text).
 * X must have numFeature columns.
 */
export function wasmMargins(
  st: WasmForestState,
  X: Float32Array,
  rowStart: number,
  rowEnd: number,
  treeStart: number,
  treeEnd: number,
  out: Float32Array,
  nGroups: number,
): void {
  const nf = st.numFeature;
  const m = st.f32;
  const xo = st.xAddr >> 2;
  const oo = st.outAddr >> 2;
  for (let r = rowStart; r < rowEnd; r += st.chunk) {
    const n = Math.min(st.chunk, rowEnd - r);
    const xs = r * nf;
    const xl = n * nf;
    for (let i = 0; i < xl; i++) m[xo + i] = X[xs + i]!;
    const os = r * nGroups;
    const ol = n * nGroups;
    for (let i = 0; i < ol; i++) m[oo + i] = out[os + i]!;
    st.rows(st.xAddr, n, nf * 4, st.outAddr, nGroups * 4, treeStart, treeEnd);
    for (let i = 0; i < ol; i++) out[os + i] = m[oo + i]!;
  }
}
