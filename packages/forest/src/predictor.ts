import { forestInputError } from "./errors.js";
import { buildGenericForest, type GenericForest, genericKernel, genericLeaf } from "./generic.js";
import {
  findLeafCat,
  heapKernel,
  heapKernelRows,
  marginKernel,
  marginKernelCat,
  marginKernelRows,
} from "./kernels.js";
import { buildHeapForest, type Forest, flattenForest, type HeapForest } from "./layout.js";
import type { ForestModel, TreeRange } from "./model.js";
import { type Job, WorkerPool } from "./pool.js";
import { resolveRange } from "./reference.js";
import { validateForest } from "./validate.js";
import {
  buildWasmForest,
  float32Source,
  forestModule,
  instantiateWasmForest,
  type WasmForestImage,
  type WasmForestState,
  type WasmSource,
  wasmMargins,
} from "./wasm-forest.js";

export interface CompileOptions {
  /**
   * Kernel choice: "auto" (default) takes the fastest kernel the model fits (WebAssembly, then the typed-array
   * complete-tree "heap" kernel, then the pointer kernel, then the general one); "heap", "pointer" and
   * "generic" force those typed-array kernels ("heap" and "pointer" exist for float32 models only; other
   * models use the general kernel). All give identical results.
   */
  layout?: "auto" | "heap" | "pointer" | "generic";
}

/** Which kernel a compiled forest runs. */
export type ForestLayout = "wasm" | "heap" | "pointer" | "generic";

/** The array type of a model's raw outputs: Float32Array for "sum-float32", else Float64Array. */
export type ForestOutput = Float32Array | Float64Array;

export interface AsyncPredictOptions {
  range?: TreeRange;
  /** Number of worker threads for this batch (a pool of this size is kept on the predictor). */
  workers?: number;
  /** Batches smaller than this many rows per worker run on the calling thread. Default 2048. */
  minRowsPerWorker?: number;
}

const fr = Math.fround;
/** Row-range tasks per worker thread in predictAsync (threads take the next one as they finish). */
const TASKS_PER_WORKER = 4;
const f32buf = new Float32Array(1);
const u32buf = new Uint32Array(f32buf.buffer);

/** The float32 just above f (f a float32, not NaN, not +Inf). */
function nextUp32(f: number): number {
  if (f === 0) return 1.401298464324817e-45;
  f32buf[0] = f;
  u32buf[0] = u32buf[0]! + (f > 0 ? 1 : -1);
  return f32buf[0]!;
}

/**
 * For float32 inputs, the float32 t' with "x >= t' goes right" equal to the model's split on double t,
 * or null when there is none (x <= +Inf sends every value left).
 */
export function float32Threshold(t: number, comparison: "<" | "<="): number | null {
  if (Number.isNaN(t)) return Number.NEGATIVE_INFINITY; // x < NaN and x <= NaN are false: always right
  if (comparison === "<") {
    // x < t  <=>  x < (smallest float32 >= t)
    const f = fr(t);
    return f < t ? nextUp32(f) : f;
  }
  if (t === Number.POSITIVE_INFINITY) return null;
  // x <= t  <=>  x <= (largest float32 <= t)  <=>  x < the float32 after it
  let f = fr(t);
  if (f > t) f = f === Number.POSITIVE_INFINITY ? 3.4028234663852886e38 : -nextUp32(-f);
  return f === 3.4028234663852886e38 ? Number.POSITIVE_INFINITY : nextUp32(f);
}

