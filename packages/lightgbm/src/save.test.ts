import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as core from "@pyfunc/core";
import { afterAll, describe, expect, it } from "vitest";
import { caseFrame, flat, numbers, readCase } from "./__tests__/fixture-case.js";
import { saveModel } from "./index.js";

const fixtures = resolve(dirname(fileURLToPath(import.meta.url)), "../fixtures");
const tmp = mkdtempSync(join(tmpdir(), "pyfunc-lgb-save-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const out = () => join(tmp, `m${n++}`);
/** MLmodel read by core's parser: flavors and signature as plain objects. */
function mlmodel(dir: string) {
  const m = core.Model.fromYaml(readFileSync(join(dir, "MLmodel"), "utf8"));
  return {
    flavors: m.flavors as Record<string, Record<string, unknown>>,
    signature: m.signature as unknown as Record<string, string>,
  };
}

describe("saveModel writes what mlflow.lightgbm.save_model writes", () => {
  it("a Booster: model.lgb, the lightgbm and python_function blocks of Python's MLmodel, pinned env files", async () => {
    const c = readCase(join(fixtures, "binary"));
    const dir = out();
    await saveModel(dir, { model: join(c.dir, "model.txt") });
    const ours = mlmodel(dir);
    const python = mlmodel(join(c.dir, "model"));
    expect(Object.keys(ours.flavors.lightgbm).sort()).toEqual(Object.keys(python.flavors.lightgbm).sort());
    expect(ours.flavors.lightgbm).toMatchObject({
      data: "model.lgb",
      model_class: "lightgbm.basic.Booster",
      lgb_version: "4.6.0",
    });
    expect(ours.flavors.python_function).toMatchObject({
      loader_module: "mlflow.lightgbm",
      data: "model.lgb",
      env: { conda: "conda.yaml", virtualenv: "python_env.yaml" },
    });
    expect(readFileSync(join(dir, "model.lgb"), "utf8")).toBe(c.modelText);
    expect(readFileSync(join(dir, "requirements.txt"), "utf8")).toMatch(/^lightgbm==4\.6\.0$/m);
    expect(readFileSync(join(dir, "conda.yaml"), "utf8")).toMatch(/lightgbm==4\.6\.0/);
    const model = await core.loadModel(dir, { suppressWarnings: true });
    const got = (await model.predict(caseFrame(c.input))) as core.Tensor;
    const want = numbers(c.expected.pyfunc_predict!.data);
    expect(Array.from(got.data as Float64Array).every((v, i) => Math.abs(v - want[i]!) <= 1e-12)).toBe(true);
  });

  it("model text given as a string, a pinned lgb_version and an inferred signature", async () => {
    const c = readCase(join(fixtures, "multiclass"));
    const dir = out();
    const frame = caseFrame(c.input);
    await saveModel(dir, { model: c.modelText, lgbVersion: "4.5.0", inputExample: frame });
    const m = mlmodel(dir);
    expect(m.flavors.lightgbm.lgb_version).toBe("4.5.0");
    expect(readFileSync(join(dir, "requirements.txt"), "utf8")).toMatch(/^lightgbm==4\.5\.0$/m);
    expect(JSON.parse(m.signature.inputs).map((s: { name: string }) => s.name)).toEqual(c.input.columns);
    expect(m.signature.outputs).toMatch(/float64/);
  });

  it("a pickled LGBMClassifier: model.pkl, its model_class, labels from loadModel", async () => {
    const c = readCase(join(fixtures, "sklearn-classifier-multiclass"));
    const dir = out();
    await saveModel(dir, {
      model: join(c.dir, "model", "model.pkl"),
      modelClass: "lightgbm.sklearn.LGBMClassifier",
    });
    const m = mlmodel(dir);
    expect(m.flavors.lightgbm).toMatchObject({
      data: "model.pkl",
      model_class: "lightgbm.sklearn.LGBMClassifier",
    });
    expect(readFileSync(join(dir, "requirements.txt"), "utf8")).toMatch(/^cloudpickle$/m);
    const model = await core.loadModel(dir, { suppressWarnings: true });
    const got = (await model.predict(caseFrame(c.input))) as core.Tensor;
    expect(got.data).toEqual(flat(c.expected.pyfunc_predict!.data));
  });

  it("refuses what Python could not load", async () => {
    const c = readCase(join(fixtures, "sklearn-regressor-early-stopping"));
    await expect(saveModel(out(), { model: c.modelText, modelClass: "lightgbm.Unknown" })).rejects.toThrow(
      /Unsupported model_class/,
    );
    await expect(
      saveModel(out(), {
        model: join(c.dir, "model", "model.pkl"),
        modelClass: "lightgbm.sklearn.LGBMClassifier",
      }),
    ).rejects.toThrow(/holds a lightgbm.sklearn.LGBMRegressor/);
    await expect(
      saveModel(out(), { model: new TextEncoder().encode("tree\nversion=v4\n") }),
    ).rejects.toBeInstanceOf(core.MlflowException);
  });
});
