import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { INFERENCE_CONFIG_ENV } from "../config/model-config.js";
import { MlflowException } from "../errors/mlflow-exception.js";
import { FlavorRegistry } from "../flavor/registry.js";
import { DataFrame } from "../inputs/dataframe.js";
import { Model } from "../mlmodel/model.js";
import { makeScalePlugin, SCALE_LOADER, saveScaleModel } from "../testing/__tests__/test-flavor.js";
import { type LoadModelOptions, loadModel } from "./load-model.js";

const fixturesRoot = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../fixtures/mlmodel/mlflow-2.17.2",
);
const PARAMS_SIGNATURE = {
  inputs: '[{"type": "double", "name": "x", "required": true}]',
  outputs: '[{"type": "double", "required": true}]',
  params: '[{"name": "offset", "type": "double", "default": 0.0, "shape": null}]',
};

let root: string;
let plain: string;
let configured: string;
let streaming: string;
let withParams: string;
let registry: FlavorRegistry;
const loads: string[] = [];

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), "pyfunc-load-"));
  registry = new FlavorRegistry();
  registry.register(makeScalePlugin({ loads }));
  plain = path.join(root, "plain");
  await saveScaleModel(plain, 2);
  configured = path.join(root, "configured");
  await saveScaleModel(configured, 2, { modelConfig: { multiplier: 1, label: "base" } });
  streaming = path.join(root, "streaming");
  await saveScaleModel(streaming, 3, { pyfuncExtra: { streamable: true } });
  withParams = path.join(root, "params");
  await saveScaleModel(withParams, 1, { signature: PARAMS_SIGNATURE });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function opts(extra: LoadModelOptions = {}): LoadModelOptions & { warnings: string[] } {
  const warnings: string[] = [];
  return { registry, discover: false, onWarning: (m) => warnings.push(m), ...extra, warnings };
}

async function loadError(uri: string, options: LoadModelOptions = opts()): Promise<MlflowException> {
  try {
    await loadModel(uri, options);
  } catch (error) {
    expect(error).toBeInstanceOf(MlflowException);
    return error as MlflowException;
  }
  throw new Error("expected loadModel to fail");
}

