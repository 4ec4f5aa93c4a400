import type { PyFuncInput } from "@pyfunc/core";
import { type ForestModel, ForestPredictor } from "@pyfunc/forest";
import { PandasCategories } from "./categorical.js";
import { type FeatureMatrix, toFeatureMatrix } from "./convert.js";
import { inputError } from "./errors.js";
import { applyTransform, type Objective, parseObjective } from "./objective.js";
import { type LgbModel, type PandasCategorical, parseModelText } from "./text-model.js";
import { leafBase, toForest } from "./to-forest.js";

/** `Booster.predict` keywords. */
export interface PredictOptions {
  /** the summed raw scores, before the objective's transform (and, for rf, before averaging) */
  rawScore?: boolean;
  /** the leaf index each row reaches in each tree used, int32 [rows, trees] */
  predLeaf?: boolean;
  /** iterations to use; null/undefined: best_iteration when set (and startIteration is 0), else all; <= 0: all */
  numIteration?: number | null;
  startIteration?: number;
}

export interface Prediction {
  dtype: "float64" | "int32";
  shape: number[];
  data: Float64Array | Int32Array;
}

export interface BoosterOptions {
  /** best_iteration from a pickled Booster's state (0 = none) */
  bestIteration?: number;
  /** pandas_categorical from a pickled Booster's state (overrides the model text's line) */
  pandasCategorical?: PandasCategorical;
}

/**
 * A LightGBM model loaded from its text format, predicting as `lightgbm.Booster.predict` does: raw scores
 * summed in double over the trees in file order, the objective's transform, rf averaging, iteration ranges
 * and pred_leaf. Prediction runs on the @pyfunc/forest runtime.
 */
export class Booster {
  readonly model: LgbModel;
  readonly objective: Objective;
  readonly forest: ForestModel;
  readonly categories: PandasCategories | null;
  readonly bestIteration: number;
  /** the compiled trees (kernel layout chosen by @pyfunc/forest; worker pool on first parallel batch) */
  readonly predictor: ForestPredictor;
  readonly #leafBase: Int32Array;
  /** the one-row matrix buffer `predict` reuses (a single-row call then allocates no input matrix) */
  readonly #row: Float64Array;

  constructor(model: LgbModel, options: BoosterOptions = {}) {
    this.objective = parseObjective(model.objective, model.numTreePerIteration);
    this.model =
      options.pandasCategorical !== undefined
        ? { ...model, pandasCategorical: options.pandasCategorical }
        : model;
    this.categories = PandasCategories.of(this.model);
    this.forest = toForest(this.model);
    this.predictor = ForestPredictor.compile(this.forest);
    this.#leafBase = leafBase(this.model);
    this.#row = new Float64Array(this.model.numFeatures);
    const best = options.bestIteration ?? 0;
    this.bestIteration = Number.isSafeInteger(best) && best > 0 ? best : 0;
  }

  /** Parse a model text (`Booster(model_str=...)`, `Booster(model_file=...)`). */
  static fromString(text: string, options: BoosterOptions = {}): Booster {
    return new Booster(parseModelText(text), options);
  }

  static fromBytes(bytes: Uint8Array, options: BoosterOptions = {}): Booster {
    return Booster.fromString(new TextDecoder("utf-8").decode(bytes), options);
  }

  get numFeatures(): number {
    return this.model.numFeatures;
  }

  /** outputs per row: the class count for multiclass / multiclassova, else 1 */
  get numOutputs(): number {
    return this.model.numTreePerIteration;
  }

  get numTrees(): number {
    return this.model.trees.length;
  }

  /** `Booster.current_iteration()` / `num_trees() / num_model_per_iteration()` */
  get numIterations(): number {
    return this.model.numIterations;
  }

  get featureNames(): string[] {
    return this.model.featureNames;
  }

