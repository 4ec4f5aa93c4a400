import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { MlflowException, type Tensor } from "@pyfunc/core";
import { describe, expect, it } from "vitest";
import { inputFrame } from "./__tests__/run-case.js";
import { estimatorFromPickle } from "./load.js";
import { SklearnPyFuncModel } from "./wrapper.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "../fixtures/models");
const est = (name: string) =>
  estimatorFromPickle(new Uint8Array(readFileSync(join(root, name, "model/model.pkl"))));
const expected = (name: string) => JSON.parse(readFileSync(join(root, name, "expected.json"), "utf8"));

describe("SklearnPyFuncModel (MLflow's _SklearnModelWrapper)", () => {
  it("takes a 2-D numeric tensor as X, as pyfunc passes a numpy array", () => {
    const m = new SklearnPyFuncModel(est("ridge"), "predict");
    const inp = JSON.parse(readFileSync(join(root, "ridge/input.json"), "utf8")) as { data: number[][] };
    const out = m.predictSync({
      dtype: "float64",
      shape: [inp.data.length, 3],
      data: Float64Array.from(inp.data.flat()),
    });
    const want = expected("ridge").predict.data as number[];
    (out.data as Float64Array).forEach((v, i) => {
      expect(Math.abs(v - want[i]!)).toBeLessThan(1e-9);
    });
  });

  it("refuses predict_fn names MLflow's wrapper does not expose, and score at predict time", () => {
    expect(() => new SklearnPyFuncModel(est("ridge"), "decision_function")).toThrow(
      /missing required decision_function/,
    );
    expect(() => new SklearnPyFuncModel(est("ridge"), "predict_proba")).toThrow(MlflowException);
    const score = new SklearnPyFuncModel(est("ridge"), "score");
    expect(() => score.predictSync([{ sibsp: 1.5, parch: 0.5, z: 0.1 }])).toThrow(/needs the true labels y/);
  });

  it("spreads a large tree batch over worker threads with the same numbers", async () => {
    const frame = inputFrame(join(root, "titanic-random-forest"));
    const rows = frame.toRecords();
    const big = Array.from({ length: 5000 }, (_, i) => rows[i % rows.length]!);
    const sync = new SklearnPyFuncModel(est("titanic-random-forest"), "predict_proba");
    const pooled = new SklearnPyFuncModel(est("titanic-random-forest"), "predict_proba", { workers: 2 });
    const a = sync.predictSync(big);
    const pending = pooled.predict(big);
    expect(pending).toBeInstanceOf(Promise);
    const b = (await pending) as Tensor;
    expect(b.shape).toEqual(a.shape);
    expect(Array.from(b.data as Float64Array)).toEqual(Array.from(a.data as Float64Array));
    await pooled.close();
  });
});