describe("loadModel", () => {
  it("predictEager returns a synchronous flavor's output itself and throws enforcement errors", async () => {
    const model = await loadModel(withParams, opts());
    const out = model.predictEager([{ x: 1 }, { x: 2.5 }], { offset: 1 });
    expect(out).not.toBeInstanceOf(Promise);
    expect(out).toEqual(await model.predict([{ x: 1 }, { x: 2.5 }], { offset: 1 }));
    expect(() => model.predictEager([{ x: "not a number" }])).toThrow(MlflowException);
    await expect(model.predict([{ x: "not a number" }])).rejects.toBeInstanceOf(MlflowException);
  });

  it("loads a local directory and predicts through the flavor", async () => {
    const model = await loadModel(plain, opts());
    expect(await model.predict([{ x: 1 }, { x: 2.5 }])).toEqual([2, 5]);
    expect(model.loaderModule).toBe(SCALE_LOADER);
    expect(model.flavorKey).toBe("js_function");
    expect(model.modelDir).toBe(plain);
    expect(model.metadata.flavors.scale?.scale_version).toBe("1");
    expect(model.unwrap()).toEqual({ factor: 2 });
    expect(model.isStreamable).toBe(false);
    expect(model.modelConfig).toEqual({});
  });

  it("accepts file:// URIs, relative paths and the MLmodel file itself", async () => {
    expect((await loadModel(pathToFileURL(plain).href, opts())).modelDir).toBe(plain);
    expect((await loadModel(path.join(plain, "MLmodel"), opts())).modelDir).toBe(plain);
    expect((await loadModel(path.relative(process.cwd(), plain), opts())).modelDir).toBe(plain);
  });

  it("reports a missing directory as RESOURCE_DOES_NOT_EXIST", async () => {
    expect((await loadError(path.join(root, "nope"))).errorCode).toBe("RESOURCE_DOES_NOT_EXIST");
    const empty = mkdtempSync(path.join(root, "empty-"));
    expect((await loadError(empty)).errorCode).toBe("RESOURCE_DOES_NOT_EXIST");
  });

  it("hands other URI schemes to resolveModelUri", async () => {
    const error = await loadError("no-such-scheme://bucket/model");
    expect(error.message).toMatch(/no-such-scheme/);
  });

  it("refuses a model whose data path leads outside the directory before calling the flavor", async () => {
    const dir = mkdtempSync(path.join(root, "escape-"));
    writeFileSync(
      path.join(dir, "MLmodel"),
      new Model()
        .addFlavor("js_function", { loader_module: SCALE_LOADER, data: "../plain/data/scale.json" })
        .toYaml(),
    );
    const before = loads.length;
    expect((await loadError(dir)).errorCode).toBe("INVALID_PARAMETER_VALUE");
    expect(loads.length).toBe(before);
  });

  it("refuses a malformed signature at load time", async () => {
    const dir = mkdtempSync(path.join(root, "badsig-"));
    copyFileSync(path.join(plain, "data", "scale.json"), path.join(dir, "scale.json"));
    const m = new Model().addFlavor("js_function", { loader_module: SCALE_LOADER, data: "scale.json" });
    m.signature = { inputs: "[{not json", outputs: null };
    writeFileSync(path.join(dir, "MLmodel"), m.toYaml());
    expect((await loadError(dir)).errorCode).toBe("INVALID_PARAMETER_VALUE");
  });

  it("wraps a flavor's non-MLflow load failure in an INTERNAL_ERROR naming the flavor", async () => {
    const failing = new FlavorRegistry();
    failing.register({
      ...makeScalePlugin(),
      async load() {
        throw new TypeError("weights are corrupt");
      },
    });
    const error = await loadError(plain, { registry: failing, discover: false });
    expect(error.errorCode).toBe("INTERNAL_ERROR");
    expect(error.message).toContain("weights are corrupt");
    expect(error.message).toContain("scale");
  });
});

describe("model config at load time (MLflow _get_overridden_pyfunc_model_config)", () => {
  it("replaces only keys present in the saved config and warns about the others", async () => {
    const o = opts({ modelConfig: { multiplier: 5, unknown_key: true } });
    const model = await loadModel(configured, o);
    expect(model.modelConfig).toEqual({ multiplier: 5, label: "base" });
    expect(await model.predict([{ x: 1 }])).toEqual([10]);
    expect(o.warnings.join("\n")).toContain("unknown_key");
  });

  it("reads the override from a YAML or JSON file path", async () => {
    const yamlFile = path.join(root, "override.yaml");
    writeFileSync(yamlFile, "multiplier: 3\n");
    expect((await loadModel(configured, opts({ modelConfig: yamlFile }))).modelConfig.multiplier).toBe(3);
    const jsonFile = path.join(root, "override.json");
    writeFileSync(jsonFile, '{"multiplier": 4, "label": "json"}');
    expect((await loadModel(configured, opts({ modelConfig: jsonFile }))).modelConfig).toEqual({
      multiplier: 4,
      label: "json",
    });
  });

  it("refuses a missing or invalid config file with INVALID_PARAMETER_VALUE", async () => {
    const missing = await loadError(configured, opts({ modelConfig: path.join(root, "missing.yaml") }));
    expect(missing.errorCode).toBe("INVALID_PARAMETER_VALUE");
    const bad = path.join(root, "bad.yaml");
    writeFileSync(bad, "a: [\n");
    expect((await loadError(configured, opts({ modelConfig: bad }))).errorCode).toBe(
      "INVALID_PARAMETER_VALUE",
    );
    const list = path.join(root, "list.yaml");
    writeFileSync(list, "- 1\n");
    expect((await loadError(configured, opts({ modelConfig: list }))).errorCode).toBe(
      "INVALID_PARAMETER_VALUE",
    );
  });

  it("ignores overrides (with a warning) when the model saved no config", async () => {
    const o = opts({ modelConfig: { multiplier: 9 } });
    const model = await loadModel(plain, o);
    expect(model.modelConfig).toEqual({});
    expect(await model.predict([{ x: 1 }])).toEqual([2]);
    expect(o.warnings[0]).toContain("multiplier");
  });

  it("applies MLFLOW_PYFUNC_INFERENCE_CONFIG below the load-time option", async () => {
    process.env[INFERENCE_CONFIG_ENV] = JSON.stringify({ multiplier: 7, label: "env" });
    try {
      expect((await loadModel(configured, opts())).modelConfig).toEqual({ multiplier: 7, label: "env" });
      expect((await loadModel(configured, opts({ modelConfig: { multiplier: 8 } }))).modelConfig).toEqual({
        multiplier: 8,
        label: "env",
      });
    } finally {
      delete process.env[INFERENCE_CONFIG_ENV];
    }
  });

  it("suppressWarnings silences the warnings", async () => {
    const o = opts({ modelConfig: { nope: 1 }, suppressWarnings: true });
    await loadModel(configured, o);
    expect(o.warnings).toEqual([]);
  });
});

