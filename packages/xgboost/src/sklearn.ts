import type { Booster, Prediction, PredictOptions } from "./booster.js";
import type { MatrixLike } from "./matrix.js";

/** Class predictions as XGBClassifier.predict returns them (numpy int64, or int32 for multi:softmax). */
export interface ClassPrediction {
  dtype: "int64" | "int32" | "float64";
  data: BigInt64Array | Int32Array | Float64Array;
  shape: number[];
}

/** The iteration range the scikit-learn wrapper uses: [0, best_iteration + 1) when recorded. */
export function sklearnIterationRange(booster: Booster): [number, number] | undefined {
  const best = booster.bestIteration;
  if (best === undefined || booster.booster === "gblinear") return undefined;
  return [0, Math.min(best + 1, booster.numBoostedRounds)];
}

/** XGBRegressor.predict (and the other non-classifier wrappers): transformed float32 output. */
export function sklearnRegressorPredict(booster: Booster, input: MatrixLike, options: PredictOptions = {}) {
  const range = options.iterationRange ?? sklearnIterationRange(booster);
  return booster.predict(input, { ...options, ...(range ? { iterationRange: range } : {}) });
}

/** XGBClassifier.predict: class indices (binary: p > 0.5; multi-class: arg-max; multi:softmax: int32 ids). */
export function sklearnClassifierPredict(
  booster: Booster,
  input: MatrixLike,
  options: PredictOptions = {},
): ClassPrediction {
  const range = options.iterationRange ?? sklearnIterationRange(booster);
  const p = booster.predict(input, { ...options, ...(range ? { iterationRange: range } : {}) });
  return classesFromPrediction(booster, p);
}

/**
 * XGBClassifier.predict's post-processing of the transformed prediction: multi:softmax → int32 ids,
 * multi-class probabilities → int64 arg-max, multi-label → float64 0/1 matrix, binary → int64 (p > 0.5).
 */
export function classesFromPrediction(booster: Booster, p: Prediction): ClassPrediction {
  const n = p.shape[0]!;
  if (booster.objective === "multi:softmax") {
    return { dtype: "int32", data: Int32Array.from(p.data), shape: [n] };
  }
  if (p.shape.length > 1 && booster.numClass > 2) {
    const k = p.shape[1]!;
    const out = new BigInt64Array(n);
    for (let r = 0; r < n; r++) {
      let best = 0;
      for (let j = 1; j < k; j++) if (p.data[r * k + j]! > p.data[r * k + best]!) best = j;
      out[r] = BigInt(best);
    }
    return { dtype: "int64", data: out, shape: [n] };
  }
  if (p.shape.length > 1 && p.shape[1] !== 1) {
    const out = new Float64Array(p.data.length);
    for (let i = 0; i < p.data.length; i++) out[i] = p.data[i]! > 0.5 ? 1 : 0;
    return { dtype: "float64", data: out, shape: [...p.shape] };
  }
  const out = new BigInt64Array(n);
  for (let r = 0; r < n; r++) out[r] = p.data[r]! > 0.5 ? 1n : 0n;
  return { dtype: "int64", data: out, shape: [n] };
}

/** XGBClassifier.predict_proba: [rows, classes]; binary gives [1 - p, p]. */
export function sklearnClassifierPredictProba(
  booster: Booster,
  input: MatrixLike,
  options: PredictOptions = {},
) {
  const range = options.iterationRange ?? sklearnIterationRange(booster);
  const opts = { ...options, ...(range ? { iterationRange: range } : {}) };
  const p = booster.predictProba(input, opts);
  if (p.shape.length > 1) return p;
  const n = p.shape[0]!;
  const out = new Float32Array(n * 2);
  for (let r = 0; r < n; r++) {
    out[r * 2] = 1 - p.data[r]!;
    out[r * 2 + 1] = p.data[r]!;
  }
  return { data: out, shape: [n, 2] };
}