  /** The iterations [start, start + num) a predict call uses, as `Booster.predict` and GBDT::InitPredict pick them. */
  iterationRange(options: PredictOptions = {}): { start: number; num: number } {
    const startOpt = options.startIteration ?? 0;
    if (!Number.isSafeInteger(startOpt))
      throw inputError(`start_iteration must be an integer, got ${startOpt}`);
    let num = options.numIteration;
    if (num === null || num === undefined) num = startOpt <= 0 ? this.bestIteration : -1;
    if (!Number.isSafeInteger(num)) throw inputError(`num_iteration must be an integer, got ${num}`);
    const total = this.numIterations;
    const start = Math.min(Math.max(startOpt, 0), total);
    return { start, num: num > 0 ? Math.min(num, total - start) : total - start };
  }

  /**
   * The matrix `predict` would build from a pyfunc input (columns by position, pandas categories recoded).
   * `reuseRow`: a one-row input goes into a buffer this Booster keeps, which the next such call overwrites (so
   * use the matrix before then; `predict` does).
   */
  toMatrix(input: PyFuncInput, reuseRow = false): FeatureMatrix {
    return toFeatureMatrix(input, this.numFeatures, this.categories, reuseRow ? this.#row : undefined);
  }

  /** `Booster.predict(data, raw_score, pred_leaf, num_iteration, start_iteration)`. */
  predict(input: PyFuncInput, options: PredictOptions = {}): Prediction {
    return this.predictMatrix(this.toMatrix(input, true), options);
  }

  predictMatrix(m: FeatureMatrix, options: PredictOptions = {}): Prediction {
    const { range, num } = this.#prepare(m, options);
    if (options.predLeaf === true) return this.#leaves(m, range);
    const raw = this.predictor.predict(m.X, m.numRows, range) as Float64Array;
    return this.finish(raw, m.numRows, num, options.rawScore === true);
  }

  /** The same prediction with a large batch spread over `workers` threads (rows split into equal parts). */
  async predictMatrixAsync(
    m: FeatureMatrix,
    options: PredictOptions & { workers?: number } = {},
  ): Promise<Prediction> {
    const { range, num } = this.#prepare(m, options);
    if (options.predLeaf === true) return this.#leaves(m, range);
    const workers = options.workers ?? 0;
    const raw = (await this.predictor.predictAsync(m.X, m.numRows, { range, workers })) as Float64Array;
    return this.finish(raw, m.numRows, num, options.rawScore === true);
  }

  #prepare(
    m: FeatureMatrix,
    options: PredictOptions,
  ): { range: { start: number; end: number }; num: number } {
    if (m.numCols !== this.numFeatures) {
      throw inputError(
        `The number of features in data (${m.numCols}) is not the same as it was in training data (${this.numFeatures}).`,
      );
    }
    const { start, num } = this.iterationRange(options);
    const K = this.numOutputs;
    return { range: { start: start * K, end: (start + num) * K }, num };
  }

  #leaves(m: FeatureMatrix, range: { start: number; end: number }): Prediction {
    const leaves = this.predictor.predictLeaf(m.X, m.numRows, range);
    const nt = range.end - range.start;
    for (let i = 0; i < leaves.length; i++) leaves[i] = leaves[i]! - this.#leafBase[range.start + (i % nt)]!;
    return { dtype: "int32", shape: [m.numRows, nt], data: leaves };
  }

  /** Stop the worker threads, if a parallel prediction started them. */
  close(): Promise<void> {
    return this.predictor.close();
  }

  /** Raw sums → predictions: rf averaging over the `num` iterations used, then the objective's transform. */
  finish(raw: Float64Array, numRows: number, num: number, rawScore: boolean): Prediction {
    const K = this.numOutputs;
    if (!rawScore) {
      if (this.model.averageOutput) for (let i = 0; i < raw.length; i++) raw[i] = raw[i]! / num;
      applyTransform(this.objective.transform, raw, K);
    }
    return { dtype: "float64", shape: K === 1 ? [numRows] : [numRows, K], data: raw };
  }
}
