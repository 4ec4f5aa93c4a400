import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import yaml from "js-yaml";
import { afterAll, describe, expect, it } from "vitest";
import { MlflowException } from "../errors/mlflow-exception.js";
import { DataFrame } from "../inputs/dataframe.js";
import { Model } from "../mlmodel/model.js";
import { ModelSignature } from "../signature/signature.js";
import { coreVersion, MLFLOW_VERSION, PYTHON_VERSION } from "./env.js";
import { addToModel, saveModel, totalFileSize } from "./save-model.js";

const root = mkdtempSync(path.join(tmpdir(), "pyfunc-save-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const fixtures = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../fixtures/mlmodel/mlflow-2.17.2",
);

const writeOnnx = async (dir: string) => writeFileSync(path.join(dir, "model.onnx"), Buffer.alloc(300, 7));

async function saveError(target: string, options: Parameters<typeof saveModel>[1]): Promise<MlflowException> {
  try {
    await saveModel(target, options);
  } catch (error) {
    expect(error).toBeInstanceOf(MlflowException);
    return error as MlflowException;
  }
  throw new Error("expected saveModel to fail");
}

function leftovers(parent: string): string[] {
  return readdirSync(parent).filter((n) => n.includes(".tmp-"));
}

describe("saveModel for a Python-loadable model (python_function)", () => {
  it("writes the MLmodel fields and layout MLflow 2.17.2's mlflow.onnx.save_model writes", async () => {
    const dir = path.join(root, "onnx");
    const model = await saveModel(dir, {
      loaderModule: "mlflow.onnx",
      data: "model.onnx",
      flavor: {
        name: "onnx",
        config: {
          code: null,
          data: "model.onnx",
          onnx_version: "1.17.0",
          providers: ["CPUExecutionProvider"],
        },
      },
      writeFiles: writeOnnx,
      pipRequirements: ["onnx==1.17.0", "onnxruntime==1.20.1"],
    });
    const text = readFileSync(path.join(dir, "MLmodel"), "utf8");
    const doc = yaml.load(text) as Record<string, unknown>;
    const reference = yaml.load(
      readFileSync(path.join(fixtures, "onnx-mlp-tensor", "MLmodel"), "utf8"),
    ) as Record<string, Record<string, Record<string, unknown>>>;
    // Same top-level keys as the real file, minus the signature/example it was saved with.
    const refKeys = Object.keys(reference).filter(
      (k) => k !== "signature" && k !== "saved_input_example_info",
    );
    expect(Object.keys(doc).sort()).toEqual(refKeys.sort());
    expect(Object.keys((doc.flavors as Record<string, object>).python_function).sort()).toEqual(
      Object.keys(reference.flavors.python_function).sort(),
    );
    expect(model.mlflowVersion).toBe(MLFLOW_VERSION);
    expect(model.modelUuid).toMatch(/^[0-9a-f]{32}$/);
    expect(text).toMatch(/^utc_time_created: '\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?'$/m);
    expect(model.flavors.python_function).toEqual({
      data: "model.onnx",
      env: { conda: "conda.yaml", virtualenv: "python_env.yaml" },
      loader_module: "mlflow.onnx",
      python_version: PYTHON_VERSION,
    });
    // model_size_bytes counts the files written before MLmodel and the env files, as MLflow does
    expect(model.modelSizeBytes).toBe(300);
    // keys sorted, as yaml.safe_dump
    const top = text
      .split("\n")
      .filter((l) => /^[a-z_]+:/.test(l))
      .map((l) => l.split(":")[0]);
    expect(top).toEqual([...top].sort());
    expect((await Model.load(dir)).toDict()).toEqual(model.toDict());
    expect(leftovers(root)).toEqual([]);
  });

  it("writes conda.yaml, python_env.yaml and requirements.txt with mlflow pinned first", async () => {
    const dir = path.join(root, "env");
    await saveModel(dir, {
      loaderModule: "mlflow.onnx",
      writeFiles: writeOnnx,
      pipRequirements: ["onnx==1.17.0"],
    });
    expect(readFileSync(path.join(dir, "requirements.txt"), "utf8")).toBe(
      `mlflow==${MLFLOW_VERSION}\nonnx==1.17.0`,
    );
    expect(yaml.load(readFileSync(path.join(dir, "conda.yaml"), "utf8"))).toEqual({
      channels: ["conda-forge"],
      dependencies: [
        `python=${PYTHON_VERSION}`,
        "pip<=24.0",
        { pip: [`mlflow==${MLFLOW_VERSION}`, "onnx==1.17.0"] },
      ],
      name: "mlflow-env",
    });
    const pyEnv = readFileSync(path.join(dir, "python_env.yaml"), "utf8");
    expect(Object.keys(yaml.load(pyEnv) as object)).toEqual(["python", "build_dependencies", "dependencies"]);
    expect(pyEnv).toContain("- -r requirements.txt");
  });

  it("keeps a caller's own mlflow pin instead of adding a second one", async () => {
    const dir = path.join(root, "pin");
    await saveModel(dir, {
      loaderModule: "mlflow.onnx",
      writeFiles: writeOnnx,
      pipRequirements: ["mlflow==3.6.0", "x==1"],
    });
    expect(readFileSync(path.join(dir, "requirements.txt"), "utf8")).toBe("mlflow==3.6.0\nx==1");
  });

  it("records a ModelSignature, model config, metadata, code: null and extra pyfunc keys", async () => {
    const dir = path.join(root, "sig");
    const signature = ModelSignature.fromDict({
      inputs: '[{"type": "double", "name": "x", "required": true}]',
      outputs: '[{"type": "double", "required": true}]',
      params: '[{"name": "k", "type": "long", "default": 1, "shape": null}]',
    });
    const model = await saveModel(dir, {
      loaderModule: "mlflow.onnx",
      writeFiles: writeOnnx,
      signature,
      modelConfig: { temperature: 0.5 },
      metadata: { task: "demo" },
      code: null,
      pyfuncExtra: { streamable: false, predict_fn: "predict" },
    });
    const loaded = await Model.load(dir);
    expect(loaded.signature).toEqual(signature.toDict());
    expect(loaded.getSignature()?.equals(signature)).toBe(true);
    expect(loaded.flavors.python_function?.config).toEqual({ temperature: 0.5 });
    expect(loaded.flavors.python_function?.code).toBeNull();
    expect(loaded.flavors.python_function?.streamable).toBe(false);
    expect(loaded.metadata).toEqual({ task: "demo" });
    expect(model.toDict()).toEqual(loaded.toDict());
    expect(readFileSync(path.join(dir, "MLmodel"), "utf8")).toContain("    code: null\n");
  });

  it("copies codePaths under code/ and records code: code", async () => {
    const src = path.join(root, "src-code");
    mkdirSync(path.join(src, "pkg"), { recursive: true });
    writeFileSync(path.join(src, "pkg", "helper.js"), "export const x = 1;");
    writeFileSync(path.join(src, "single.js"), "export const y = 2;");
    const dir = path.join(root, "code");
    const model = await saveModel(dir, {
      loaderModule: "mlflow.onnx",
      writeFiles: writeOnnx,
      codePaths: [path.join(src, "pkg"), path.join(src, "single.js")],
    });
    expect(model.flavors.python_function?.code).toBe("code");
    expect(readFileSync(path.join(dir, "code", "pkg", "helper.js"), "utf8")).toContain("x = 1");
    expect(existsSync(path.join(dir, "code", "single.js"))).toBe(true);
  });
});

describe("saveModel with an input example", () => {
  it("writes the example files, records saved_input_example_info and infers the signature by predicting", async () => {
    const dir = path.join(root, "example");
    const calls: unknown[] = [];
    const model = await saveModel(dir, {
      loaderModule: "mlflow.onnx",
      writeFiles: writeOnnx,
      inputExample: DataFrame.fromRecords([
        { a: 1.5, b: "x" },
        { a: 2.5, b: "y" },
      ]),
      predictForSignature: async (example) => {
        calls.push(example);
        return [0.5, 0.25];
      },
    });
    expect(calls).toHaveLength(1);
    expect(model.savedInputExampleInfo).toEqual({
      artifact_path: "input_example.json",
      pandas_orient: "split",
      serving_input_path: "serving_input_example.json",
      type: "dataframe",
    });
    expect(existsSync(path.join(dir, "input_example.json"))).toBe(true);
    expect(JSON.parse(readFileSync(path.join(dir, "serving_input_example.json"), "utf8"))).toHaveProperty(
      "dataframe_split",
    );
    const sig = (await Model.load(dir)).getSignature();
    expect(sig?.inputs?.inputNames()).toEqual(["a", "b"]);
    expect(sig?.outputs).not.toBeNull();
    // model_size_bytes includes the example files, as MLflow writes them before measuring
    expect(model.modelSizeBytes).toBeGreaterThan(300);
  });

  it("keeps no signature when the caller passes signature: null", async () => {
    const dir = path.join(root, "example-nosig");
    const model = await saveModel(dir, {
      loaderModule: "mlflow.onnx",
      writeFiles: writeOnnx,
      inputExample: DataFrame.fromRecords([{ a: 1.5 }]),
      signature: null,
    });
    expect(model.signature).toBeUndefined();
    expect(model.savedInputExampleInfo?.type).toBe("dataframe");
  });

  it("warns and saves without a signature when predicting on the example fails (as MLflow)", async () => {
    const dir = path.join(root, "example-fail");
    const warnings: string[] = [];
    const model = await saveModel(dir, {
      loaderModule: "mlflow.onnx",
      writeFiles: writeOnnx,
      inputExample: [{ a: 1.5 }],
      predictForSignature: async () => {
        throw new Error("model exploded");
      },
      onWarning: (m) => warnings.push(m),
    });
    expect(model.signature).toBeUndefined();
    expect(warnings.join("\n")).toContain("model exploded");
  });
});

describe("saveModel for a JavaScript-only model (js_function)", () => {
  it("writes a js_function block and a Node environment record instead of Python env files", async () => {
    const dir = path.join(root, "js");
    const model = await saveModel(dir, {
      loaderModule: "@pyfunc/custom-class",
      pyfuncFlavorKey: "js_function",
      data: "model.onnx",
      writeFiles: writeOnnx,
      packageVersions: { "@pyfunc/custom-class": "0.1.0" },
    });
    expect(model.flavors.python_function).toBeUndefined();
    expect(model.flavors.js_function).toMatchObject({
      loader_module: "@pyfunc/custom-class",
      data: "model.onnx",
      node_version: process.versions.node,
      env: { node: "node_env.yaml" },
    });
    expect(existsSync(path.join(dir, "conda.yaml"))).toBe(false);
    expect(existsSync(path.join(dir, "requirements.txt"))).toBe(false);
    expect(yaml.load(readFileSync(path.join(dir, "node_env.yaml"), "utf8"))).toEqual({
      node: process.versions.node,
      packages: { "@pyfunc/core": coreVersion(), "@pyfunc/custom-class": "0.1.0" },
    });
    expect(coreVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe("saveModel safety", () => {
  it("refuses a non-empty target with RESOURCE_ALREADY_EXISTS and leaves it untouched", async () => {
    const dir = path.join(root, "busy");
    mkdirSync(dir);
    writeFileSync(path.join(dir, "keep.txt"), "mine");
    const error = await saveError(dir, { loaderModule: "mlflow.onnx", writeFiles: writeOnnx });
    expect(error.errorCode).toBe("RESOURCE_ALREADY_EXISTS");
    expect(error.message).toContain("already exists and is not empty");
    expect(readdirSync(dir)).toEqual(["keep.txt"]);
    const file = path.join(root, "a-file");
    writeFileSync(file, "x");
    expect((await saveError(file, { loaderModule: "mlflow.onnx" })).errorCode).toBe(
      "RESOURCE_ALREADY_EXISTS",
    );
  });

  it("saves into an existing empty directory", async () => {
    const dir = path.join(root, "empty-target");
    mkdirSync(dir);
    await saveModel(dir, { loaderModule: "mlflow.onnx", writeFiles: writeOnnx });
    expect(existsSync(path.join(dir, "MLmodel"))).toBe(true);
  });

  it("leaves nothing behind when writing the files fails", async () => {
    const parent = path.join(root, "fail-parent");
    const dir = path.join(parent, "model");
    await expect(
      saveModel(dir, {
        loaderModule: "mlflow.onnx",
        writeFiles: async (tmp) => {
          writeFileSync(path.join(tmp, "half.bin"), "half");
          throw new Error("disk full");
        },
      }),
    ).rejects.toThrow("disk full");
    expect(existsSync(dir)).toBe(false);
    expect(readdirSync(parent)).toEqual([]);
  });

  it("refuses a data path that was not written or that leads outside the model", async () => {
    const missing = await saveError(path.join(root, "nodata"), {
      loaderModule: "mlflow.onnx",
      data: "model.onnx",
    });
    expect(missing.errorCode).toBe("INVALID_PARAMETER_VALUE");
    const outside = await saveError(path.join(root, "outdata"), {
      loaderModule: "mlflow.onnx",
      data: "../onnx/model.onnx",
      writeFiles: writeOnnx,
    });
    expect(outside.errorCode).toBe("INVALID_PARAMETER_VALUE");
    const artifacts = await saveError(path.join(root, "outart"), {
      loaderModule: "mlflow.onnx",
      writeFiles: writeOnnx,
      pyfuncExtra: { artifacts: { a: { path: "/etc/passwd", uri: "x" } } },
    });
    expect(artifacts.errorCode).toBe("INVALID_PARAMETER_VALUE");
    expect(existsSync(path.join(root, "outart"))).toBe(false);
    expect(leftovers(root)).toEqual([]);
  });

  it("counts file sizes recursively", async () => {
    const dir = mkdtempSync(path.join(root, "size-"));
    mkdirSync(path.join(dir, "a", "b"), { recursive: true });
    writeFileSync(path.join(dir, "a", "b", "f"), Buffer.alloc(10));
    writeFileSync(path.join(dir, "g"), Buffer.alloc(5));
    expect(await totalFileSize(dir)).toBe(15);
  });
});

describe("addToModel", () => {
  it("adds the pyfunc block as mlflow.pyfunc.add_to_model, plus the native flavor", () => {
    const model = addToModel(new Model(), {
      loaderModule: "mlflow.xgboost",
      data: "model.ubj",
      flavor: { name: "xgboost", config: { data: "model.ubj", model_format: "ubj" } },
    });
    expect(model.flavors).toEqual({
      python_function: {
        data: "model.ubj",
        env: { conda: "conda.yaml", virtualenv: "python_env.yaml" },
        loader_module: "mlflow.xgboost",
        python_version: PYTHON_VERSION,
      },
      xgboost: { data: "model.ubj", model_format: "ubj" },
    });
  });

  it("refuses a missing loader module and a native flavor named like a pyfunc block", () => {
    expect(() => addToModel(new Model(), { loaderModule: "" })).toThrow(MlflowException);
    expect(() =>
      addToModel(new Model(), { loaderModule: "x", flavor: { name: "python_function", config: {} } }),
    ).toThrow(MlflowException);
  });
});
