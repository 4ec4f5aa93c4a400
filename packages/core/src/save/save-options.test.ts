import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import yaml from "js-yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MlflowException } from "../errors/mlflow-exception.js";
import { Model } from "../mlmodel/model.js";
import { getModelDependencies } from "../uri/dependencies.js";
import { MLFLOW_VERSION } from "./env.js";
import { getDefaultCondaEnv, mlflowCondaEnv } from "./python-env.js";
import { addToModel, type SaveModelOptions, saveModel } from "./save-model.js";

let root: string;
let n = 0;
beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), "pyfunc-save-options-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const read = (dir: string, file: string) => readFileSync(path.join(dir, file), "utf8");
const readYaml = (dir: string, file: string) => yaml.load(read(dir, file)) as Record<string, unknown>;

async function save(extra: Partial<SaveModelOptions>): Promise<string> {
  const dir = path.join(root, `m${n++}`);
  await saveModel(dir, { loaderModule: "mlflow.test_flavor", ...extra });
  return dir;
}

async function saveError(extra: Partial<SaveModelOptions>): Promise<MlflowException> {
  const error = await save(extra).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(MlflowException);
  return error as MlflowException;
}

describe("saveModel environment options", () => {
  it("writes getDefaultCondaEnv() as conda.yaml when no env option is given", async () => {
    const dir = await save({});
    expect(readYaml(dir, "conda.yaml")).toEqual(getDefaultCondaEnv());
    expect(read(dir, "requirements.txt")).toBe(`mlflow==${MLFLOW_VERSION}`);
  });

  it("adds extraPipRequirements to the flavor's defaults", async () => {
    const dir = await save({ defaultPipRequirements: ["onnx==1.17.0"], extraPipRequirements: ["pandas<3"] });
    expect(read(dir, "requirements.txt").split("\n")).toEqual([
      `mlflow==${MLFLOW_VERSION}`,
      "onnx==1.17.0",
      "pandas<3",
    ]);
    expect(readYaml(dir, "conda.yaml")).toEqual(
      mlflowCondaEnv({ additionalPipDeps: ["onnx==1.17.0", "pandas<3"] }),
    );
  });

  it("reads pipRequirements from a file, inlining -r files and moving -c files to constraints.txt", async () => {
    const reqDir = mkdtempSync(path.join(root, "reqs-"));
    writeFileSync(path.join(reqDir, "base.txt"), "numpy==1.26.4  # pinned\nscipy \\\n  >=1.10\n");
    writeFileSync(path.join(reqDir, "pins.txt"), "urllib3<2\n");
    writeFileSync(path.join(reqDir, "requirements.txt"), "# app\n-r base.txt\nonnx==1.17.0\n-c pins.txt\n");
    const dir = await save({
      defaultPipRequirements: ["ignored==1"],
      pipRequirements: path.join(reqDir, "requirements.txt"),
    });
    expect(read(dir, "requirements.txt").split("\n")).toEqual([
      `mlflow==${MLFLOW_VERSION}`,
      "numpy==1.26.4",
      "scipy >=1.10",
      "onnx==1.17.0",
      "-c constraints.txt",
    ]);
    expect(read(dir, "constraints.txt")).toBe("urllib3<2");
    const pip = (readYaml(dir, "conda.yaml").dependencies as unknown[]).at(-1);
    expect(pip).toEqual({ pip: read(dir, "requirements.txt").split("\n") });
  });

  it("refuses two env options with MLflow's message", async () => {
    const error = await saveError({ pipRequirements: ["a"], extraPipRequirements: ["b"] });
    expect(error.message).toBe(
      "Only one of `conda_env`, `pip_requirements`, and `extra_pip_requirements` can be specified",
    );
    expect(error.errorCode).toBe("INVALID_PARAMETER_VALUE");
    expect((await saveError({ condaEnv: { dependencies: [] }, pipRequirements: ["a"] })).errorCode).toBe(
      "INVALID_PARAMETER_VALUE",
    );
  });

  it("writes a condaEnv object with mlflow pinned into its pip section", async () => {
    const condaEnv = {
      name: "custom",
      channels: ["defaults"],
      dependencies: ["python=3.10.4", "pip", { pip: ["scikit-learn==1.2.2"] }],
    };
    const dir = await save({ condaEnv });
    expect(readYaml(dir, "conda.yaml")).toEqual({
      ...condaEnv,
      dependencies: ["python=3.10.4", "pip", { pip: [`mlflow==${MLFLOW_VERSION}`, "scikit-learn==1.2.2"] }],
    });
    expect(read(dir, "requirements.txt")).toBe(`mlflow==${MLFLOW_VERSION}\nscikit-learn==1.2.2`);
  });

  it("reads condaEnv from a YAML file and keeps a pinned mlflow of its own", async () => {
    const file = path.join(root, "env.yaml");
    writeFileSync(
      file,
      "name: e\ndependencies:\n- python=3.11\n- pip:\n  - mlflow==2.20.0\n  - xgboost==1.7.6\n",
    );
    const dir = await save({ condaEnv: file });
    expect(read(dir, "requirements.txt")).toBe("mlflow==2.20.0\nxgboost==1.7.6");
    expect(readYaml(dir, "conda.yaml").name).toBe("e");
  });

  it("refuses a condaEnv that is neither a path nor an object", async () => {
    const error = await saveError({ condaEnv: ["x"] as never });
    expect(error.message).toMatch(/Expected a string path to a conda env yaml file/);
  });
});

