import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { MlflowException } from "../errors/mlflow-exception.js";
import { type FakeMlflowServer, putModel, startFakeMlflowServer } from "../testing/fake-mlflow-server.js";
import { parseModelsUri, parseRunsUri, uriScheme } from "./model-uri.js";
import { resolveModelUri } from "./resolve.js";
import type { TrackingConfig } from "./tracking-config.js";
import { trackingConfigFromEnv } from "./tracking-config.js";

const MODEL_FILES = {
  MLmodel: "flavors:\n  python_function:\n    loader_module: mlflow.xgboost\n",
  "model.json": '{"learner": {}}',
  "nested/extra.txt": "hello",
};
const RUN = "a".repeat(32);

let server: FakeMlflowServer;
let tracking: TrackingConfig;
const temps: string[] = [];

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), "pyfunc-uri-"));
  temps.push(d);
  return d;
}

async function expectCode(promise: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MlflowException);
  expect((error as MlflowException).errorCode).toBe(code);
  if (message) expect((error as MlflowException).message).toMatch(message);
}

beforeAll(async () => {
  server = await startFakeMlflowServer();
  tracking = { trackingUri: server.url, maxRetries: 0 };
  server.runs.set(RUN, {
    experiment_id: "1",
    artifact_uri: `mlflow-artifacts:/1/${RUN}/artifacts`,
    status: "FINISHED",
    logged_models: [],
  });
  await putModel(server, `1/${RUN}/artifacts/model`, MODEL_FILES);
  await putModel(server, "1/models/m-abc/artifacts", MODEL_FILES);
  server.versions.set("churn", [
    { version: "1", source: `runs:/${RUN}/model`, run_id: RUN, current_stage: "Archived", status: "READY" },
    {
      version: "2",
      source: `mlflow-artifacts:/1/${RUN}/artifacts/model`,
      run_id: RUN,
      current_stage: "Production",
      status: "READY",
    },
  ]);
  server.aliases.set("churn@champion", "2");
  server.loggedModels.set("m-abc", {
    model_id: "m-abc",
    name: "clf",
    artifact_uri: "mlflow-artifacts:/1/models/m-abc/artifacts",
    source_run_id: RUN,
    experiment_id: "1",
  });
});

afterAll(async () => {
  await server.close();
  await Promise.all(temps.map((d) => rm(d, { recursive: true, force: true })));
});

afterEach(() => {
  server.token = undefined;
  server.truncate.clear();
});

async function expectModelFiles(dir: string): Promise<void> {
  expect(await readFile(join(dir, "MLmodel"), "utf8")).toBe(MODEL_FILES.MLmodel);
  expect(await readFile(join(dir, "nested", "extra.txt"), "utf8")).toBe("hello");
}

describe("model URI parsing", () => {
  it("tells versions, latest, stages, aliases and logged model ids apart as MLflow does", () => {
    expect(parseModelsUri("models:/churn/3")).toMatchObject({ kind: "version", name: "churn", version: "3" });
    expect(parseModelsUri("models:/churn/LATEST")).toMatchObject({ kind: "latest", name: "churn" });
    expect(parseModelsUri("models:/churn/Production")).toMatchObject({ kind: "stage", stage: "Production" });
    expect(parseModelsUri("models:/churn@champion")).toMatchObject({ kind: "alias", alias: "champion" });
    expect(parseModelsUri("models:/m-0123abcd")).toMatchObject({
      kind: "loggedModel",
      modelId: "m-0123abcd",
    });
    expect(parseModelsUri("models:/churn/3/sub/dir")).toMatchObject({ subPath: "sub/dir" });
    expect(parseRunsUri(`runs:/${RUN}/model/a`)).toEqual({ runId: RUN, path: "model/a" });
    expect(uriScheme("C:\\models\\m")).toBe("file");
    expect(uriScheme("S3://bucket/x")).toBe("s3");
  });

  it("refuses models: URIs without a leading slash or a name", () => {
    expect(() => parseModelsUri("models:churn/1")).toThrow(MlflowException);
    expect(() => parseModelsUri("models:/")).toThrow(/name is empty/);
    expect(() => parseModelsUri("models:/@x")).toThrow(MlflowException);
  });

  it("needs MLFLOW_TRACKING_URI to be an http(s) server", () => {
    expect(() => trackingConfigFromEnv({})).toThrow(/MLFLOW_TRACKING_URI/);
    expect(() => trackingConfigFromEnv({ MLFLOW_TRACKING_URI: "file:///tmp/mlruns" })).toThrow(/http/);
    const cfg = trackingConfigFromEnv({
      MLFLOW_TRACKING_URI: "http://h:5000",
      MLFLOW_TRACKING_TOKEN: "t",
      MLFLOW_HTTP_REQUEST_MAX_RETRIES: "2",
    });
    expect(cfg).toMatchObject({ trackingUri: "http://h:5000", token: "t", maxRetries: 2 });
    expect(() =>
      trackingConfigFromEnv({ MLFLOW_TRACKING_URI: "http://h", MLFLOW_HTTP_REQUEST_TIMEOUT: "soon" }),
    ).toThrow(/non-negative number/);
  });
});

