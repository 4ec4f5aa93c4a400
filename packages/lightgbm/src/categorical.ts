import type { LgbModel } from "./text-model.js";

/**
 * The categorical features of a model, in feature order: the `categorical_feature` training parameter when
 * it lists indices (what the Python package records, also for pandas' 'auto'), else the features whose
 * `feature_infos` entry is a category list (`v1:v2:...`) rather than a `[min:max]` range or `none`.
 */
export function categoricalFeatures(model: LgbModel): number[] {
  const param = model.parameters.categorical_feature?.trim();
  if (param !== undefined && param !== "") {
    const parts = param.split(",").map((p) => p.trim());
    if (parts.every((p) => /^\d+$/.test(p) && Number(p) < model.numFeatures)) {
      return [...new Set(parts.map(Number))].sort((a, b) => a - b);
    }
  }
  const out: number[] = [];
  model.featureInfos?.forEach((info, i) => {
    if (info !== "none" && !info.startsWith("[")) out.push(i);
  });
  return out;
}

/** A category value as pandas compares it: True/False equal 1/0, 2.0 equals 2. */
export type CategoryKey = string | number;

function keyOf(v: unknown): CategoryKey | null {
  if (typeof v === "string") return v;
  if (typeof v === "number") return Number.isNaN(v) ? null : v;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "bigint") return Number(v);
  return null;
}

/**
 * `pandas_categorical` as a lookup: for the k-th categorical feature, value → its index in the k-th training
 * category list. That index is the code the trees were trained on (pandas `cat.codes` after
 * `set_categories(training list)`); unseen and missing values have no code and become NaN.
 */
export class PandasCategories {
  /** model feature index → value → code */
  readonly #byFeature: Map<number, Map<CategoryKey, number>>;
  readonly features: readonly number[];
  /**
   * Why DataFrame columns cannot be recoded (the category lists do not line up with the model's categorical
   * features, e.g. category columns mixed with integer-coded categorical features), or null.
   */
  readonly problem: string | null;

  private constructor(byFeature: Map<number, Map<CategoryKey, number>>, problem: string | null = null) {
    this.#byFeature = byFeature;
    this.features = [...byFeature.keys()];
    this.problem = problem;
  }

  /** null when the model has no pandas category lists (trained from numpy, or a DataFrame without categories). */
  static of(model: LgbModel): PandasCategories | null {
    const lists = model.pandasCategorical;
    if (lists === null || lists.length === 0) return null;
    const features = categoricalFeatures(model);
    if (features.length !== lists.length) {
      // Python matches the lists to the frame's category-dtype columns; JS frames have no such dtype
      return new PandasCategories(
        new Map(),
        `the model's pandas_categorical has ${lists.length} category lists for ${features.length} categorical features, so its category columns cannot be told apart in a DataFrame: pass numeric category codes as a tensor or a list of rows`,
      );
    }
    const byFeature = new Map<number, Map<CategoryKey, number>>();
    lists.forEach((cats, k) => {
      const codes = new Map<CategoryKey, number>();
      cats.forEach((c, i) => {
        const key = keyOf(c);
        if (key !== null && !codes.has(key)) codes.set(key, i);
      });
      byFeature.set(features[k]!, codes);
    });
    return new PandasCategories(byFeature);
  }

  isCategorical(feature: number): boolean {
    return this.#byFeature.has(feature);
  }

  /** The training code of a value of `feature`'s column, or NaN (unseen, missing). */
  code(feature: number, value: unknown): number {
    const key = keyOf(value);
    if (key === null) return Number.NaN;
    return this.#byFeature.get(feature)?.get(key) ?? Number.NaN;
  }
}
