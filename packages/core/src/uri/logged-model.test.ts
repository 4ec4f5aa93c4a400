import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import yaml from "js-yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FlavorRegistry } from "../flavor/registry.js";
import { loadModel } from "../model/load-model.js";
import { makeScalePlugin, saveScaleModel } from "../testing/__tests__/test-flavor.js";
import { type FakeMlflowServer, startFakeMlflowServer } from "../testing/fake-mlflow-server.js";
import { logModel } from "./log-model.js";
import { resolveModelUri } from "./resolve.js";

let v3: FakeMlflowServer;
let v2: FakeMlflowServer;
let work: string;
let modelDir: string;

beforeAll(async () => {
  v3 = await startFakeMlflowServer({ mlflowVersion: 3 });
  v2 = await startFakeMlflowServer();
  work = await mkdtemp(join(tmpdir(), "pyfunc-logged-model-"));
  modelDir = join(work, "saved");
  await saveScaleModel(modelDir, 3);
});
afterAll(async () => {
  await v3.close();
  await v2.close();
  await rm(work, { recursive: true, force: true });
});

describe("logModel on MLflow 3 servers", () => {
  it("creates a LoggedModel with name, params, tags and type, uploads under it, records the run output and finalizes it", async () => {
    const tracking = { trackingUri: v3.url, maxRetries: 0 };
    const info = await logModel({
      modelDir,
      name: "scaler",
      params: { factor: 3, normalize: true },
      tags: { team: "ml" },
      modelType: "agent",
      step: 7,
      experimentId: "5",
      tracking,
    });
    expect(info.modelId).toMatch(/^m-[0-9a-f]{32}$/);
    expect(info.modelUri).toBe(`models:/${info.modelId}`);
    const stored = v3.loggedModels.get(info.modelId!)!;
    expect(stored).toMatchObject({
      name: "scaler",
      experiment_id: "5",
      source_run_id: info.runId,
      status: "LOGGED_MODEL_READY",
      model_type: "agent",
      params: [
        { key: "factor", value: "3" },
        { key: "normalize", value: "true" },
      ],
      tags: [{ key: "team", value: "ml" }],
    });
    expect(info.artifactUri).toBe(stored.artifact_uri);
    expect(info.artifactPath).toBe(stored.artifact_uri);
    expect(info.modelUuid).toBe(info.modelId);
    expect(Object.keys(info.flavors).sort()).toEqual(["js_function", "scale"]);
    expect(v3.runOutputs.get(info.runId)).toEqual([{ model_id: info.modelId, step: 7 }]);
    const mlmodel = yaml.load(
      await readFile(join(v3.artifactRoot, "5", "models", info.modelId!, "artifacts", "MLmodel"), "utf8"),
    ) as Record<string, unknown>;
    expect(mlmodel.model_id).toBe(info.modelId);
    expect(mlmodel.run_id).toBe(info.runId);

    // models:/<model_id> loads it back, and PyFuncModel.modelId comes from the URI.
    const registry = new FlavorRegistry();
    registry.register(makeScalePlugin());
    process.env.MLFLOW_TRACKING_URI = v3.url;
    try {
      const local = await resolveModelUri(info.modelUri, { tracking, dstPath: join(work, "down") });
      const loaded = await loadModel(local, { registry, discover: false });
      expect(await loaded.predict([{ x: 2 }])).toEqual([6]);
      expect(loaded.modelId).toBe(info.modelId);
      const byUri = await loadModel(info.modelUri, {
        registry,
        discover: false,
        dstPath: join(work, "down2"),
      });
      expect(byUri.modelId).toBe(info.modelId);
    } finally {
      delete process.env.MLFLOW_TRACKING_URI;
    }
  });

  it("logs into an existing LoggedModel given by modelId", async () => {
    const tracking = { trackingUri: v3.url, maxRetries: 0 };
    const first = await logModel({ modelDir, name: "a", tracking });
    const again = await logModel({ modelDir, modelId: first.modelId!, runId: first.runId, tracking });
    expect(again.modelId).toBe(first.modelId);
    expect(v3.loggedModels.size).toBe(2);
  });
});

describe("logModel on MLflow 2 servers", () => {
  it("falls back to the run-artifact layout and returns ModelInfo without a model ID", async () => {
    const info = await logModel({
      modelDir,
      name: "scaler",
      tracking: { trackingUri: v2.url, maxRetries: 0 },
    });
    expect(info.modelId).toBeNull();
    expect(info.modelUri).toBe(`runs:/${info.runId}/scaler`);
    expect(info.artifactPath).toBe("scaler");
    expect(v2.loggedModels.size).toBe(0);
    expect(v2.runs.get(info.runId)?.logged_models).toHaveLength(1);
  });
});