describe("saveModel MLmodel options", () => {
  it("adds to an existing Model given as mlflowModel and keeps its run fields", async () => {
    const existing = new Model();
    existing.runId = "abc123";
    existing.artifactPath = "model";
    existing.addFlavor("sklearn", { pickled_model: "model.pkl" });
    const dir = path.join(root, "existing");
    const returned = await saveModel(dir, { loaderModule: "mlflow.sklearn", mlflowModel: existing });
    expect(returned).toBe(existing);
    const saved = await Model.load(dir);
    expect(saved.runId).toBe("abc123");
    expect(saved.artifactPath).toBe("model");
    expect(Object.keys(saved.flavors).sort()).toEqual(["python_function", "sklearn"]);
  });

  it("reads modelConfig from a YAML file at save time", async () => {
    const file = path.join(root, "config.yaml");
    writeFileSync(file, "temperature: 0.2\nprompt: hi\n");
    const dir = await save({ modelConfig: file });
    expect((await Model.load(dir)).flavors.python_function?.config).toEqual({
      temperature: 0.2,
      prompt: "hi",
    });
  });

  it("writes resources, prompts and authPolicy as MLflow writes them", async () => {
    const dir = await save({
      resources: [
        { type: "serving_endpoint", name: "llm" },
        { type: "vector_search_index", name: "docs.idx" },
        { type: "serving_endpoint", name: "embed", onBehalfOfUser: true },
      ],
      prompts: ["prompts:/summary/2", { name: "qa", version: 1 }],
    });
    const mlmodel = readYaml(dir, "MLmodel");
    expect(mlmodel.resources).toEqual({
      api_version: "1",
      databricks: {
        serving_endpoint: [{ name: "llm" }, { name: "embed", on_behalf_of_user: true }],
        vector_search_index: [{ name: "docs.idx" }],
      },
    });
    expect(mlmodel.prompts).toEqual(["prompts:/summary/2", "prompts:/qa/1"]);
    const policy = await save({
      authPolicy: {
        systemAuthPolicy: { resources: [{ type: "sql_warehouse", name: "wh1" }] },
        userAuthPolicy: { apiScopes: ["serving.serving-endpoints"] },
      },
    });
    expect(readYaml(policy, "MLmodel").auth_policy).toEqual({
      system_auth_policy: {
        resources: { api_version: "1", databricks: { sql_warehouse: [{ name: "wh1" }] } },
      },
      user_auth_policy: { api_scopes: ["serving.serving-endpoints"] },
    });
  });

  it("reads resources from a YAML file and refuses resources with authPolicy, bad prompts and bad types", async () => {
    const file = path.join(root, "resources.yaml");
    writeFileSync(file, "api_version: '1'\ndatabricks:\n  function:\n  - name: cat.sch.fn\n");
    const dir = await save({ resources: file });
    expect(readYaml(dir, "MLmodel").resources).toEqual({
      api_version: "1",
      databricks: { function: [{ name: "cat.sch.fn" }] },
    });
    expect(
      (await saveError({ resources: [], authPolicy: { userAuthPolicy: { apiScopes: [] } } })).message,
    ).toBe("Only one of `resources`, and `auth_policy` can be specified.");
    expect((await saveError({ prompts: ["summary/2"] })).message).toMatch(/prompts:\/<name>\/<version>/);
    expect((await saveError({ resources: [{ type: "bucket" as never, name: "x" }] })).message).toMatch(
      /type must be one of/,
    );
  });

  it("writes bytes values of a dict or records input example as base64 text", async () => {
    const dir = await save({ inputExample: [{ image: Buffer.from("hello"), id: 1 }], signature: null });
    expect(JSON.parse(read(dir, "input_example.json"))).toEqual([{ image: "aGVsbG8=\n", id: 1 }]);
    expect(JSON.parse(read(dir, "serving_input_example.json"))).toEqual({
      inputs: [{ image: "aGVsbG8=\n", id: 1 }],
    });
    const dict = await save({ inputExample: { blob: new Uint8Array(60).fill(255) }, signature: null });
    const text = JSON.parse(read(dict, "input_example.json")).blob as string;
    expect(text.split("\n").map((l) => l.length)).toEqual([76, 4, 0]); // base64.encodebytes wraps at 76
  });
});

describe("addToModel env file names", () => {
  it("records the given conda and python env file names", () => {
    const model = addToModel(new Model(), {
      loaderModule: "mlflow.test_flavor",
      condaEnv: "env/conda.yml",
      pythonEnv: "env/python_env.yml",
    });
    expect(model.flavors.python_function?.env).toEqual({
      conda: "env/conda.yml",
      virtualenv: "env/python_env.yml",
    });
  });
});

describe("getModelDependencies formats", () => {
  it("returns the conda env file for format 'conda' and refuses other formats", async () => {
    const dir = await save({ extraPipRequirements: ["onnx"] });
    expect(await getModelDependencies(dir, { format: "conda" })).toBe(path.join(dir, "conda.yaml"));
    await expect(getModelDependencies(dir, { format: "docker" as never })).rejects.toThrow(
      "Illegal format argument 'docker'.",
    );
  });

  it("writes the pip section of conda.yaml when the model has no requirements.txt", async () => {
    const dir = await save({
      condaEnv: { dependencies: ["python=3.11", "libgomp", { pip: ["xgboost==1.7.6"] }] },
    });
    rmSync(path.join(dir, "requirements.txt"));
    const warnings: string[] = [];
    const file = await getModelDependencies(dir, { onWarning: (m) => warnings.push(m) });
    expect(readFileSync(file, "utf8")).toBe(`mlflow==${MLFLOW_VERSION}\nxgboost==1.7.6\n`);
    expect(warnings.join("\n")).toMatch(/excluded from the environment file: python=3.11, libgomp/);
    writeFileSync(path.join(dir, "conda.yaml"), "dependencies:\n- python=3.11\n");
    await expect(getModelDependencies(dir, { onWarning: () => {} })).rejects.toThrow(
      "No pip section found in conda.yaml file in the model directory.",
    );
  });
});