describe("PyFuncModel", () => {
  it("fills params defaults from the params schema and passes params to the flavor", async () => {
    const model = await loadModel(withParams, opts());
    expect(await model.predict([{ x: 1.5 }])).toEqual([1.5]);
    expect(await model.predict([{ x: 1.5 }], { offset: 10 })).toEqual([11.5]);
  });

  it("drops params with a warning when the implementation does not accept them", async () => {
    const noParams = new FlavorRegistry();
    noParams.register(makeScalePlugin({ acceptsParams: false }));
    const o = opts({ registry: noParams });
    const model = await loadModel(withParams, o);
    expect(await model.predict([{ x: 1.5 }], { offset: 10 })).toEqual([1.5]);
    expect(o.warnings.join("\n")).toContain("does not support passing additional parameters");
  });

  it("enforces the input schema before the flavor sees the data", async () => {
    const o = opts();
    const model = await loadModel(withParams, o);
    await expect(model.predict([{ y: 1.5 }])).rejects.toMatchObject({
      errorCode: "INVALID_PARAMETER_VALUE",
      errorClass: "SCHEMA_ENFORCEMENT_FAILED",
    });
    // extra columns are dropped (MLflow warns); the flavor receives only the schema's columns
    expect(await model.predict([{ x: 2.5, extra: "z" }])).toEqual([2.5]);
  });

  it("drops params with a warning when the signature has no params schema", async () => {
    const o = opts();
    const model = await loadModel(plain, o);
    expect(await model.predict([{ x: 1 }], { offset: 10 })).toEqual([2]);
    expect(o.warnings.join("\n")).toContain("params schema");
  });

  it("streams when the pyfunc block says streamable and the flavor implements predictStream", async () => {
    const model = await loadModel(streaming, opts());
    expect(model.isStreamable).toBe(true);
    const chunks: unknown[] = [];
    for await (const c of model.predictStream([{ x: 1 }, { x: 2 }])) chunks.push(c);
    expect(chunks).toEqual([{ value: 3 }, { value: 6 }]);
  });

  it("throws a typed error right away from predictStream on a non-streamable model", async () => {
    const model = await loadModel(plain, opts());
    expect(() => model.predictStream([{ x: 1 }])).toThrow(MlflowException);
    try {
      model.predictStream([{ x: 1 }]);
    } catch (error) {
      expect((error as MlflowException).errorCode).toBe("BAD_REQUEST");
      expect((error as MlflowException).message).toContain("does not support predict_stream");
    }
  });

  it("reads the saved input example back (loadInputExample) and predicts on it", async () => {
    const dir = path.join(root, "with-example");
    await saveScaleModel(dir, 2, { inputExample: DataFrame.fromRecords([{ x: 1.25 }, { x: 2.5 }]) });
    const model = await loadModel(dir, opts());
    const example = await model.loadInputExample();
    expect(example).toBeInstanceOf(DataFrame);
    expect((example as DataFrame).toRecords()).toEqual([{ x: 1.25 }, { x: 2.5 }]);
    expect(await model.predict(example as DataFrame)).toEqual([2.5, 5]);
    expect(await (await loadModel(plain, opts())).loadInputExample()).toBeUndefined();
  });

  it("fails predict after close with INVALID_STATE", async () => {
    const model = await loadModel(plain, opts());
    await model.close();
    await model.close();
    await expect(model.predict([{ x: 1 }])).rejects.toMatchObject({ errorCode: "INVALID_STATE" });
  });
});

