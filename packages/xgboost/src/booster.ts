import { readFile } from "node:fs/promises";
import { inputError, modelError } from "./errors.js";
import { buildHeapForest, type Forest, flattenForest, type HeapForest } from "./forest.js";
import { type ModelFormat, readModel } from "./io/sniff.js";
import {
  findLeafCat,
  heapKernel,
  heapKernelRows,
  linearKernel,
  marginKernel,
  marginKernelCat,
  marginKernelRows,
} from "./kernels.js";
import { type DenseMatrix, type MatrixLike, toDenseMatrix } from "./matrix.js";
import type { BoosterKind, RawModel } from "./model.js";
import {
  argmaxRows,
  baseMargin,
  objectiveInfo,
  softmaxRows,
  type Transform,
  transformInPlace,
} from "./objective.js";
import { type Job, WorkerPool } from "./pool.js";
import {
  buildWasmForest,
  forestModule,
  instantiateWasmForest,
  type WasmForestImage,
  type WasmForestState,
  wasmMargins,
} from "./wasm-forest.js";

export interface BoosterLoadOptions {
  /**
   * Tree layout for the kernels: "auto" (default) uses the WebAssembly kernel over complete binary trees
   * when the model allows it (no categorical splits, depth <= 12), else the typed-array complete-tree
   * ("heap") kernel, else the pointer layout; "heap" and "pointer" force those typed-array kernels.
   * All give identical results.
   */
  layout?: "auto" | "heap" | "pointer";
}

export interface PredictOptions {
  /** Return raw margins (Booster.predict(output_margin=True)). */
  outputMargin?: boolean;
  /** Boosting rounds [begin, end) to use; [0, 0] (default) = all. */
  iterationRange?: readonly [number, number];
  /** Value treated as missing besides NaN/null (DMatrix `missing`). */
  missing?: number;
  /**
   * DART only: reproduce Booster.inplace_predict, which adds ((base + leaf) - base) * weight per tree,
   * instead of Booster.predict's leaf * weight. Default false.
   */
  dartInplace?: boolean;
}

export interface ParallelPredictOptions extends PredictOptions {
  /** Number of worker threads for this batch (a pool of this size is kept on the booster). */
  workers?: number;
  /** Batches smaller than this run on the calling thread. Default 2048 rows. */
  minRowsPerWorker?: number;
}

/** A float32 prediction with its numpy-style shape. */
export interface Prediction {
  data: Float32Array;
  shape: number[];
}

export interface LeafPrediction {
  data: Int32Array;
  shape: number[];
}

/**
 * An XGBoost model loaded from JSON, UBJSON or legacy binary bytes, with Booster.predict semantics.
 */
export class Booster {
  readonly raw: RawModel;
  readonly format: ModelFormat;
  readonly objective: string;
  readonly booster: BoosterKind;
  readonly numFeature: number;
  readonly numClass: number;
  /** output groups: num_class for multi-class, else num_target */
  readonly numGroups: number;
  readonly featureNames: string[] | null;
  readonly featureTypes: string[] | null;
  readonly attributes: Readonly<Record<string, string>>;
  readonly #transform: Transform;
  readonly #base: Float32Array;
  readonly #forest: Forest | null;
  readonly #heap: HeapForest | null;
  readonly #wasmImage: WasmForestImage | null;
  readonly #wasm: WasmForestState | null;
  readonly #treesPerRound: number;
  #pool: WorkerPool | null = null;

