import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MlflowException } from "../errors/mlflow-exception.js";
import { type FakeMlflowServer, startFakeMlflowServer } from "../testing/fake-mlflow-server.js";
import { getModelDependencies } from "./dependencies.js";
import { logModel, saveAndLogModel } from "./log-model.js";
import { resolveModelUri } from "./resolve.js";

let server: FakeMlflowServer;
let modelDir: string;
let work: string;

beforeAll(async () => {
  server = await startFakeMlflowServer();
  work = await mkdtemp(join(tmpdir(), "pyfunc-log-test-"));
  modelDir = join(work, "saved");
  await mkdir(join(modelDir, "artifacts"), { recursive: true });
  await writeFile(
    join(modelDir, "MLmodel"),
    "flavors:\n  python_function:\n    env:\n      conda: conda.yaml\n    loader_module: mlflow.onnx\nmodel_uuid: abc\n",
  );
  await writeFile(join(modelDir, "model.onnx"), Buffer.from([1, 2, 3, 4]));
  await writeFile(join(modelDir, "requirements.txt"), "mlflow==2.17.2\nonnx\n");
  await writeFile(join(modelDir, "artifacts", "vocab.txt"), "a\nb\n");
});

afterAll(async () => {
  await server.close();
  await rm(work, { recursive: true, force: true });
});

describe("logModel", () => {
  it("creates a run, uploads the model, records it with runs/log-model and finishes the run", async () => {
    const tracking = { trackingUri: server.url, maxRetries: 0 };
    const info = await logModel({ modelDir, artifactPath: "model", experimentId: "3", tracking });
    const run = server.runs.get(info.runId)!;
    expect(run.status).toBe("FINISHED");
    expect(info.modelUri).toBe(`runs:/${info.runId}/model`);
    const logged = JSON.parse(run.logged_models[0]!) as Record<string, unknown>;
    expect(logged).toMatchObject({ run_id: info.runId, artifact_path: "model", model_uuid: "abc" });
    const back = await resolveModelUri(info.modelUri, { dstPath: join(work, "back"), tracking });
    expect(await readFile(join(back, "model.onnx"))).toEqual(Buffer.from([1, 2, 3, 4]));
    expect(await readFile(join(back, "artifacts", "vocab.txt"), "utf8")).toBe("a\nb\n");
    expect(await readFile(join(back, "MLmodel"), "utf8")).toContain(`run_id: ${info.runId}`);
  });

  it("registers a version and waits until the registry says READY", async () => {
    server.pendingPolls = 2;
    const tracking = { trackingUri: server.url, maxRetries: 0 };
    const info = await logModel({
      modelDir,
      registeredModelName: "churn",
      awaitRegistrationFor: 10,
      tracking,
    });
    expect(info.registeredModelVersion).toEqual({ name: "churn", version: "1", status: "READY" });
    const again = await logModel({ modelDir, registeredModelName: "churn", tracking });
    expect(again.registeredModelVersion?.version).toBe("2");
    const dir = await resolveModelUri("models:/churn/2", { dstPath: join(work, "v2"), tracking });
    expect(await readFile(join(dir, "requirements.txt"), "utf8")).toContain("onnx");
  });

  it("refuses a folder that is not a saved model", async () => {
    const tracking = { trackingUri: server.url, maxRetries: 0 };
    await expect(logModel({ modelDir: work, tracking })).rejects.toBeInstanceOf(MlflowException);
  });
});

describe("getModelDependencies", () => {
  it("returns requirements.txt for a model Python runs", async () => {
    expect(await getModelDependencies(modelDir)).toBe(join(modelDir, "requirements.txt"));
  });

  it("returns the recorded Node environment for a JavaScript-only model", async () => {
    const js = join(work, "js-model");
    await mkdir(js, { recursive: true });
    await writeFile(
      join(js, "MLmodel"),
      "flavors:\n  js_function:\n    env:\n      node: node_env.yaml\n    loader_module: '@pyfunc/function'\n",
    );
    await writeFile(join(js, "node_env.yaml"), '{"node": "20.20.2"}');
    expect(await getModelDependencies(js)).toBe(join(js, "node_env.yaml"));
  });
});

describe("saveAndLogModel", () => {
  it("saves with the flavor's saveModel into a temporary folder, logs it, and cleans up", async () => {
    const tracking = { trackingUri: server.url, maxRetries: 0 };
    let savedTo = "";
    const info = await saveAndLogModel(
      async (path) => {
        savedTo = path;
        await mkdir(path);
        await writeFile(
          join(path, "MLmodel"),
          "flavors:\n  js_function:\n    loader_module: '@pyfunc/function'\n",
        );
        await writeFile(join(path, "predict.mjs"), "export const predict = (x) => x;\n");
      },
      { artifactPath: "fn", tracking },
    );
    expect(info.modelUri).toBe(`runs:/${info.runId}/fn`);
    await expect(readFile(join(savedTo, "MLmodel"))).rejects.toThrow();
    const back = await resolveModelUri(info.modelUri, { dstPath: join(work, "fn-back"), tracking });
    expect(await readFile(join(back, "predict.mjs"), "utf8")).toContain("predict");
  });
});
