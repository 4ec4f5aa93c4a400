import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as core from "@pyfunc/core";
import { describe, expect, it } from "vitest";
import { caseFrame, numbers, readCase } from "./__tests__/fixture-case.js";
import { LGBMEstimator, readEstimator } from "./index.js";

const fixtures = resolve(dirname(fileURLToPath(import.meta.url)), "../fixtures");
const handmade = (f: string) => new Uint8Array(readFileSync(join(fixtures, "handmade", f)));

describe("scikit-learn wrappers read from hand-made pickles and skops files", () => {
  it("LGBMRanker.predict is the Booster's prediction (lambdarank: raw scores)", async () => {
    const est = await readEstimator(handmade("ranker-lambdarank.pkl"), "cloudpickle");
    expect(est.kind).toBe("ranker");
    const c = readCase(join(fixtures, "lambdarank"));
    const out = est.predict(caseFrame(c.input));
    expect(out.dtype).toBe("float64");
    expect(Array.from(out.data as Float64Array)).toEqual(numbers(c.expected.predict!.data));
    expect(() => est.predictProba(caseFrame(c.input))).toThrow(/no predict_proba/);
  });

  it("best_iteration in the pickled Booster state limits predict to that many rounds", async () => {
    const est = await readEstimator(handmade("ranker-best-iteration-4.pkl"), "cloudpickle");
    expect(est.booster.bestIteration).toBe(4);
    const c = readCase(join(fixtures, "early-stopping"));
    const got = Array.from(est.predict(caseFrame(c.input)).data as Float64Array);
    const want = numbers(c.expected.predict_num_iteration_4!.data);
    expect(got.every((v, i) => Math.abs(v - want[i]!) <= 1e-12 * Math.max(1, Math.abs(want[i]!)))).toBe(true);
    // an explicit num_iteration wins; start_iteration > 0 without num_iteration uses every remaining round
    const all = est.predict(caseFrame(c.input), { numIteration: -1, rawScore: true });
    expect(Array.from(all.data as Float64Array)).toEqual(numbers(c.expected.raw_score!.data));
  });

  it("integer class labels come back with their numpy dtype, chosen by p > 1 - p", async () => {
    const est = await readEstimator(handmade("classifier-int-labels.pkl"), "cloudpickle");
    const c = readCase(join(fixtures, "binary"));
    const p = numbers(c.expected.predict!.data);
    const labels = est.predict(caseFrame(c.input));
    expect(labels.dtype).toBe("int64");
    expect(Array.from(labels.data as BigInt64Array)).toEqual(p.map((v) => (v > 1 - v ? 7n : 3n)));
    const proba = est.predictProba(caseFrame(c.input));
    expect(proba.shape).toEqual([p.length, 2]);
    expect(proba.data[1]).toBe(p[0]);
    expect(proba.data[0]).toBe(1 - p[0]!);
  });

  it("a custom objective function in the pickle is refused with a typed error naming it", async () => {
    const err = await readEstimator(handmade("classifier-custom-objective.pkl"), "cloudpickle").catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(core.MlflowException);
    expect(String(err.message)).toMatch(/my_objectives\.focal_loss/);
  });

  it("a skops file: the Booster state's pandas_categorical recodes category values", async () => {
    const est = await readEstimator(handmade("ranker-categorical.skops"), "skops");
    expect(est).toBeInstanceOf(LGBMEstimator);
    const c = readCase(join(fixtures, "categorical-pandas"));
    expect(Array.from(est.predict(caseFrame(c.input)).data as Float64Array)).toEqual(
      numbers(c.expected.predict!.data),
    );
  });

  it("a pickle is not a skops file and the other way round: typed errors", async () => {
    await expect(readEstimator(handmade("ranker-lambdarank.pkl"), "skops")).rejects.toBeInstanceOf(
      core.MlflowException,
    );
    await expect(readEstimator(handmade("ranker-categorical.skops"), "pickle")).rejects.toBeInstanceOf(
      core.MlflowException,
    );
  });
});

describe("loadModel on scikit-learn directories", () => {
  it("reads serialization_format: skops from the lightgbm flavor block", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pyfunc-lgb-skops-"));
    try {
      copyFileSync(join(fixtures, "handmade", "ranker-categorical.skops"), join(dir, "model.skops"));
      writeFileSync(
        join(dir, "MLmodel"),
        [
          "flavors:",
          "  lightgbm:",
          "    code: null",
          "    data: model.skops",
          "    lgb_version: 4.6.0",
          "    model_class: lightgbm.sklearn.LGBMRanker",
          "    serialization_format: skops",
          "    skops_trusted_types: [collections.OrderedDict, lightgbm.basic.Booster, lightgbm.sklearn.LGBMRanker]",
          "  python_function:",
          "    data: model.skops",
          "    loader_module: mlflow.lightgbm",
          "    python_version: 3.11.2",
          "mlflow_version: 3.6.0",
          "",
        ].join("\n"),
      );
      const model = await core.loadModel(dir, { suppressWarnings: true });
      const c = readCase(join(fixtures, "categorical-pandas"));
      const out = (await model.predict(caseFrame(c.input))) as core.Tensor;
      expect(Array.from(out.data as Float64Array)).toEqual(numbers(c.expected.predict!.data));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
