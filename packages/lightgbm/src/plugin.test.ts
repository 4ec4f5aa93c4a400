import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as core from "@pyfunc/core";
import { describe, expect, it } from "vitest";
import { caseFrame, flat, numbers, readCase, worstExcess } from "./__tests__/fixture-case.js";
import { runCase } from "./__tests__/run-case.js";
import { type Booster, LightGBMPyFuncModel, lightgbmFlavor, readEstimator } from "./index.js";
import { LGBMEstimator } from "./sklearn.js";

const fixtures = resolve(dirname(fileURLToPath(import.meta.url)), "../fixtures");
const caseDirs = [
  ...readdirSync(fixtures, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(fixtures, d.name, "case.json")))
    .map((d) => join(fixtures, d.name)),
  ...readdirSync(join(fixtures, "mlflow-2.17.2")).map((d) => join(fixtures, "mlflow-2.17.2", d)),
];

describe("the lightgbm flavor plugin", () => {
  it("is registered for mlflow.lightgbm when the package is imported", () => {
    expect(core.defaultFlavorRegistry.resolve("mlflow.lightgbm")).toBe(lightgbmFlavor);
    expect(core.defaultFlavorRegistry.resolve("@pyfunc/lightgbm")).toBe(lightgbmFlavor);
  });

  it.each(caseDirs.map((d) => [d.slice(fixtures.length + 1), d]))(
    "%s: loadModel gives every output LightGBM and mlflow.pyfunc recorded",
    async (_name, dir) => {
      const keys = await runCase(dir);
      expect(keys).toContain("pyfunc_predict");
    },
  );

  it("a pickled classifier's predict_proba matches LGBMClassifier.predict_proba", async () => {
    for (const name of ["sklearn-classifier-binary", "sklearn-classifier-multiclass"]) {
      const c = readCase(join(fixtures, name));
      const model = await core.loadModel(join(c.dir, "model"), { suppressWarnings: true });
      const est = model.unwrap() as LGBMEstimator;
      expect(est).toBeInstanceOf(LGBMEstimator);
      const p = est.predictProba(caseFrame(c.input));
      expect(p.shape).toEqual(c.expected.predict_proba!.shape);
      expect(worstExcess(p.data as Float64Array, numbers(c.expected.predict_proba!.data), 1e-12, 1e-12)).toBe(
        0,
      );
      const raw = est.predict(caseFrame(c.input), { rawScore: true });
      expect(Array.from(raw.data as Float64Array)).toEqual(numbers(c.expected.raw_score!.data));
    }
  });

  it("pyfunc params select Booster.predict keywords; unknown params are warned about and ignored", async () => {
    const c = readCase(join(fixtures, "early-stopping"));
    const warnings: string[] = [];
    const model = await core.loadModel(join(c.dir, "model"), { suppressWarnings: true });
    const wrapper = new LightGBMPyFuncModel(model.unwrap() as Booster, "lightgbm.basic.Booster", (m) =>
      warnings.push(m),
    );
    const frame = caseFrame(c.input);
    const raw = await wrapper.predict(frame, {
      raw_score: true,
      start_iteration: 1,
      num_iteration: 4,
      foo: 1,
    });
    expect(Array.from(raw.data as Float64Array)).toEqual(
      numbers(c.expected.raw_score_start_iteration_1_num_iteration_4!.data),
    );
    expect(warnings.join("\n")).toMatch(/'foo'/);
    const leaf = await wrapper.predict(frame, { pred_leaf: true });
    expect(leaf.dtype).toBe("int32");
    expect(Array.from(leaf.data as Int32Array)).toEqual(numbers(c.expected.pred_leaf!.data));
    expect(() => wrapper.predict(frame, { num_iteration: "four" })).toThrow(core.MlflowException);
  });

  it("with worker threads a large batch is split over them and predicts the same labels", async () => {
    const c = readCase(join(fixtures, "sklearn-classifier-multiclass"));
    const model = await core.loadModel(join(c.dir, "model"), { suppressWarnings: true });
    const est = model.unwrap() as LGBMEstimator;
    const rows = Array.from({ length: 40 }, () => c.input.data).flat();
    const big = caseFrame({ ...c.input, data: rows });
    const wrapper = new LightGBMPyFuncModel(est, est.className, () => {}, { workers: 2 });
    const pending = wrapper.predict(big);
    expect(pending).toBeInstanceOf(Promise);
    const got = await pending;
    expect(got.data).toEqual(Array.from({ length: 40 }, () => flat(c.expected.pyfunc_predict!.data)).flat());
    const proba = await wrapper.predict(big, { raw_score: true });
    expect((proba.data as Float64Array).subarray(0, 9)).toEqual(
      Float64Array.from(numbers(c.expected.raw_score!.data).slice(0, 9)),
    );
    await wrapper.close();
  });

  it("a frame with the wrong number of columns fails as LightGBM does", async () => {
    const model = await core.loadModel(join(fixtures, "binary", "model"), { suppressWarnings: true });
    const impl = model.unwrap() as { predict(x: unknown): unknown };
    expect(() => impl.predict([[1, 2, 3]])).toThrow(/number of features in data \(3\).*training data \(6\)/);
  });
});

describe("pickles are read as data against the lightgbm allowlist", () => {
  const bytes = (s: string) => Uint8Array.from(s, (ch) => ch.charCodeAt(0));

  it("a pickle that calls os.system is refused with a typed error naming it", async () => {
    const evil = bytes("cos\nsystem\n(S'echo pwned'\ntR.");
    await expect(readEstimator(evil, "pickle")).rejects.toThrow(core.MlflowException);
    await expect(readEstimator(evil, "pickle")).rejects.toThrow(/os\.system/);
  });

  it("a class outside the allowlist is refused, naming the class", async () => {
    const other = bytes("\x80\x02csklearn.linear_model._base\nLinearRegression\nq\x00)\x81q\x01}q\x02b.");
    await expect(readEstimator(other, "pickle")).rejects.toThrow(
      /sklearn\.linear_model\._base\.LinearRegression/,
    );
  });

  it("an allowlisted object that is not an estimator is refused", async () => {
    const dict = bytes("\x80\x02}q\x00.");
    await expect(readEstimator(dict, "pickle")).rejects.toThrow(/expected a lightgbm scikit-learn estimator/);
  });

  it("truncated pickles fail with a typed error", async () => {
    const good = new Uint8Array(
      readFileSync(join(fixtures, "sklearn-classifier-binary", "model", "model.pkl")),
    );
    for (const cut of [1, 10, 100, 1000, good.length - 1]) {
      await expect(readEstimator(good.subarray(0, cut), "cloudpickle")).rejects.toThrow(core.MlflowException);
    }
  });
});