/** The float32 kernels' view of the trees (thresholds as "x >= t' goes right"), or null when they do not fit. */
function float32Trees(model: ForestModel): { thresholds: Float32Array[]; leaves: Float32Array[] } | null {
  if (model.aggregation !== "sum-float32" || model.inputPrecision !== "float32") return null;
  const thresholds: Float32Array[] = [];
  const leaves: Float32Array[] = [];
  for (const t of model.trees) {
    if (t.vector !== undefined || t.linear !== undefined) return null;
    const hasCats = t.categories !== undefined && t.categories.size > 0;
    if (hasCats && model.categoryRule !== "nonnegative") return null;
    const th = new Float32Array(t.numNodes);
    const lv = new Float32Array(t.numNodes);
    for (let n = 0; n < t.numNodes; n++) {
      if (t.left[n] === -1) {
        lv[n] = t.value[n]!;
        continue;
      }
      if (t.missing !== undefined && t.missing[n] !== 0) return null;
      if (hasCats && t.categories!.has(n)) continue;
      const c = float32Threshold(t.threshold[n]!, model.comparison);
      if (c === null) return null;
      th[n] = c;
    }
    thresholds.push(th);
    leaves.push(lv);
  }
  return { thresholds, leaves };
}

function sharedOf(float64: boolean, n: number): ForestOutput {
  const b = new SharedArrayBuffer(Math.max(1, n) * (float64 ? 8 : 4));
  return float64 ? new Float64Array(b) : new Float32Array(b);
}

/**
 * A model compiled for prediction: its trees laid out once for the fastest kernel that fits, and (on first use)
 * a worker-thread pool holding the same layout in shared memory.
 */
export class ForestPredictor {
  readonly model: ForestModel;
  readonly layout: ForestLayout;
  readonly numFeatures: number;
  readonly numOutputs: number;
  readonly numTrees: number;
  /**
   * Whether the wasm kernel walks whole-forest calls (no tree range, or the full one) as chains of trees, each
   * chain going on into its next tree without waiting for the others (models of mostly deep, unbalanced trees).
   */
  readonly chained: boolean;
  readonly #f32: boolean;
  readonly #forest: Forest | null;
  readonly #heap: HeapForest | null;
  readonly #wasmImage: WasmForestImage | null;
  readonly #wasm: WasmForestState | null;
  readonly #generic: GenericForest | null;
  /** general models on the wasm kernel: first kernel tree of each tree (vector leaves are one per output) */
  readonly #kernelTree: Int32Array | null;
  #pool: WorkerPool | null = null;

