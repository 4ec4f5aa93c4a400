import { MlflowException } from "@pyfunc/core";
import { describe, expect, it } from "vitest";
import { applyTransform, isClassification, parseObjective } from "./objective.js";

const t = (line: string | null, k = 1) => parseObjective(line, k).transform;
const apply = (line: string, raw: number[], k = 1) =>
  Array.from(applyTransform(t(line, k), Float64Array.from(raw), k));

describe("objective lines as LightGBM's string constructors read them", () => {
  it("identity objectives, including fair, mape and rank_xendcg (ConvertOutput not overridden)", () => {
    for (const name of [
      "regression",
      "regression_l1",
      "huber",
      "fair",
      "quantile",
      "mape",
      "lambdarank",
      "rank_xendcg",
    ]) {
      expect(apply(name, [-1.5, 0, 2.25])).toEqual([-1.5, 0, 2.25]);
    }
    expect(t(null)).toEqual({ kind: "identity" });
    expect(t("custom")).toEqual({ kind: "identity" });
  });

  it("sqrt: sign(x)·x·x for the RegressionL2loss family; huber and poisson ignore it", () => {
    for (const name of ["regression sqrt", "regression_l1 sqrt", "fair sqrt", "quantile sqrt", "mape sqrt"]) {
      expect(apply(name, [-3, 0, 0.5])).toEqual([-9, 0, 0.25]);
    }
    expect(apply("huber sqrt", [-3])).toEqual([-3]);
    expect(apply("poisson sqrt", [0])).toEqual([1]);
  });

  it("exp for poisson, gamma and tweedie", () => {
    for (const name of ["poisson", "gamma", "tweedie"]) expect(apply(name, [0, 1])).toEqual([1, Math.exp(1)]);
  });

  it("binary uses the sigmoid parameter of the line; cross_entropy has none; xentlambda is log1p(exp)", () => {
    expect(apply("binary sigmoid:2", [0.5])).toEqual([1 / (1 + Math.exp(-1))]);
    expect(apply("cross_entropy", [0.5])).toEqual([1 / (1 + Math.exp(-0.5))]);
    expect(apply("xentropy", [0.5])).toEqual([1 / (1 + Math.exp(-0.5))]);
    expect(apply("cross_entropy_lambda", [0.5])).toEqual([Math.log1p(Math.exp(0.5))]);
    expect(apply("xentlambda", [0.5])).toEqual([Math.log1p(Math.exp(0.5))]);
    expect(isClassification(t("binary sigmoid:1"))).toBe(true);
    expect(isClassification(t("regression"))).toBe(false);
  });

  it("multiclass: softmax per row in class order; multiclassova: a sigmoid per class", () => {
    const raw = [1, 2, 3, -1, 0, 1];
    const got = apply("multiclass num_class:3", raw, 3);
    const e = [Math.exp(-2), Math.exp(-1), 1];
    const s = e[0]! + e[1]! + e[2]!;
    expect(got.slice(0, 3)).toEqual(e.map((v) => v / s));
    expect(got.slice(3)).toEqual(e.map((v) => v / s));
    expect(apply("multiclassova num_class:3 sigmoid:1.5", raw, 3)).toEqual(
      raw.map((x) => 1 / (1 + Math.exp(-1.5 * x))),
    );
  });

  it("refuses what LightGBM refuses", () => {
    expect(() => t("binary")).toThrow(/sigmoid parameter .* greater than zero/);
    expect(() => t("binary sigmoid:0")).toThrow(MlflowException);
    expect(() => t("multiclass num_class:4", 3)).toThrow(/num_class/);
    expect(() => t("multiclassova num_class:3", 3)).toThrow(/sigmoid/);
    expect(() => t("regression", 3)).toThrow(/num_tree_per_iteration/);
    expect(() => t("softmax_plus")).toThrow(/unknown objective type name: softmax_plus/);
  });
});
