/*
 * The one model form for tree ensembles. A flavor (XGBoost, LightGBM, scikit-learn) reads its library's
 * file and converts it into a ForestModel; everything after that (validation, kernels, workers, pred_leaf)
 * is this package's. The form is plain data (typed arrays, Maps, strings), so it can be built by hand in a
 * test, checked once by validateForest, and sent to a worker thread by structured clone.
 */

/** Missing-value rules (per node). */
export const MissingRule = {
  /** NaN is missing and takes the node's default direction (XGBoost, LightGBM MissingType::NaN, sklearn). */
  nan: 0,
  /** NaN is read as 0, and 0 (|x| <= 1e-35f) is missing (LightGBM zero_as_missing, MissingType::Zero). */
  zero: 1,
  /** NaN is read as 0 and then compared like any value; nothing is missing (LightGBM MissingType::None). */
  none: 2,
} as const;
export type MissingRuleCode = (typeof MissingRule)[keyof typeof MissingRule];

/** LightGBM's kZeroThreshold: a float constant compared in double. */
export const ZERO_THRESHOLD = Math.fround(1e-35);

/** A categorical split: a bitset of category codes and the side those codes go to. */
export interface CategorySplit {
  /** bit c (word c >>> 5, bit c & 31) is set when category c is in the set */
  bits: Uint32Array;
  /** true: codes in the set go left (LightGBM `cat_threshold`, sklearn HistGradientBoosting);
   * false: they go right (XGBoost "categories in the list go right"). Everything else goes the other way. */
  inSetGoesLeft: boolean;
}

/** A LightGBM linear_tree leaf: constant + sum(coeff[i] * x[feature[i]]), in double, in this order. */
export interface LinearLeaves {
  /** per node: start of its terms in features/coeffs; terms of node n are [offsets[n], offsets[n + 1]) */
  offsets: Int32Array;
  features: Int32Array;
  coeffs: Float64Array;
  /** per node: the constant term */
  constant: Float64Array;
}

/**
 * One tree in column form. Node 0 is the root; node n is a leaf when left[n] === -1.
 * Arrays are indexed by node id and have numNodes entries (fields that do not apply to a node are ignored).
 */
export interface Tree {
  numNodes: number;
  left: Int32Array;
  right: Int32Array;
  /** split feature (column of the input row) */
  feature: Int32Array;
  /** numerical split threshold, a double (a float32 value for XGBoost) */
  threshold: Float64Array;
  /** 1 when a missing value goes left */
  defaultLeft: Uint8Array;
  /** per-node MissingRule code; omitted: every node uses MissingRule.nan */
  missing?: Uint8Array;
  /** categorical split nodes by node id; omitted or empty: all splits are numerical */
  categories?: Map<number, CategorySplit>;
  /**
   * Scalar leaf value. With linear leaves: the value used when one of the leaf's features is NaN
   * (LightGBM's LeafOutput fallback).
   */
  value: Float64Array;
  /**
   * Vector leaves: numNodes * width values (node n's vector at [n * width, (n + 1) * width)), added to
   * outputs treeOutput[t] .. treeOutput[t] + width - 1 (random forests' class distributions). Omitted: scalar.
   */
  vector?: { width: number; values: Float64Array };
  /** Linear leaves (LightGBM linear_tree); omitted: constant leaves. */
  linear?: LinearLeaves;
}

/**
 * How a split compares: "<" sends x left when x < threshold (XGBoost); "<=" when x <= threshold
 * (LightGBM, scikit-learn).
 */
export type Comparison = "<" | "<=";

/**
 * The precision a feature value has when it is compared: "float32" rounds it to float32 first (XGBoost's
 * DMatrix; scikit-learn's trees cast X to float32 and compare with a float64 threshold); "float64" keeps
 * the double (LightGBM, scikit-learn HistGradientBoosting).
 */
export type InputPrecision = "float32" | "float64";

/**
 * How tree outputs are combined, per output, trees in tree order, starting from baseScore:
 * - "sum-float32": acc = f32(acc + f32(f32(leaf) * f32(weight))) (XGBoost; the output is a Float32Array)
 * - "sum-float64": acc = acc + leaf * weight in double (LightGBM gbdt/dart/goss, scikit-learn GradientBoosting)
 * - "mean": the double sum divided by the number of trees of that output in the range (random forests,
 *   LightGBM rf)
 */
export type Aggregation = "sum-float32" | "sum-float64" | "mean";

/**
 * How a value at a categorical split becomes a category code (NaN is handled by the missing rule first):
 * - "nonnegative": a value < 0 or >= 2^24 is not in any set, else the code is trunc(x) (XGBoost)
 * - "truncate": the code is trunc(x) like C's static_cast<int>; a negative code, or a value outside the
 *   int32 range, is not in any set (LightGBM)
 */
export type CategoryRule = "nonnegative" | "truncate";

export interface ForestModel {
  /** columns an input row must have */
  numFeatures: number;
  /** outputs per row (1 for regression and binary, the class count for multiclass) */
  numOutputs: number;
  trees: Tree[];
  /** per tree: the output it adds to (the first of `width` outputs for vector leaves) */
  treeOutput: Int32Array;
  /** per tree: a factor its leaves are multiplied by (DART weights, GradientBoosting learning_rate); null: 1 */
  treeWeight: Float64Array | null;
  /** per output: the starting value (XGBoost base margin, sklearn init prediction); length numOutputs */
  baseScore: Float64Array;
  comparison: Comparison;
  inputPrecision: InputPrecision;
  aggregation: Aggregation;
  categoryRule: CategoryRule;
}

/** A tree range [start, end) and the rows to predict. */
export interface TreeRange {
  start: number;
  end: number;
}