describe("loading directories written by Python MLflow", () => {
  async function fixtureDir(name: string): Promise<string> {
    const dir = mkdtempSync(path.join(root, `${name}-`));
    copyFileSync(path.join(fixturesRoot, name, "MLmodel"), path.join(dir, "MLmodel"));
    return dir;
  }

  it("covers every 2.17.2 fixture with a clear answer", async () => {
    const names = readdirSync(fixturesRoot);
    for (const name of names) {
      const error = await loadError(await fixtureDir(name), {
        registry: new FlavorRegistry(),
        discover: false,
      });
      expect(["NOT_IMPLEMENTED", "RESOURCE_DOES_NOT_EXIST"], name).toContain(error.errorCode);
    }
  });

  it("says a cloudpickled PythonModel, models-from-code and a custom loader are Python-only", async () => {
    const cases: Array<[string, string]> = [
      ["pyfunc-python-model", "python_model.pkl"],
      ["pyfunc-function", "cloudpickled"],
      ["pyfunc-models-from-code", "model_code.py"],
      ["pyfunc-loader-module", "custom_loader"],
    ];
    for (const [name, text] of cases) {
      const error = await loadError(await fixtureDir(name), {
        registry: new FlavorRegistry(),
        discover: false,
      });
      expect(error.errorCode, name).toBe("NOT_IMPLEMENTED");
      expect(error.message, name).toContain(text);
      expect(error.message, name).toContain("cannot run in Node.js");
    }
  });

  it("names @pyfunc/onnx, @pyfunc/xgboost and @pyfunc/sklearn for their models when they are not installed", async () => {
    const onnx = await loadError(await fixtureDir("onnx-mlp-tensor"), {
      registry: new FlavorRegistry(),
      discoveryBases: [root],
    });
    expect(onnx.message).toContain("npm install @pyfunc/onnx");
    const xgb = await loadError(await fixtureDir("xgboost-binary-booster"), {
      registry: new FlavorRegistry(),
      discoveryBases: [root],
    });
    expect(xgb.message).toContain("npm install @pyfunc/xgboost");
    const sklearn = await loadError(await fixtureDir("sklearn-pipeline"), {
      registry: new FlavorRegistry(),
      discoveryBases: [root],
    });
    expect(sklearn.message).toContain("npm install @pyfunc/sklearn");
  });

  it("loads a python_function model through a registered plugin and keeps its metadata", async () => {
    const dir = await fixtureDir("pyfunc-loader-module");
    mkdirSync(path.join(dir, "data"));
    writeFileSync(path.join(dir, "data", "thresholds.json"), JSON.stringify({ factor: 4 }));
    const reg = new FlavorRegistry();
    reg.register({ ...makeScalePlugin(), loaderModules: ["custom_loader"] });
    const model = await loadModel(dir, { registry: reg, discover: false, suppressWarnings: true });
    expect(model.flavorKey).toBe("python_function");
    // the signature (value: double, ignored: string) is enforced before the flavor sees the data
    await expect(model.predict([{ x: 2, ignored: "a" }])).rejects.toMatchObject({
      errorCode: "INVALID_PARAMETER_VALUE",
      errorClass: "SCHEMA_ENFORCEMENT_FAILED",
    });
    expect(model.metadata.getSignature()?.inputs?.inputNames()).toEqual(["value", "ignored"]);
  });
});