  private constructor(model: ForestModel, options: CompileOptions) {
    validateForest(model);
    this.model = model;
    this.numFeatures = model.numFeatures;
    this.numOutputs = model.numOutputs;
    this.numTrees = model.trees.length;
    this.#f32 = model.aggregation === "sum-float32";
    const want = options.layout ?? "auto";
    const f32 = want === "generic" ? null : float32Trees(model);
    if (f32 !== null) {
      this.#forest = flattenForest(
        model.trees,
        f32.thresholds,
        f32.leaves,
        model.treeOutput,
        model.treeWeight,
      );
      this.#wasmImage =
        want === "auto"
          ? buildWasmForest(float32Source(this.#forest), model.numFeatures, model.numOutputs)
          : null;
      this.#kernelTree = null;
      this.#wasm = this.#wasmImage === null ? null : instantiateWasmForest(forestModule(), this.#wasmImage);
      this.#heap = want === "pointer" || this.#wasm !== null ? null : buildHeapForest(this.#forest);
      this.#generic = null;
      this.layout = this.#wasm !== null ? "wasm" : this.#heap !== null ? "heap" : "pointer";
    } else {
      this.#forest = null;
      this.#heap = null;
      this.#generic = buildGenericForest(model);
      const src = want === "auto" ? wasmSource(model, this.#generic) : null;
      this.#wasmImage =
        src === null ? null : buildWasmForest(src.source, model.numFeatures, model.numOutputs);
      this.#kernelTree = src === null ? null : src.kernelTree;
      this.#wasm = this.#wasmImage === null ? null : instantiateWasmForest(forestModule(), this.#wasmImage);
      this.layout = this.#wasm !== null ? "wasm" : "generic";
    }
    this.chained = this.#wasmImage !== null && this.#wasmImage.ch !== 0;
  }

  /** Validates the model (validateForest) and lays it out for its kernel. */
  static compile(model: ForestModel, options: CompileOptions = {}): ForestPredictor {
    return new ForestPredictor(model, options);
  }

  /** Whether raw outputs are float32 ("sum-float32") or float64. */
  get outputType(): "float32" | "float64" {
    return this.#f32 ? "float32" : "float64";
  }

  /**
   * The input as the kernels read it: a Float32Array for float32-precision models (values rounded, as the
   * library does), else a Float64Array; returned as is when it already is one.
   */
  inputArray(X: ArrayLike<number>): Float32Array | Float64Array {
    if (this.model.inputPrecision === "float32") return X instanceof Float32Array ? X : Float32Array.from(X);
    return X instanceof Float64Array ? X : Float64Array.from(X);
  }

  #check(X: ArrayLike<number>, numRows: number): void {
    if (!Number.isSafeInteger(numRows) || numRows < 0 || X.length < numRows * this.numFeatures) {
      throw forestInputError(`input has ${X.length} values, need ${numRows} rows of ${this.numFeatures}`);
    }
  }

  /** Output buffer holding the base scores (the starting sums). */
  #initOutputs(numRows: number, shared: boolean): ForestOutput {
    const K = this.numOutputs;
    const out = shared
      ? sharedOf(!this.#f32, numRows * K)
      : this.#f32
        ? new Float32Array(numRows * K)
        : new Float64Array(numRows * K);
    const base = this.model.baseScore;
    if (K === 1) out.fill(base[0]!);
    else for (let r = 0; r < numRows; r++) out.set(base, r * K);
    return out;
  }

  /** Adds trees [range) for rows [rowStart, rowEnd) of X into out (on this thread). */
  #sumInto(
    X: Float32Array | Float64Array,
    range: TreeRange,
    out: ForestOutput,
    rowStart: number,
    rowEnd: number,
  ) {
    const K = this.numOutputs;
    const nCols = this.numFeatures;
    const { start, end } = range;
    const g = this.#generic;
    if (g !== null && this.#wasm !== null) {
      const kt = this.#kernelTree!;
      wasmMargins(this.#wasm, X, rowStart, rowEnd, kt[start]!, kt[end]!, out, K);
      return;
    }
    if (g !== null) {
      genericKernel(g, X, nCols, rowStart, rowEnd, start, end, out, K);
      return;
    }
    const X32 = X as Float32Array;
    const o32 = out as Float32Array;
    const fo = this.#forest!;
    const h = this.#heap;
    if (this.#wasm !== null) {
      wasmMargins(this.#wasm, X32, rowStart, rowEnd, start, end, o32, K);
    } else if (h !== null) {
      const kernel = rowEnd - rowStart < 8 ? heapKernelRows : heapKernel;
      kernel(
        h.feat,
        h.thr,
        h.missRight,
        h.leaf,
        h.nodeBase,
        h.leafBase,
        h.depth,
        fo.treeGroup,
        fo.treeWeight,
        X32,
        nCols,
        rowStart,
        rowEnd,
        start,
        end,
        o32,
        K,
      );
    } else if (fo.hasCategorical) {
      marginKernelCat(
        fo.I,
        fo.F,
        fo.roots,
        fo.treeGroup,
        fo.treeWeight,
        X32,
        nCols,
        rowStart,
        rowEnd,
        start,
        end,
        o32,
        K,
        fo.catStart,
        fo.catWords,
        fo.catBits,
      );
    } else {
      const kernel = rowEnd - rowStart < 4 ? marginKernelRows : marginKernel;
      kernel(
        fo.I,
        fo.F,
        fo.roots,
        fo.treeGroup,
        fo.treeWeight,
        X32,
        nCols,
        rowStart,
        rowEnd,
        start,
        end,
        o32,
        K,
      );
    }
  }

  /** "mean": divide each output's sum by the number of its trees in the range. */
  #finishMean(out: ForestOutput, numRows: number, range: TreeRange): void {
    if (this.model.aggregation !== "mean") return;
    const K = this.numOutputs;
    const count = new Float64Array(K);
    for (let t = range.start; t < range.end; t++) {
      const w = this.model.trees[t]!.vector?.width ?? 1;
      for (let j = 0; j < w; j++) count[this.model.treeOutput[t]! + j]! += 1;
    }
    for (let r = 0; r < numRows; r++) {
      for (let k = 0; k < K; k++) if (count[k]! > 0) out[r * K + k] = out[r * K + k]! / count[k]!;
    }
  }

  /**
   * Raw outputs (before any objective transform) of rows [0, numRows) of the row-major X (numFeatures columns),
   * trees [range.start, range.end) (all when omitted): numRows * numOutputs values, the reference walker's numbers.
   */
  predict(X: ArrayLike<number>, numRows: number, range?: TreeRange): ForestOutput {
    this.#check(X, numRows);
    const r = resolveRange(this.model, range);
    const out = this.#initOutputs(numRows, false);
    this.#sumInto(this.inputArray(X), r, out, 0, numRows);
    this.#finishMean(out, numRows, r);
    return out;
  }

  /** pred_leaf: the leaf node id (the form's numbering) each row reaches in each tree of the range. */
  predictLeaf(X: ArrayLike<number>, numRows: number, range?: TreeRange): Int32Array {
    this.#check(X, numRows);
    const { start, end } = resolveRange(this.model, range);
    const A = this.inputArray(X);
    const nf = this.numFeatures;
    const nt = end - start;
    const out = new Int32Array(numRows * nt);
    const fo = this.#forest;
    const g = this.#generic;
    for (let r = 0; r < numRows; r++) {
      const xo = r * nf;
      for (let t = start; t < end; t++) {
        const n =
          g !== null
            ? genericLeaf(g, g.roots[t]!, A, xo)
            : findLeafCat(
                fo!.I,
                fo!.F,
                fo!.roots[t]!,
                A as Float32Array,
                xo,
                fo!.catStart,
                fo!.catWords,
                fo!.catBits,
              );
        out[r * nt + t - start] = (g !== null ? g.nodeIds : fo!.nodeIds)[n >> 2]!;
      }
    }
    return out;
  }

  /**
   * Like predict, but spreads a large batch over worker threads. The layout lives in shared memory and is handed
   * to the workers once, when the pool starts; X is used without a copy when it is in shared memory already.
   */
  async predictAsync(
    X: ArrayLike<number>,
    numRows: number,
    options: AsyncPredictOptions = {},
  ): Promise<ForestOutput> {
    const workers = Math.max(0, Math.floor(options.workers ?? 0));
    const minRows = options.minRowsPerWorker ?? 2048;
    const parts = Math.min(workers, Math.floor(numRows / Math.max(1, minRows)));
    if (parts < 2) return this.predict(X, numRows, options.range);
    this.#check(X, numRows);
    const range = resolveRange(this.model, options.range);
    let A = this.inputArray(X);
    if (!(A.buffer instanceof SharedArrayBuffer)) {
      const copy = sharedOf(A instanceof Float64Array, A.length);
      copy.set(A);
      A = copy;
    }
    const pool = this.#ensurePool(workers);
    const out = this.#initOutputs(numRows, true);
    const jobs: Job[] = [];
    const kt = this.#kernelTree;
    // a few large tasks per thread (each at least minRows rows): a thread that another process slows down on its
    // core takes fewer of them instead of holding up the whole batch
    const tasks = Math.max(
      parts,
      Math.min(parts * TASKS_PER_WORKER, Math.floor(numRows / Math.max(1, minRows))),
    );
    const step = Math.ceil(numRows / tasks);
    for (let p = 0; p < tasks; p++) {
      const rowStart = p * step;
      const rowEnd = Math.min(numRows, rowStart + step);
      if (rowStart >= rowEnd) break;
      jobs.push({
        X: A,
        nCols: this.numFeatures,
        rowStart,
        rowEnd,
        treeStart: kt === null ? range.start : kt[range.start]!,
        treeEnd: kt === null ? range.end : kt[range.end]!,
        out,
        nGroups: this.numOutputs,
      });
    }
    await pool.run(jobs);
    // copy out of shared memory so callers get an ordinary array
    const result = this.#f32 ? new Float32Array(out) : new Float64Array(out);
    this.#finishMean(result, numRows, range);
    return result;
  }

  #ensurePool(size: number): WorkerPool {
    if (this.#pool !== null && this.#pool.size === size) return this.#pool;
    if (this.#pool !== null) void this.#pool.close();
    this.#pool = new WorkerPool(
      {
        forest: this.#forest,
        heap: this.#heap,
        wasm: this.#wasmImage === null ? null : { module: forestModule(), image: this.#wasmImage },
        generic: this.#generic,
      },
      size,
    );
    return this.#pool;
  }

  /** Stops the worker threads, if any were started. */
  async close(): Promise<void> {
    const p = this.#pool;
    this.#pool = null;
    if (p !== null) await p.close();
  }
}

/** Validates and compiles a model (ForestPredictor.compile). */
export function compileForest(model: ForestModel, options: CompileOptions = {}): ForestPredictor {
  return ForestPredictor.compile(model, options);
}

/**
 * General models on the wasm kernel: numerical splits only, scalar or vector leaves, one missing rule per
 * feature (NaN only for float32 rows). Returns null when the model does not fit.
 */
function wasmSource(
  model: ForestModel,
  g: GenericForest,
): { source: WasmSource; kernelTree: Int32Array } | null {
  const f32Rows = model.inputPrecision === "float32";
  const rule = new Int32Array(model.numFeatures).fill(-1);
  for (const t of model.trees) {
    if (t.linear !== undefined || (t.categories !== undefined && t.categories.size > 0)) return null;
  }
  const GI = g.GI;
  const th = new Float64Array(g.GT.length);
  for (let s = 0; s < GI.length; s += 4) {
    const f = GI[s]!;
    if (f < 0) continue;
    const r = GI[s + 3]! & 3;
    if (rule[f] === -1) rule[f] = r;
    else if (rule[f] !== r) return null;
    if (f32Rows && r !== 0) return null;
    const t = g.GT[s >> 2]!;
    if (f32Rows) {
      const c = float32Threshold(t, model.comparison);
      if (c === null) return null;
      th[s >> 2] = c;
    } else th[s >> 2] = t;
  }
  for (let f = 0; f < rule.length; f++) if (rule[f] === -1) rule[f] = 0;
  // kernel trees: tree t with vector leaves of width W is W kernel trees, one per output, in output order
  const T = model.trees.length;
  const kernelTree = new Int32Array(T + 1);
  for (let t = 0; t < T; t++) kernelTree[t + 1] = kernelTree[t]! + g.treeWidth[t]!;
  const KT = kernelTree[T]!;
  const tree = new Int32Array(KT);
  const part = new Int32Array(KT);
  for (let t = 0; t < T; t++) {
    for (let j = 0; j < g.treeWidth[t]!; j++) {
      tree[kernelTree[t]! + j] = t;
      part[kernelTree[t]! + j] = j;
    }
  }
  const sum64 = model.aggregation !== "sum-float32";
  const source: WasmSource = {
    numTrees: KT,
    I: GI,
    root: (k) => g.roots[tree[k]!]!,
    output: (k) => g.treeOutput[tree[k]!]! + part[k]!,
    missingGoesRight: (n) => GI[n + 2] !== GI[n + 1],
    threshold: (n) => th[n >> 2]!,
    leaf: (k, n) => {
      const t = tree[k]!;
      const v = g.treeKind[t] === 1 ? g.vecValues[g.vecStart[GI[n + 3]!]! + part[k]!]! : g.GT[n >> 2]!;
      const w = g.treeWeight === null ? 1 : g.treeWeight[t]!;
      return sum64 ? v * w : fr(fr(v) * fr(w));
    },
    featureRule: rule,
    binsKind: f32Rows ? 0 : model.comparison === "<" ? 1 : 2,
    sum64,
  };
  return { source, kernelTree };
}
