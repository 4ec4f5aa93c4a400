import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as core from "@pyfunc/core";
import { afterAll, describe, expect, it } from "vitest";
import { expectMatches } from "./__tests__/compare.js";
import { Booster } from "./booster.js";
import { saveModel } from "./index.js";
import { xgboostFlavor } from "./plugin.js";
import { XGBoostPyFuncModel } from "./wrapper.js";

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = resolve(here, "../fixtures");
const mlflowDir = join(fixtures, "mlflow");
const { DataFrame } = core;
const tmp = mkdtempSync(join(tmpdir(), "pyfunc-xgb-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function frame(input: { columns: string[]; data: (number | null)[][] }) {
  const cols: Record<string, Float64Array> = {};
  input.columns.forEach((c, j) => {
    cols[c] = Float64Array.from(input.data, (r) => (r[j] === null ? Number.NaN : (r[j] as number)));
  });
  return DataFrame.fromColumns(cols);
}

function readCase(name: string) {
  const input = JSON.parse(readFileSync(join(mlflowDir, name, "input.json"), "utf8")) as {
    columns: string[];
    data: (number | null)[][];
  };
  const expected = JSON.parse(readFileSync(join(mlflowDir, name, "expected.json"), "utf8")) as {
    predictions: { dtype: string; shape: number[]; data: unknown };
  };
  return { input, expected };
}

describe("the xgboost flavor plugin", () => {
  it("is registered for mlflow.xgboost when the package is imported", () => {
    expect(core.defaultFlavorRegistry.resolve("mlflow.xgboost")).toBe(xgboostFlavor);
    expect(core.defaultFlavorRegistry.resolve("@pyfunc/xgboost")).toBe(xgboostFlavor);
  });

  for (const name of readdirSync(mlflowDir).sort()) {
    it(`${name}: loadModel + predict returns what mlflow.pyfunc returns (dtype, shape, values)`, async () => {
      const { input, expected } = readCase(name);
      const model = await core.loadModel(join(mlflowDir, name, "model"), { suppressWarnings: true });
      const out = (await model.predict(frame(input))) as core.Tensor;
      expect(out.dtype).toBe(expected.predictions.dtype);
      expectMatches(
        name,
        out as { data: ArrayLike<number | bigint>; shape: number[] },
        expected.predictions,
        true,
      );
      await model.close();
    });
  }

  it("accepts records, a dict of columns and reordered DataFrame columns for a model with feature names", async () => {
    const { input, expected } = readCase("booster-binary-xgb");
    const booster = Booster.fromBytes(
      new Uint8Array(readFileSync(join(mlflowDir, "booster-binary-xgb/model/model.xgb"))),
    );
    // legacy binary has no feature names: columns are positional
    expect(booster.featureNames).toBeNull();
    const named = Booster.fromBytes(
      new Uint8Array(readFileSync(join(mlflowDir, "classifier-ubj/model/model.ubj"))),
    );
    expect(named.featureNames).toEqual(input.columns);
    const w = new XGBoostPyFuncModel(named, "xgboost.core.Booster");
    const df = frame(input);
    const base = w.predictSync(df);
    const records = df.toRecords();
    expect(Array.from(w.predictSync(records).data as Float32Array)).toEqual(
      Array.from(base.data as Float32Array),
    );
    const reversed = DataFrame.fromColumns(
      Object.fromEntries([...input.columns].reverse().map((c) => [c, df.column(c).values])),
    );
    expect(Array.from(w.predictSync(reversed).data as Float32Array)).toEqual(
      Array.from(base.data as Float32Array),
    );
    const pw = new XGBoostPyFuncModel(booster);
    const t = pw.predictSync({
      dtype: "float64",
      shape: [input.data.length, 4],
      data: Float64Array.from(input.data.flat(), (v) => v ?? Number.NaN),
    });
    expectMatches("tensor", t as { data: ArrayLike<number>; shape: number[] }, expected.predictions, true);
  });

  it("refuses a DataFrame whose columns do not match the model's feature names, as XGBoost does", () => {
    const named = Booster.fromBytes(
      new Uint8Array(readFileSync(join(mlflowDir, "classifier-ubj/model/model.ubj"))),
    );
    const w = new XGBoostPyFuncModel(named, "xgboost.sklearn.XGBClassifier");
    const bad = DataFrame.fromColumns({ "f one": [1], f_two: [2], f3: [3], other: [4] });
    expect(() => w.predictSync(bad)).toThrowError(/feature_names mismatch[\s\S]*expected f4 in input data/);
    try {
      w.predictSync(bad);
    } catch (e) {
      expect((e as core.MlflowException).errorCode).toBe("INVALID_PARAMETER_VALUE");
    }
    expect(() => w.predictSync({ dtype: "float32", shape: [1, 4], data: new Float32Array(4) })).toThrowError(
      /training data did not have the following fields: f one, f_two, f3, f4/,
    );
    expect(() => w.predictSync(DataFrame.fromColumns({ a: ["x"] }))).toThrowError(/feature_names mismatch/);
  });

  it("passes output_margin and iteration_range params to the booster and drops unknown ones with a warning", () => {
    const { input } = readCase("multiclass-booster-ubj");
    const b = Booster.fromBytes(
      new Uint8Array(readFileSync(join(mlflowDir, "multiclass-booster-ubj/model/model.ubj"))),
    );
    const warnings: string[] = [];
    const w = new XGBoostPyFuncModel(b, "xgboost.core.Booster", (m) => warnings.push(m));
    const df = frame(input);
    const margin = w.predictSync(df, { output_margin: true, bogus: 1 });
    expect(margin.shape).toEqual([input.data.length, 3]);
    expect(warnings.join()).toMatch(/'bogus'/);
    const direct = b.predict(
      { data: Float32Array.from(input.data.flat(), (v) => v ?? Number.NaN), shape: [input.data.length, 4] },
      { outputMargin: true },
    );
    expect(Array.from(margin.data as Float32Array)).toEqual(Array.from(direct.data));
    const first = w.predictSync(df, { iteration_range: [0, 1] });
    expect(first.data).not.toEqual(w.predictSync(df).data);
    expect(() => w.predictSync(df, { iteration_range: [0, 99] })).toThrowError(/out of range/);
  });
});

describe("worker threads in the pyfunc wrapper", () => {
  it("gives the same classes on worker threads for a large batch", async () => {
    const named = Booster.fromBytes(
      new Uint8Array(readFileSync(join(mlflowDir, "classifier-ubj/model/model.ubj"))),
    );
    const w = new XGBoostPyFuncModel(named, "xgboost.sklearn.XGBClassifier", () => {}, { workers: 2 });
    const plain = new XGBoostPyFuncModel(named, "xgboost.sklearn.XGBClassifier");
    const n = 6000;
    const cols: Record<string, Float64Array> = {};
    for (const [j, c] of (named.featureNames ?? []).entries()) {
      cols[c] = Float64Array.from({ length: n }, (_, i) => Math.sin(i * (j + 1)) * 2);
    }
    const df = DataFrame.fromColumns(cols);
    const pending = w.predict(df);
    expect(pending).toBeInstanceOf(Promise);
    const a = await pending;
    const b = plain.predictSync(df) as core.Tensor;
    expect(a.dtype).toBe("int64");
    expect(Array.from(a.data as BigInt64Array)).toEqual(Array.from(b.data as BigInt64Array));
    await w.close();
  });
});

describe("saveModel", () => {
  it("writes a directory Python MLflow loads (xgboost + python_function blocks, env files) that loads back", async () => {
    const src = join(mlflowDir, "classifier-ubj/model/model.ubj");
    const dest = join(tmp, "saved-classifier");
    await saveModel(dest, { model: src, modelClass: "xgboost.sklearn.XGBClassifier" });
    const files = readdirSync(dest).sort();
    expect(files).toEqual(["MLmodel", "conda.yaml", "model.ubj", "python_env.yaml", "requirements.txt"]);
    const meta = await core.Model.load(dest);
    expect(meta.flavors.xgboost).toEqual({
      code: null,
      data: "model.ubj",
      model_class: "xgboost.sklearn.XGBClassifier",
      model_format: "ubj",
      xgb_version: "1.7.4",
    });
    expect(meta.flavors.python_function?.loader_module).toBe("mlflow.xgboost");
    expect(meta.flavors.python_function?.data).toBe("model.ubj");
    expect(readFileSync(join(dest, "requirements.txt"), "utf8")).toMatch(/^xgboost==1\.7\.4$/m);
    expect(readFileSync(join(dest, "model.ubj"))).toEqual(readFileSync(src));
    const { input, expected } = readCase("classifier-ubj");
    const model = await core.loadModel(dest, { suppressWarnings: true });
    const out = (await model.predict(frame(input))) as core.Tensor;
    expectMatches("saved", out as { data: ArrayLike<bigint>; shape: number[] }, expected.predictions, true);
  });

  it("records legacy binary bytes as model_format xgb and refuses a format that does not fit the bytes", async () => {
    const bytes = new Uint8Array(readFileSync(join(mlflowDir, "booster-binary-xgb/model/model.xgb")));
    const dest = join(tmp, "saved-binary");
    const m = await saveModel(dest, { model: bytes });
    expect(m.flavors.xgboost?.model_format).toBe("xgb");
    expect(m.flavors.xgboost?.model_class).toBe("xgboost.core.Booster");
    expect(readdirSync(dest)).toContain("model.xgb");
    await expect(saveModel(join(tmp, "bad"), { model: bytes, modelFormat: "json" })).rejects.toThrowError(
      /does not fit/,
    );
    await expect(saveModel(join(tmp, "bad2"), { model: new Uint8Array([1, 2, 3]) })).rejects.toMatchObject({
      name: "MlflowException",
    });
  });
});
