import { readFile } from "node:fs/promises";
import { type ForestLayout, ForestPredictor } from "@pyfunc/forest";
import { inputError, MlflowException, modelError } from "./errors.js";
import { toForestModel } from "./forest-model.js";
import { type ModelFormat, readModel } from "./io/sniff.js";
import { linearKernel } from "./linear.js";
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

export interface BoosterLoadOptions {
  /**
   * Tree layout for @pyfunc/forest's kernels: "auto" (default) uses the WebAssembly kernel when the model
   * allows it (no categorical splits), else the typed-array complete-tree ("heap") kernel, else the pointer
   * layout; "heap" and "pointer" force those typed-array kernels. All give identical results.
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
  /** the trees compiled by @pyfunc/forest (null for gblinear) */
  readonly #forest: ForestPredictor | null;
  readonly #treesPerRound: number;

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
      this.#treesPerRound = 1;
    } else {
      this.#forest = compileTrees(raw, g, this.#base, options.layout ?? "auto");
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
  get layout(): ForestLayout | "linear" {
    return this.#forest === null ? "linear" : this.#forest.layout;
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

  #dartInplaceMargins(mat: DenseMatrix, trees: [number, number]): Float32Array {
    const fo = this.#forest!;
    const g = this.numGroups;
    const out = this.#initMargins(mat.numRows);
    const fr = Math.fround;
    const nt = trees[1] - trees[0];
    const leaves = fo.predictLeaf(mat.X, mat.numRows, { start: trees[0], end: trees[1] });
    const w = this.raw.weightDrop;
    for (let r = 0; r < mat.numRows; r++) {
      for (let t = trees[0]; t < trees[1]; t++) {
        const leaf = this.raw.trees[t]!.splitCondition[leaves[r * nt + t - trees[0]]!]!;
        const grp = this.raw.treeInfo[t]!;
        const base = this.#base[grp]!;
        const wt = w === null ? 1 : (w[t] ?? 0);
        out[r * g + grp] += fr(fr(fr(base + leaf) - base) * wt);
      }
    }
    return out;
  }

  #linearMargins(mat: DenseMatrix): Float32Array {
    const out = new Float32Array(mat.numRows * this.numGroups);
    linearKernel(
      this.raw.linearWeights!,
      this.numFeature,
      mat.X,
      mat.numCols,
      0,
      mat.numRows,
      out,
      this.numGroups,
      this.#base,
    );
    return out;
  }

  /** Margins (output_margin) for a prepared matrix. */
  predictMarginMatrix(mat: DenseMatrix, options: PredictOptions = {}): Float32Array {
    const trees = this.#treeRange(options.iterationRange);
    if (this.#forest === null) return this.#linearMargins(mat);
    if (options.dartInplace) return this.#dartInplaceMargins(mat, trees);
    this.#checkColumns(mat);
    return this.#forest.predict(mat.X, mat.numRows, { start: trees[0], end: trees[1] }) as Float32Array;
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
    this.#checkColumns(mat);
    const [t0, t1] = this.#treeRange(options.iterationRange);
    return {
      data: fo.predictLeaf(mat.X, mat.numRows, { start: t0, end: t1 }),
      shape: [mat.numRows, t1 - t0],
    };
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
    const trees = this.#treeRange(options.iterationRange);
    if (this.#forest === null)
      return this.finish(this.#linearMargins(mat), mat.numRows, options.outputMargin === true);
    this.#checkColumns(mat);
    const out = await this.#forest.predictAsync(mat.X, mat.numRows, {
      range: { start: trees[0], end: trees[1] },
      workers,
      minRowsPerWorker: minRows,
    });
    return this.finish(out as Float32Array, mat.numRows, options.outputMargin === true);
  }

  /** The kernels read rows of exactly numFeature columns (toDenseMatrix pads narrower input). */
  #checkColumns(mat: DenseMatrix): void {
    if (mat.numCols !== this.numFeature) {
      throw inputError(`Feature shape mismatch, expected: ${this.numFeature}, got ${mat.numCols}`);
    }
  }

  /** Stop the worker threads, if any were started. */
  async close(): Promise<void> {
    if (this.#forest !== null) await this.#forest.close();
  }
}

/** The trees in @pyfunc/forest's form, compiled; the form's rule violations are reported as XGBoost model errors. */
function compileTrees(
  raw: RawModel,
  nGroups: number,
  base: Float32Array,
  layout: "auto" | "heap" | "pointer",
): ForestPredictor {
  const model = toForestModel(raw, nGroups, base);
  try {
    return ForestPredictor.compile(model, { layout });
  } catch (e) {
    const prefix = "Invalid tree ensemble: ";
    if (e instanceof MlflowException && e.message.startsWith(prefix)) {
      throw modelError(e.message.slice(prefix.length), e);
    }
    throw e;
  }
}
