import { join } from "node:path";
import * as core from "@pyfunc/core";
import { expect } from "vitest";
import type { Booster, Prediction, PredictOptions } from "../booster.js";
import "../index.js"; // registers the mlflow.lightgbm loader
import { LGBMEstimator } from "../sklearn.js";
import {
  caseFrame,
  type ExpectedEntry,
  type FixtureCase,
  flat,
  numbers,
  readCase,
  worstExcess,
} from "./fixture-case.js";

/** Booster.predict keywords behind each recorded output. */
export const OUTPUT_OPTIONS: Record<string, PredictOptions> = {
  predict: {},
  raw_score: { rawScore: true },
  pred_leaf: { predLeaf: true },
  predict_num_iteration_4: { numIteration: 4 },
  raw_score_num_iteration_4: { numIteration: 4, rawScore: true },
  raw_score_start_iteration_1_num_iteration_4: { startIteration: 1, numIteration: 4, rawScore: true },
  predict_all_trees: { numIteration: -1 },
};

/** Outputs of the in-memory Python model that the saved directory does not hold (documented, not comparable). */
const NOT_SAVED = new Set(["in_memory_predict_all_trees"]);

function expectOutput(
  c: FixtureCase,
  key: string,
  got: { dtype: string; shape: number[]; data: unknown },
): void {
  const want = c.expected[key] as ExpectedEntry;
  expect(got.shape, key).toEqual(want.shape);
  if (want.dtype === "object" || want.dtype?.startsWith("<U")) {
    expect(got.dtype, key).toBe(want.dtype === "object" ? "object" : "str");
    expect(got.data, key).toEqual(flat(want.data));
    return;
  }
  const values = Array.from(got.data as ArrayLike<number>);
  if (key === "pred_leaf" || c.manifest.tolerance.exact.includes(key)) {
    expect(values, key).toEqual(numbers(want.data));
  } else {
    const { abs, rel } = c.manifest.tolerance;
    expect(worstExcess(values, numbers(want.data), abs, rel), key).toBe(0);
  }
}

/**
 * Every output a case records, from the MLflow directory as core.loadModel reads it: the Booster's (or the
 * scikit-learn estimator's) predict / raw_score / pred_leaf / iteration outputs, predict_proba, pyfunc predict,
 * and the JSON-like frame (category values as plain columns). Returns the keys checked.
 */
export async function runCase(dir: string): Promise<string[]> {
  const c = readCase(dir);
  const frame = caseFrame(c.input);
  const model = await core.loadModel(join(dir, "model"), { suppressWarnings: true });
  const checked: string[] = [];
  try {
    const raw = model.unwrap() as Booster | LGBMEstimator;
    for (const key of Object.keys(c.expected)) {
      const opts = OUTPUT_OPTIONS[key];
      if (opts === undefined) continue;
      const got: Prediction | core.Tensor = raw.predict(frame, opts);
      expectOutput(c, key, got);
      checked.push(key);
    }
    if (c.expected.predict_proba !== undefined) {
      expect(raw).toBeInstanceOf(LGBMEstimator);
      expectOutput(c, "predict_proba", (raw as LGBMEstimator).predictProba(frame));
      checked.push("predict_proba");
    }
    expectOutput(c, "pyfunc_predict", (await model.predict(frame)) as core.Tensor);
    checked.push("pyfunc_predict");
    if (c.expected.pyfunc_predict_from_json_like_frame !== undefined) {
      // Python's lightgbm refuses object columns for a model with pandas categories ("train and valid dataset
      // categorical_feature do not match"); here the values are recoded as if they were category columns,
      // so a JSON request predicts what the category-dtype DataFrame gives.
      expect(c.expected.pyfunc_predict_from_json_like_frame.error).toMatch(
        /categorical_feature do not match/,
      );
      const records = c.input.data.map((row) =>
        Object.fromEntries(c.input.columns.map((n, j) => [n, row[j]])),
      );
      expectOutput(c, "pyfunc_predict", (await model.predict(records)) as core.Tensor);
      checked.push("pyfunc_predict_from_json_like_frame");
    }
    for (const key of Object.keys(c.expected)) {
      if (!checked.includes(key) && !NOT_SAVED.has(key))
        throw new Error(`${dir}: no check for recorded output '${key}'`);
    }
  } finally {
    await model.close();
  }
  return checked;
}
