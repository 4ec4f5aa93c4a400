import { modelError } from "./errors.js";

const f = Math.fround;

export type Transform = "identity" | "sigmoid" | "exp" | "hinge" | "softmax" | "softmax-argmax";
type Link = "identity" | "logit" | "log";

interface ObjectiveInfo {
  transform: Transform;
  link: Link;
}

/** Every objective XGBoost 1.x–3.x ships, with its prediction transform and base_score link. */
const OBJECTIVES: Record<string, ObjectiveInfo> = {
  "reg:squarederror": { transform: "identity", link: "identity" },
  "reg:linear": { transform: "identity", link: "identity" },
  "reg:squaredlogerror": { transform: "identity", link: "identity" },
  "reg:pseudohubererror": { transform: "identity", link: "identity" },
  "reg:absoluteerror": { transform: "identity", link: "identity" },
  "reg:quantileerror": { transform: "identity", link: "identity" },
  "reg:expectileerror": { transform: "identity", link: "identity" },
  "reg:logistic": { transform: "sigmoid", link: "logit" },
  "binary:logistic": { transform: "sigmoid", link: "logit" },
  "binary:logitraw": { transform: "identity", link: "identity" },
  "binary:hinge": { transform: "hinge", link: "identity" },
  "count:poisson": { transform: "exp", link: "log" },
  "reg:gamma": { transform: "exp", link: "log" },
  "reg:tweedie": { transform: "exp", link: "log" },
  "survival:cox": { transform: "exp", link: "log" },
  "survival:aft": { transform: "exp", link: "log" },
  "multi:softprob": { transform: "softmax", link: "identity" },
  "multi:softmax": { transform: "softmax-argmax", link: "identity" },
  "rank:pairwise": { transform: "identity", link: "identity" },
  "rank:ndcg": { transform: "identity", link: "identity" },
  "rank:map": { transform: "identity", link: "identity" },
};

export function objectiveInfo(name: string): ObjectiveInfo {
  const info = Object.hasOwn(OBJECTIVES, name) ? OBJECTIVES[name] : undefined;
  if (!info) throw modelError(`unsupported objective '${name}'`);
  return info;
}

export function knownObjectives(): string[] {
  return Object.keys(OBJECTIVES);
}

/** ProbToMargin: base_score (user space) → starting margin, in float32 as XGBoost computes it. */
export function baseMargin(objective: string, baseScore: number): number {
  const { link } = objectiveInfo(objective);
  const b = f(baseScore);
  if (link === "logit") return f(-f(Math.log(f(f(1 / b) - 1))));
  if (link === "log") return f(Math.log(b));
  return b;
}

const SIGMOID_CAP = f(88.7);

/** Element-wise transforms in float32 (XGBoost's common::Sigmoid, expf, hinge). */
export function transformInPlace(kind: Transform, margins: Float32Array): void {
  const n = margins.length;
  if (kind === "sigmoid") {
    for (let i = 0; i < n; i++) {
      const x = margins[i]!;
      const e = f(Math.exp(Math.min(-x, SIGMOID_CAP)));
      margins[i] = 1 / f(1 + e);
    }
  } else if (kind === "exp") {
    for (let i = 0; i < n; i++) margins[i] = Math.exp(margins[i]!);
  } else if (kind === "hinge") {
    for (let i = 0; i < n; i++) margins[i] = margins[i]! > 0 ? 1 : 0;
  }
}

/** Row-wise softmax: subtract the row max, float32 exp, double sum, divide by float32(sum). */
export function softmaxRows(margins: Float32Array, numRows: number, k: number, out: Float32Array): void {
  for (let r = 0; r < numRows; r++) {
    const o = r * k;
    let mx = margins[o]!;
    for (let j = 1; j < k; j++) if (margins[o + j]! > mx) mx = margins[o + j]!;
    let sum = 0;
    for (let j = 0; j < k; j++) {
      const e = f(Math.exp(f(margins[o + j]! - mx)));
      out[o + j] = e;
      sum += e;
    }
    const s = f(sum);
    for (let j = 0; j < k; j++) out[o + j] = out[o + j]! / s;
  }
}

/** multi:softmax prediction: index of the first maximum margin per row, as float32. */
export function argmaxRows(margins: Float32Array, numRows: number, k: number): Float32Array {
  const out = new Float32Array(numRows);
  for (let r = 0; r < numRows; r++) {
    const o = r * k;
    let best = 0;
    let mx = margins[o]!;
    for (let j = 1; j < k; j++) {
      if (margins[o + j]! > mx) {
        mx = margins[o + j]!;
        best = j;
      }
    }
    out[r] = best;
  }
  return out;
}