describe("resolveModelUri against an MLflow tracking server", () => {
  it("downloads runs:/<run_id>/model through the artifact proxy into dstPath", async () => {
    const dst = await tempDir();
    const dir = await resolveModelUri(`runs:/${RUN}/model`, { dstPath: dst, tracking });
    expect(dir).toBe(join(dst, "model"));
    await expectModelFiles(dir);
  });

  it("resolves models:/name/version through runs:/ recursively and records registered_model_meta", async () => {
    const dir = await resolveModelUri("models:/churn/1", { dstPath: await tempDir(), tracking });
    await expectModelFiles(dir);
    expect(await readFile(join(dir, "registered_model_meta"), "utf8")).toContain("model_version: '1'");
  });

  it("resolves an alias, the latest version and a stage to the right version", async () => {
    for (const uri of ["models:/churn@champion", "models:/churn/latest", "models:/churn/Production"]) {
      const dir = await resolveModelUri(uri, { dstPath: await tempDir(), tracking });
      expect(await readFile(join(dir, "registered_model_meta"), "utf8")).toContain("model_version: '2'");
    }
  });

  it("loads MLflow 3 logged models by id and falls back from runs:/<run>/<name> to the run's logged model", async () => {
    await expectModelFiles(await resolveModelUri("models:/m-abc", { dstPath: await tempDir(), tracking }));
    await expectModelFiles(await resolveModelUri(`runs:/${RUN}/clf`, { dstPath: await tempDir(), tracking }));
  });

  it("downloads mlflow-artifacts: and http(s) artifact-proxy URIs directly", async () => {
    await expectModelFiles(
      await resolveModelUri(`mlflow-artifacts:/1/${RUN}/artifacts/model`, {
        dstPath: await tempDir(),
        tracking,
      }),
    );
    const http = `${server.url}/api/2.0/mlflow-artifacts/artifacts/1/${RUN}/artifacts/model`;
    await expectModelFiles(await resolveModelUri(http, { dstPath: await tempDir(), tracking }));
  });

  it("caches by resolved location and reuses a complete download", async () => {
    const cacheDir = await tempDir();
    const first = await resolveModelUri("models:/churn@champion", { cacheDir, tracking });
    const downloadsBefore = server.requests.filter((r) => r.path.includes("/artifacts/1/")).length;
    const second = await resolveModelUri("models:/churn/2", { cacheDir, tracking });
    expect(second).toBe(first);
    expect(server.requests.filter((r) => r.path.includes("/artifacts/1/")).length).toBe(downloadsBefore);
  });

  it("sends the bearer token and reports 401 and 403 clearly", async () => {
    server.token = "s3cret";
    await expectCode(
      resolveModelUri(`runs:/${RUN}/model`, { dstPath: await tempDir(), tracking }),
      "UNAUTHENTICATED",
      /MLFLOW_TRACKING_TOKEN/,
    );
    await expectCode(
      resolveModelUri(`runs:/${RUN}/model`, {
        dstPath: await tempDir(),
        tracking: { ...tracking, token: "wrong" },
      }),
      "PERMISSION_DENIED",
      /HTTP 403/,
    );
    const dir = await resolveModelUri(`runs:/${RUN}/model`, {
      dstPath: await tempDir(),
      tracking: { ...tracking, token: "s3cret" },
    });
    await expectModelFiles(dir);
    expect(server.requests.at(-1)?.auth).toBe("Bearer s3cret");
  });

  it("uses basic auth from username and password", async () => {
    const dir = await resolveModelUri(`runs:/${RUN}/model`, {
      dstPath: await tempDir(),
      tracking: { ...tracking, username: "u", password: "p" },
    });
    await expectModelFiles(dir);
    expect(server.requests.at(-1)?.auth).toBe(`Basic ${Buffer.from("u:p").toString("base64")}`);
  });

  it("reports an unknown run, a missing version and a missing alias as RESOURCE_DOES_NOT_EXIST", async () => {
    await expectCode(
      resolveModelUri(`runs:/${"f".repeat(32)}/model`, { tracking }),
      "RESOURCE_DOES_NOT_EXIST",
      /not found/,
    );
    await expectCode(
      resolveModelUri("models:/churn/9", { tracking }),
      "RESOURCE_DOES_NOT_EXIST",
      /version=9/,
    );
    await expectCode(resolveModelUri("models:/churn@nope", { tracking }), "RESOURCE_DOES_NOT_EXIST");
    await expectCode(
      resolveModelUri("models:/churn/Staging", { tracking }),
      "RESOURCE_DOES_NOT_EXIST",
      /stage 'Staging'/,
    );
    await expectCode(resolveModelUri("models:/ghost/1", { tracking }), "RESOURCE_DOES_NOT_EXIST");
  });

  it("reports a server that is down as TEMPORARILY_UNAVAILABLE after its retries", async () => {
    const down = { trackingUri: "http://127.0.0.1:9", maxRetries: 1, backoffSeconds: 0.01 };
    await expectCode(
      resolveModelUri(`runs:/${RUN}/model`, { tracking: down }),
      "TEMPORARILY_UNAVAILABLE",
      /Could not reach/,
    );
  });

  it("fails a truncated download with DATA_LOSS and leaves no loadable-looking folder", async () => {
    server.truncate.add(`1/${RUN}/artifacts/model/model.json`);
    const dst = await tempDir();
    await expectCode(resolveModelUri(`runs:/${RUN}/model`, { dstPath: dst, tracking }), "DATA_LOSS");
    expect(await readdir(dst)).toEqual([]);
  });

  it("refuses unsupported schemes and plain http URLs that are not an artifact server", async () => {
    await expectCode(
      resolveModelUri("gs://bucket/model", { tracking }),
      "INVALID_PARAMETER_VALUE",
      /Supported/,
    );
    await expectCode(
      resolveModelUri("https://example.invalid/model", { tracking }),
      "INVALID_PARAMETER_VALUE",
    );
  });

  it("returns local paths and file:// URIs without copying", async () => {
    const dir = await tempDir();
    expect(await resolveModelUri(dir)).toBe(dir);
    expect(await resolveModelUri(`file://${dir}`)).toBe(dir);
  });
});