  private constructor(raw: RawModel, options: BoosterLoadOptions = {}) {
    this.raw = raw;
    this.format = raw.format;
    this.objective = raw.objective;
    this.booster = raw.booster;
    this.numFeature = raw.numFeature;
    this.numClass = raw.numClass;
    this.numGroups = raw.numClass > 0 ? raw.numClass : raw.numTarget;
    this.featureNames = raw.featureNames;
    this.featureTypes = raw.featureTypes;
    this.attributes = Object.freeze({ ...raw.attributes });
    this.#transform = objectiveInfo(raw.objective).transform;
    if ((this.#transform === "softmax" || this.#transform === "softmax-argmax") && raw.numClass < 1) {
      throw modelError(`objective ${raw.objective} needs num_class`);
    }
    const g = this.numGroups;
    if (raw.baseScore.length !== 1 && raw.baseScore.length !== g) {
      throw modelError(`base_score has ${raw.baseScore.length} values for ${g} outputs`);
    }
    this.#base = new Float32Array(new SharedArrayBuffer(4 * g));
    for (let i = 0; i < g; i++) {
      this.#base[i] = baseMargin(raw.objective, raw.baseScore[raw.baseScore.length === 1 ? 0 : i]!);
    }
    if (raw.featureNames !== null && raw.featureNames.length !== raw.numFeature) {
      throw modelError(`${raw.featureNames.length} feature names for ${raw.numFeature} features`);
    }
    if (raw.booster === "gblinear") {
      const w = raw.linearWeights;
      if (w === null || w.length !== (raw.numFeature + 1) * g) {
        throw modelError(`gblinear weights: expected ${(raw.numFeature + 1) * g}, got ${w?.length ?? 0}`);
      }
      this.#forest = null;
      this.#heap = null;
      this.#wasmImage = null;
      this.#wasm = null;
      this.#treesPerRound = 1;
    } else {
      this.#forest = flattenForest(raw, g);
      const layout = options.layout ?? "auto";
      this.#wasmImage = layout === "auto" ? buildWasmForest(this.#forest, raw.numFeature, g) : null;
      this.#wasm = this.#wasmImage === null ? null : instantiateWasmForest(forestModule(), this.#wasmImage);
      this.#heap = layout === "pointer" || this.#wasm !== null ? null : buildHeapForest(this.#forest);
      this.#treesPerRound = g * raw.numParallelTree;
      if (raw.iterationIndptr !== null) {
        const ip = raw.iterationIndptr;
        let ok = ip.length >= 1 && ip[0] === 0 && ip[ip.length - 1] === raw.trees.length;
        for (let i = 1; ok && i < ip.length; i++) if (ip[i]! < ip[i - 1]!) ok = false;
        if (!ok) throw modelError("iteration_indptr is inconsistent with the trees");
      }
    }
  }

  /** Load from model bytes; the format is sniffed from the bytes. */
  static fromBytes(bytes: Uint8Array, options: BoosterLoadOptions = {}): Booster {
    return new Booster(readModel(bytes), options);
  }

  static async load(path: string, options: BoosterLoadOptions = {}): Promise<Booster> {
    return Booster.fromBytes(new Uint8Array(await readFile(path)), options);
  }

  /** Which kernel this booster uses: "wasm", "heap", "pointer", or "linear" for gblinear. */
  get layout(): "wasm" | "heap" | "pointer" | "linear" {
    if (this.#forest === null) return "linear";
    return this.#wasm !== null ? "wasm" : this.#heap !== null ? "heap" : "pointer";
  }

  get numTrees(): number {
    return this.raw.trees.length;
  }

  /** Number of boosting rounds in the model (num_boosted_rounds). */
  get numBoostedRounds(): number {
    if (this.raw.booster === "gblinear") return 0;
    if (this.raw.iterationIndptr !== null) return this.raw.iterationIndptr.length - 1;
    return Math.ceil(this.raw.trees.length / this.#treesPerRound);
  }

  /** `best_iteration` from the model attributes (early stopping; 1.7's xgb.train always writes it). */
  get bestIteration(): number | undefined {
    const v = this.attributes.best_iteration;
    if (v === undefined) return undefined;
    const n = Number(v);
    return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
  }

  /** The scikit-learn wrapper's estimator type stored in the `scikit_learn` attribute, if any. */
  get sklearnEstimatorType(): string | undefined {
    const s = this.attributes.scikit_learn;
    if (s === undefined) return undefined;
    try {
      const v = JSON.parse(s) as { _estimator_type?: unknown };
      return typeof v._estimator_type === "string" ? v._estimator_type : undefined;
    } catch {
      return undefined;
    }
  }

  #treeRange(range: readonly [number, number] | undefined): [number, number] {
    const n = this.raw.trees.length;
    if (range === undefined) return [0, n];
    const [begin, end] = range;
    if (!Number.isSafeInteger(begin) || !Number.isSafeInteger(end) || begin < 0 || end < 0) {
      throw inputError(`Invalid iteration_range [${begin}, ${end})`);
    }
    if (begin === 0 && end === 0) return [0, n];
    if (this.raw.booster === "gblinear") {
      // XGBoost's LinearCheckLayer: only begin == 0 is accepted, end is ignored
      if (begin !== 0) throw inputError("Linear booster does not support prediction range.");
      return [0, 0];
    }
    const rounds = this.numBoostedRounds;
    if (end < begin || end > rounds) {
      throw inputError(
        `iteration_range [${begin}, ${end}) is out of range for a model with ${rounds} rounds`,
      );
    }
    const ip = this.raw.iterationIndptr;
    if (ip !== null) return [ip[begin]!, ip[end]!];
    return [Math.min(begin * this.#treesPerRound, n), Math.min(end * this.#treesPerRound, n)];
  }

  /** Convert input to the model's float32 matrix (exposed for batching callers). */
  toMatrix(input: MatrixLike, missing = Number.NaN, alloc?: (n: number) => Float32Array): DenseMatrix {
    return toDenseMatrix(input, this.numFeature, missing, alloc);
  }

  #initMargins(numRows: number, out?: Float32Array): Float32Array {
    const g = this.numGroups;
    const m = out ?? new Float32Array(numRows * g);
    if (g === 1) m.fill(this.#base[0]!);
    else for (let r = 0; r < numRows; r++) m.set(this.#base, r * g);
    return m;
  }

  #marginsInto(
    mat: DenseMatrix,
    trees: [number, number],
    out: Float32Array,
    rowStart: number,
    rowEnd: number,
  ): void {
    const g = this.numGroups;
    const fo = this.#forest;
    const h = this.#heap;
    if (this.#wasm !== null) {
      wasmMargins(this.#wasm, mat.X, rowStart, rowEnd, trees[0], trees[1], out, g);
    } else if (h !== null && fo !== null) {
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
        mat.X,
        mat.numCols,
        rowStart,
        rowEnd,
        trees[0],
        trees[1],
        out,
        g,
      );
    } else if (fo === null) {
      linearKernel(
        this.raw.linearWeights!,
        this.numFeature,
        mat.X,
        mat.numCols,
        rowStart,
        rowEnd,
        out,
        g,
        this.#base,
      );
    } else if (fo.hasCategorical) {
      marginKernelCat(
        fo.I,
        fo.F,
        fo.roots,
        fo.treeGroup,
        fo.treeWeight,
        mat.X,
        mat.numCols,
        rowStart,
        rowEnd,
        trees[0],
        trees[1],
        out,
        g,
        fo.catStart,
        fo.catWords,
        fo.catBits,
      );
    } else if (rowEnd - rowStart < 4) {
      marginKernelRows(
        fo.I,
        fo.F,
        fo.roots,
        fo.treeGroup,
        fo.treeWeight,
        mat.X,
        mat.numCols,
        rowStart,
        rowEnd,
        trees[0],
        trees[1],
        out,
        g,
      );
    } else {
      marginKernel(
        fo.I,
        fo.F,
        fo.roots,
        fo.treeGroup,
        fo.treeWeight,
        mat.X,
        mat.numCols,
        rowStart,
        rowEnd,
        trees[0],
        trees[1],
        out,
        g,
      );
    }
  }

  #dartInplaceMargins(mat: DenseMatrix, trees: [number, number]): Float32Array {
    const fo = this.#forest!;
    const g = this.numGroups;
    const out = this.#initMargins(mat.numRows);
    const fr = Math.fround;
    for (let r = 0; r < mat.numRows; r++) {
      const xo = r * mat.numCols;
      for (let t = trees[0]; t < trees[1]; t++) {
        const n = findLeafCat(fo.I, fo.F, fo.roots[t]!, mat.X, xo, fo.catStart, fo.catWords, fo.catBits);
        const grp = fo.treeGroup[t]!;
        const base = this.#base[grp]!;
        const w = fo.treeWeight === null ? 1 : fo.treeWeight[t]!;
        out[r * g + grp] += fr(fr(fr(base + fo.F[n + 2]!) - base) * w);
      }
    }
    return out;
  }

  /** Margins (output_margin) for a prepared matrix. */
  predictMarginMatrix(mat: DenseMatrix, options: PredictOptions = {}): Float32Array {
    const trees = this.#treeRange(options.iterationRange);
    if (options.dartInplace && this.#forest !== null) return this.#dartInplaceMargins(mat, trees);
    const out = this.#initMargins(mat.numRows);
    this.#marginsInto(mat, trees, out, 0, mat.numRows);
    return out;
  }

  /** The objective's transform applied to margins, with Booster.predict's output shape. */
  finish(margins: Float32Array, numRows: number, outputMargin: boolean): Prediction {
    const g = this.numGroups;
    const shape2 = g > 1 ? [numRows, g] : [numRows];
    if (outputMargin) return { data: margins, shape: shape2 };
    switch (this.#transform) {
      case "identity":
        return { data: margins, shape: shape2 };
      case "softmax": {
        const out = new Float32Array(margins.length);
        softmaxRows(margins, numRows, g, out);
        return { data: out, shape: shape2 };
      }
      case "softmax-argmax":
        return { data: argmaxRows(margins, numRows, g), shape: [numRows] };
      default:
        transformInPlace(this.#transform, margins);
        return { data: margins, shape: shape2 };
    }
  }

  /** Booster.predict on a dense matrix (all trees unless iterationRange is given). */
  predict(input: MatrixLike, options: PredictOptions = {}): Prediction {
    const mat = this.toMatrix(input, options.missing ?? Number.NaN);
    return this.finish(this.predictMarginMatrix(mat, options), mat.numRows, options.outputMargin === true);
  }

  /** Probabilities as multi:softprob would give them (predict_proba of a multi:softmax model). */
  predictProba(input: MatrixLike, options: PredictOptions = {}): Prediction {
    const mat = this.toMatrix(input, options.missing ?? Number.NaN);
    const m = this.predictMarginMatrix(mat, options);
    const g = this.numGroups;
    if (this.#transform === "softmax" || this.#transform === "softmax-argmax") {
      const out = new Float32Array(m.length);
      softmaxRows(m, mat.numRows, g, out);
      return { data: out, shape: [mat.numRows, g] };
    }
    return this.finish(m, mat.numRows, false);
  }

  /** pred_leaf: the leaf node id reached in every tree, shape [rows, trees]. */
  predictLeaf(input: MatrixLike, options: PredictOptions = {}): LeafPrediction {
    const fo = this.#forest;
    if (fo === null) throw inputError("pred_leaf is not defined for gblinear");
    if (options.iterationRange !== undefined && options.iterationRange[0] !== 0) {
      throw inputError(
        "Predict leaf supports only iteration end: (0, n_iteration), use model slicing instead.",
      );
    }
    const mat = this.toMatrix(input, options.missing ?? Number.NaN);
    const [t0, t1] = this.#treeRange(options.iterationRange);
    const nt = t1 - t0;
    const out = new Int32Array(mat.numRows * nt);
    for (let r = 0; r < mat.numRows; r++) {
      const xo = r * mat.numCols;
      for (let t = t0; t < t1; t++) {
        const n = findLeafCat(fo.I, fo.F, fo.roots[t]!, mat.X, xo, fo.catStart, fo.catWords, fo.catBits);
        out[r * nt + (t - t0)] = fo.nodeIds[n >> 2]!;
      }
    }
    return { data: out, shape: [mat.numRows, nt] };
  }

  /**
   * Like predict, but spreads a large batch over `workers` worker threads. The model's flattened
   * arrays live in shared memory and are handed to the workers once, when the pool starts.
   */
  async predictAsync(input: MatrixLike, options: ParallelPredictOptions = {}): Promise<Prediction> {
    const workers = Math.max(0, Math.floor(options.workers ?? 0));
    const minRows = options.minRowsPerWorker ?? 2048;
    const missing = options.missing ?? Number.NaN;
    if (workers < 1 || options.dartInplace) return this.predict(input, options);
    const mat = this.toMatrix(
      input,
      missing,
      (n) => new Float32Array(new SharedArrayBuffer(Math.max(1, n) * 4)),
    );
    const parts = Math.min(workers, Math.floor(mat.numRows / minRows));
    const trees = this.#treeRange(options.iterationRange);
    if (parts < 2) {
      const out = this.#initMargins(mat.numRows);
      this.#marginsInto(mat, trees, out, 0, mat.numRows);
      return this.finish(out, mat.numRows, options.outputMargin === true);
    }
    const pool = this.#ensurePool(workers);
    const g = this.numGroups;
    const out = this.#initMargins(
      mat.numRows,
      new Float32Array(new SharedArrayBuffer(Math.max(1, mat.numRows * g) * 4)),
    );
    const jobs: Job[] = [];
    const step = Math.ceil(mat.numRows / parts);
    for (let p = 0; p < parts; p++) {
      const rowStart = p * step;
      const rowEnd = Math.min(mat.numRows, rowStart + step);
      if (rowStart >= rowEnd) break;
      jobs.push({
        X: mat.X,
        nCols: mat.numCols,
        rowStart,
        rowEnd,
        treeStart: trees[0],
        treeEnd: trees[1],
        out,
        nGroups: g,
      });
    }
    await pool.run(jobs);
    // copy out of shared memory so callers get an ordinary array
    return this.finish(new Float32Array(out), mat.numRows, options.outputMargin === true);
  }

  #ensurePool(size: number): WorkerPool {
    if (this.#pool !== null && this.#pool.size === size) return this.#pool;
    if (this.#pool !== null) void this.#pool.close();
    this.#pool = new WorkerPool(
      {
        forest: this.#forest,
        heap: this.#heap,
        wasm: this.#wasmImage === null ? null : { module: forestModule(), image: this.#wasmImage },
        linear:
          this.#forest === null
            ? { W: this.raw.linearWeights!, numFeature: this.numFeature, base: this.#base }
            : null,
      },
      size,
    );
    return this.#pool;
  }

  /** Stop the worker threads, if any were started. */
  async close(): Promise<void> {
    const p = this.#pool;
    this.#pool = null;
    if (p !== null) await p.close();
  }
}
