import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadModel, MlflowException, type Tensor } from "@pyfunc/core";
import { describe, expect, it } from "vitest";
import { type CaseJson, inputFrame, runCase } from "./__tests__/run-case.js";
import { SklearnPyFuncModel } from "./wrapper.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "../fixtures/models");
const cases = readdirSync(root).sort();

describe("models written by Debian's scikit-learn 1.2 (fixtures/generate.py)", () => {
  for (const name of cases) {
    const dir = join(root, name);
    const c = JSON.parse(readFileSync(join(dir, "case.json"), "utf8")) as CaseJson;
    if (c.must_refuse) continue;
    it(`${name}: every sklearn output and pyfunc predict match Python`, async () => {
      const r = await runCase(dir);
      expect(r.failures).toEqual([]);
      expect(r.checked.length).toBeGreaterThan(1);
    });
  }

  it("refuses a FunctionTransformer holding a lambda, naming it and never running it", async () => {
    const err = await loadModel(join(root, "lambda-function-transformer/model")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MlflowException);
    expect((err as Error).message).toMatch(/FunctionTransformer\(func=<lambda>\) holds Python code/);
  });

  it("refuses an estimator outside the list with its class and the ONNX route", async () => {
    const err = await loadModel(join(root, "unsupported-nusvr/model")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MlflowException);
    expect((err as Error).message).toMatch(/sklearn\.svm\._classes\.NuSVR.*skl2onnx/s);
  });

  it("returns labels with the estimator's dtype: str labels stay str/object, ints stay int64", async () => {
    const m = await loadModel(join(root, "hgb-nan-string-labels/model"));
    const out = (await m.predict(inputFrame(join(root, "hgb-nan-string-labels")))) as Tensor;
    expect(out.dtype).toBe("object");
    expect(new Set(out.data as string[])).toEqual(new Set(["died", "survived"]));
    const rf = await loadModel(join(root, "titanic-random-forest/model"));
    const y = (await rf.predict(inputFrame(join(root, "titanic-random-forest")))) as Tensor;
    expect(y.dtype).toBe("int64");
    expect(y.data).toBeInstanceOf(BigInt64Array);
  });

  it("predicts from records with missing values, as MLflow's scoring server passes them", async () => {
    const m = await loadModel(join(root, "titanic-logreg/model"));
    const out = (await m.predict([
      { pclass: 1, sex: "female", age: Number.NaN, sibsp: 0, parch: 0, fare: 80.5, embarked: "S" },
      { pclass: 3, sex: "male", age: 22.5, sibsp: 1, parch: 0, fare: 7.25, embarked: null },
    ])) as Tensor;
    expect(out.shape).toEqual([2]);
    expect(out.dtype).toBe("int64");
  });

  it("uses predict_fn from the MLmodel (predict_proba) and drops params with a warning", async () => {
    const m = await loadModel(join(root, "predict-proba-fn/model"));
    const impl = m.unwrap();
    expect(impl).not.toBeInstanceOf(SklearnPyFuncModel);
    const out = (await m.predict(inputFrame(join(root, "predict-proba-fn")))) as Tensor;
    expect(out.shape[1]).toBe(2);
    const sums = Array.from(
      { length: out.shape[0]! },
      (_, r) => (out.data[2 * r] as number) + (out.data[2 * r + 1] as number),
    );
    for (const s of sums) expect(Math.abs(s - 1)).toBeLessThan(1e-12);
  });

  it("rejects an unknown category when the encoder says handle_unknown='error' … and ignores it otherwise", async () => {
    const m = await loadModel(join(root, "titanic-random-forest/model"));
    const out = (await m.predict([
      { pclass: 2, sex: "unknown", age: 30.5, sibsp: 0, parch: 0, fare: 10.5, embarked: "X" },
    ])) as Tensor;
    expect(out.shape).toEqual([1]);
  });

  it("refuses a string where a number belongs with a typed error", async () => {
    const m = await loadModel(join(root, "gb-multiclass/model"));
    const err = await m.predict([{ sibsp: "x", parch: 0.5, fare: 1.5 }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MlflowException);
  });
});
