import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Booster } from "../booster.js";
import {
  sklearnClassifierPredict,
  sklearnClassifierPredictProba,
  sklearnRegressorPredict,
} from "../sklearn.js";
import { type ExpectedOutput, expectMatches } from "./compare.js";

type Output = { data: ArrayLike<number | bigint>; shape: number[] };

/** Compute one recorded output kind with the TypeScript predictor. */
export function computeOutput(
  booster: Booster,
  key: string,
  X: (number | null)[][],
  exp: ExpectedOutput,
  missing?: number,
): Output {
  const m = missing === undefined ? {} : { missing };
  const best = booster.bestIteration ?? 0;
  switch (key) {
    case "predict":
      return booster.predict(X, m);
    case "output_margin":
      return booster.predict(X, { ...m, outputMargin: true });
    case "pred_leaf":
      return booster.predictLeaf(X, m);
    case "predict_proba":
      return booster.predictProba(X, m);
    case "inplace_predict":
      return booster.predict(X, { ...m, dartInplace: true });
    case "inplace_predict_margin":
      return booster.predict(X, { ...m, dartInplace: true, outputMargin: true });
    case "predict_best_iteration":
      return booster.predict(X, { ...m, iterationRange: [0, best + 1] });
    case "output_margin_best_iteration":
      return booster.predict(X, { ...m, iterationRange: [0, best + 1], outputMargin: true });
    case "predict_range_1_3":
      return booster.predict(X, { ...m, iterationRange: [1, 3] });
    case "margin_range_1_3":
      return booster.predict(X, { ...m, iterationRange: [1, 3], outputMargin: true });
    case "pred_leaf_range_0_3":
      return booster.predictLeaf(X, { ...m, iterationRange: [0, 3] });
    case "sklearn_predict":
      return exp.dtype.startsWith("float")
        ? sklearnRegressorPredict(booster, X, m)
        : sklearnClassifierPredict(booster, X, m);
    case "sklearn_predict_proba":
      return sklearnClassifierPredictProba(booster, X, m);
    default:
      throw new Error(`unhandled expected output '${key}'`);
  }
}

/** Outputs that are float32 sums/indices and must match bit for bit. */
export function isExactOutput(key: string, objective: string): boolean {
  if (key.includes("margin") || key.includes("leaf")) return true;
  if (key === "sklearn_predict" || key === "predict_best_iteration" || key.startsWith("predict_range")) {
    return !/logistic|poisson|gamma|tweedie|cox|aft|softprob/.test(objective);
  }
  if (key === "predict") return !/logistic|poisson|gamma|tweedie|cox|aft|softprob/.test(objective);
  return false;
}

export function runCaseDir(
  dir: string,
  exactKeys?: string[],
  modelFile?: string,
  layout: "auto" | "heap" | "pointer" = "auto",
): { booster: Booster; keys: string[] } {
  const exp = JSON.parse(readFileSync(join(dir, "expected.json"), "utf8")) as {
    model_file?: string;
    objective?: string;
    outputs: Record<string, ExpectedOutput>;
  };
  const inputs = JSON.parse(readFileSync(join(dir, "inputs.json"), "utf8")) as {
    data: (number | null)[][];
    missing?: number;
  };
  const booster = Booster.fromBytes(
    new Uint8Array(readFileSync(join(dir, (modelFile ?? exp.model_file) as string))),
    { layout },
  );
  const keys = Object.keys(exp.outputs);
  for (const [key, e] of Object.entries(exp.outputs)) {
    const actual = computeOutput(booster, key, inputs.data, e, inputs.missing);
    const exact = exactKeys
      ? exactKeys.includes(key)
      : isExactOutput(key, exp.objective ?? booster.objective);
    expectMatches(`${dir}/${key}`, actual, e, exact);
  }
  return { booster, keys };
}
