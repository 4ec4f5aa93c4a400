import { modelError } from "./errors.js";

/**
 * How LightGBM turns raw scores into predictions (each objective's `ConvertOutput`), read from the model's
 * `objective=` line exactly as LightGBM's string constructors read it.
 */
export type OutputTransform =
  | { kind: "identity" }
  /** reg_sqrt: sign(x)·x·x */
  | { kind: "square" }
  | { kind: "exp" }
  | { kind: "sigmoid"; sigmoid: number }
  /** cross_entropy_lambda: log1p(exp(x)) */
  | { kind: "log1p-exp" }
  | { kind: "softmax" }
  /** multiclassova: a sigmoid per class, not normalised */
  | { kind: "ova-sigmoid"; sigmoid: number };

export interface Objective {
  /** the objective name as written (first word of the line); "none" when the line is absent */
  name: string;
  transform: OutputTransform;
}

/** Objectives deriving from LightGBM's RegressionL2loss keep its `sqrt` option and its ConvertOutput. */
const L2_FAMILY = new Set([
  "regression",
  "regression_l1",
  "quantile",
  "fair",
  "mape",
  "mean_absolute_percentage_error",
]);
const IDENTITY = new Set(["huber", "lambdarank", "rank_xendcg"]);
const EXP = new Set(["poisson", "gamma", "tweedie"]);
const NO_OBJECTIVE = new Set(["none", "null", "custom", "na"]);

/** `key:value` parameters after the objective name (LightGBM splits on ' ' then ':'). */
function parameter(words: string[], key: string): string | undefined {
  let found: string | undefined;
  for (const w of words) {
    const kv = w.split(":");
    if (kv.length === 2 && kv[0] === key) found = kv[1];
  }
  return found;
}

function sigmoidOf(words: string[], line: string): number {
  const s = parameter(words, "sigmoid");
  const v = s === undefined ? -1 : Number(s);
  if (!(v > 0))
    throw modelError(
      `objective '${line}': sigmoid parameter ${s ?? "(missing)"} should be greater than zero`,
    );
  return v;
}

/** Parse the `objective=` line (null when the model has none: a custom objective, raw output). */
export function parseObjective(line: string | null, numTreePerIteration: number): Objective {
  if (line === null || line.trim() === "") return { name: "none", transform: { kind: "identity" } };
  const words = line
    .trim()
    .split(" ")
    .filter((w) => w.length > 0);
  const name = words[0]!;
  const multi = name === "multiclass" || name === "multiclassova";
  if (!multi && numTreePerIteration !== 1 && !NO_OBJECTIVE.has(name)) {
    throw modelError(
      `objective '${name}' has one output but num_tree_per_iteration is ${numTreePerIteration}`,
    );
  }
  if (L2_FAMILY.has(name)) {
    return { name, transform: words.includes("sqrt") ? { kind: "square" } : { kind: "identity" } };
  }
  if (IDENTITY.has(name) || NO_OBJECTIVE.has(name)) return { name, transform: { kind: "identity" } };
  if (EXP.has(name)) return { name, transform: { kind: "exp" } };
  if (name === "binary") return { name, transform: { kind: "sigmoid", sigmoid: sigmoidOf(words, line) } };
  if (name === "cross_entropy" || name === "xentropy")
    return { name, transform: { kind: "sigmoid", sigmoid: 1 } };
  if (name === "cross_entropy_lambda" || name === "xentlambda")
    return { name, transform: { kind: "log1p-exp" } };
  if (multi) {
    const k = Number(parameter(words, "num_class"));
    if (!(Number.isSafeInteger(k) && k === numTreePerIteration)) {
      throw modelError(
        `objective '${line}': num_class does not match num_tree_per_iteration=${numTreePerIteration}`,
      );
    }
    if (name === "multiclass") return { name, transform: { kind: "softmax" } };
    return { name, transform: { kind: "ova-sigmoid", sigmoid: sigmoidOf(words, line) } };
  }
  throw modelError(`unknown objective type name: ${name}`);
}

/**
 * Apply the transform in place to rows of K raw scores (`raw.length` = rows · K), in double precision and
 * in LightGBM's order of operations (softmax: subtract the row maximum, sum the exponentials in class order).
 */
export function applyTransform(t: OutputTransform, raw: Float64Array, K: number): Float64Array {
  const n = raw.length;
  switch (t.kind) {
    case "identity":
      return raw;
    case "square":
      for (let i = 0; i < n; i++) {
        const x = raw[i]!;
        raw[i] = (x > 0 ? 1 : x < 0 ? -1 : 0) * x * x;
      }
      return raw;
    case "exp":
      for (let i = 0; i < n; i++) raw[i] = Math.exp(raw[i]!);
      return raw;
    case "sigmoid":
    case "ova-sigmoid": {
      const s = t.sigmoid;
      for (let i = 0; i < n; i++) raw[i] = 1 / (1 + Math.exp(-s * raw[i]!));
      return raw;
    }
    case "log1p-exp":
      for (let i = 0; i < n; i++) raw[i] = Math.log1p(Math.exp(raw[i]!));
      return raw;
    case "softmax":
      for (let o = 0; o < n; o += K) {
        let max = raw[o]!;
        for (let k = 1; k < K; k++) if (raw[o + k]! > max) max = raw[o + k]!;
        let sum = 0;
        for (let k = 0; k < K; k++) {
          const e = Math.exp(raw[o + k]! - max);
          raw[o + k] = e;
          sum += e;
        }
        for (let k = 0; k < K; k++) raw[o + k] = raw[o + k]! / sum;
      }
      return raw;
  }
}

/** Whether predictions are probabilities of classes (what LGBMClassifier's predict_proba reports). */
export function isClassification(t: OutputTransform): boolean {
  return t.kind === "sigmoid" || t.kind === "softmax" || t.kind === "ova-sigmoid";
}
