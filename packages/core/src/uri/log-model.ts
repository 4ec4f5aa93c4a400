import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, sep } from "node:path";
import yaml from "js-yaml";
import { MlflowException } from "../errors/mlflow-exception.js";
import { MlflowHttpClient } from "./http-client.js";
import { joinUri } from "./model-uri.js";
import { repositoryForUri } from "./repository-for-uri.js";
import { type TrackingConfig, trackingConfigFromEnv } from "./tracking-config.js";

export interface LogModelOptions {
  /** A saved model directory (from any flavor's saveModel). */
  modelDir: string;
  /** Artifact path inside the run (MLflow's `artifact_path` / `name`), default "model". */
  artifactPath?: string;
  /** Log into this run; otherwise a run is created (in `experimentId`, MLFLOW_EXPERIMENT_ID or "0") and finished. */
  runId?: string;
  experimentId?: string;
  runName?: string;
  /** Register the logged model under this name and wait for the version to become READY. */
  registeredModelName?: string;
  /** Seconds to wait for the registered version to be READY (MLflow's await_registration_for, default 300). */
  awaitRegistrationFor?: number;
  tracking?: TrackingConfig;
  /** MLflow 3's `name` of the LoggedModel (default: `artifactPath`, else "model"). */
  name?: string;
  /** MLflow 3: params and tags of the LoggedModel, its `model_type`, and the run `step` it is recorded at. */
  params?: Record<string, string | number | boolean>;
  tags?: Record<string, string>;
  modelType?: string;
  step?: number;
  /** MLflow 3: log into this existing (pending) LoggedModel instead of creating one. */
  modelId?: string;
}

/** What MLflow's `ModelInfo` carries. `modelId` is null when the server is MLflow 2 (run-artifact layout). */
export interface LoggedModelInfo {
  runId: string;
  artifactUri: string;
  modelUri: string;
  modelId: string | null;
  artifactPath: string;
  flavors: Record<string, unknown>;
  signature: unknown;
  modelUuid: string | null;
  utcTimeCreated: string | null;
  registeredModelVersion?: { name: string; version: string; status: string };
}

interface RunInfo {
  run_id?: string;
  artifact_uri?: string;
  experiment_id?: string;
}

interface LoggedModelRecord {
  model_id: string;
  artifact_uri: string;
}

/**
 * The LoggedModel to log into: the given `modelId`, or one created with `logged-models` (MLflow 3's
 * `create_logged_model`). Undefined when the server has no logged-models endpoint (MLflow 2).
 */
async function loggedModelFor(
  client: MlflowHttpClient,
  options: LogModelOptions,
  runId: string,
  experimentId: string,
  artifactPath: string,
): Promise<LoggedModelRecord | undefined> {
  const check = (info: Partial<LoggedModelRecord> | undefined): LoggedModelRecord => {
    if (!info?.model_id || !info.artifact_uri) {
      throw new MlflowException(
        "The tracking server returned a logged model without an artifact URI.",
        "INTERNAL_ERROR",
      );
    }
    return { model_id: info.model_id, artifact_uri: info.artifact_uri };
  };
  if (options.modelId !== undefined) {
    const body = await client.callJson<{ model?: { info?: Partial<LoggedModelRecord> } }>(
      "GET",
      `/api/2.0/mlflow/logged-models/${encodeURIComponent(options.modelId)}`,
    );
    return check(body.model?.info);
  }
  const pairs = (record: Record<string, unknown> | undefined) =>
    Object.entries(record ?? {}).map(([key, value]) => ({ key, value: String(value) }));
  try {
    const body = await client.callJson<{ model?: { info?: Partial<LoggedModelRecord> } }>(
      "POST",
      "/api/2.0/mlflow/logged-models",
      {
        body: {
          experiment_id: experimentId,
          name: options.name ?? artifactPath,
          source_run_id: runId,
          ...(options.modelType !== undefined ? { model_type: options.modelType } : {}),
          params: pairs(options.params),
          tags: pairs(options.tags),
        },
      },
    );
    return check(body.model?.info);
  } catch (error) {
    // An MLflow 2 server answers an unknown route with 404 (ENDPOINT_NOT_FOUND, or a plain 404 page).
    if (
      error instanceof MlflowException &&
      (error.errorCode === "ENDPOINT_NOT_FOUND" || error.errorCode === "RESOURCE_DOES_NOT_EXIST")
    ) {
      return undefined;
    }
    throw error;
  }
}

async function listLocalFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join("/"));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Log a saved model directory to an MLflow run through the tracking server, as `mlflow.<flavor>.log_model` does:
 * upload the files as run artifacts, record the model in the run's `mlflow.log-model.history`
 * (`runs/log-model`), and optionally register a model version and wait for it to be READY.
 */
export async function logModel(options: LogModelOptions): Promise<LoggedModelInfo> {
  const config = options.tracking ?? trackingConfigFromEnv();
  const client = new MlflowHttpClient(config.trackingUri, config);
  const artifactPath = options.artifactPath ?? options.name ?? "model";
  const mlmodelText = await readFile(join(options.modelDir, "MLmodel"), "utf8").catch(() => {
    throw MlflowException.notFound(`'${options.modelDir}' is not a saved model directory (no MLmodel file).`);
  });

  let runId = options.runId;
  let run: RunInfo | undefined;
  const createdRun = runId === undefined;
  if (runId === undefined) {
    const body = await client.callJson<{ run?: { info?: RunInfo } }>("POST", "/api/2.0/mlflow/runs/create", {
      body: {
        experiment_id: options.experimentId ?? process.env.MLFLOW_EXPERIMENT_ID ?? "0",
        start_time: Date.now(),
        ...(options.runName ? { run_name: options.runName } : {}),
        tags: [{ key: "mlflow.source.name", value: "@pyfunc/core logModel" }],
      },
    });
    run = body.run?.info;
    runId = run?.run_id;
  } else {
    const body = await client.callJson<{ run?: { info?: RunInfo } }>("GET", "/api/2.0/mlflow/runs/get", {
      query: { run_id: runId },
    });
    run = body.run?.info;
  }
  if (!runId || !run?.artifact_uri)
    throw new MlflowException(
      "The tracking server returned a run without an artifact URI.",
      "INTERNAL_ERROR",
    );

  const mlmodel = (yaml.load(mlmodelText, { schema: yaml.CORE_SCHEMA }) ?? {}) as Record<string, unknown>;
  mlmodel.run_id = runId;
  mlmodel.utc_time_created ??= new Date().toISOString().replace("T", " ").replace("Z", "");
  // MLflow 3: a LoggedModel holds the files; MLflow 2 servers have no such endpoint and get the run layout.
  const logged = await loggedModelFor(
    client,
    options,
    runId,
    run.experiment_id ?? options.experimentId ?? "0",
    artifactPath,
  );
  const artifactUri = logged ? logged.artifact_uri : joinUri(run.artifact_uri, artifactPath);
  if (logged) {
    mlmodel.artifact_path = logged.artifact_uri;
    mlmodel.model_id = logged.model_id;
    mlmodel.model_uuid = logged.model_id;
  } else {
    mlmodel.artifact_path = artifactPath;
  }

  const staging = await mkdtemp(join(tmpdir(), "pyfunc-log-"));
  try {
    const repo = repositoryForUri(artifactUri, config);
    for (const file of await listLocalFiles(options.modelDir)) {
      if (file === "MLmodel") continue;
      await repo.upload(join(options.modelDir, ...file.split("/")), file);
    }
    const mlmodelPath = join(staging, "MLmodel");
    await writeFile(mlmodelPath, yaml.dump(mlmodel, { sortKeys: true, lineWidth: -1, noRefs: true }));
    await repo.upload(mlmodelPath, "MLmodel");
  } finally {
    await rm(staging, { recursive: true, force: true });
  }

  await client.callJson("POST", "/api/2.0/mlflow/runs/log-model", {
    body: { run_id: runId, model_json: JSON.stringify(mlmodel) },
  });
  if (logged) {
    await client.callJson("POST", "/api/2.0/mlflow/runs/outputs", {
      body: { run_id: runId, models: [{ model_id: logged.model_id, step: options.step ?? 0 }] },
    });
    await client.callJson("PATCH", `/api/2.0/mlflow/logged-models/${encodeURIComponent(logged.model_id)}`, {
      body: { model_id: logged.model_id, status: "LOGGED_MODEL_READY" },
    });
  }
  if (createdRun) {
    await client.callJson("POST", "/api/2.0/mlflow/runs/update", {
      body: { run_id: runId, status: "FINISHED", end_time: Date.now() },
    });
  }

  const info: LoggedModelInfo = {
    runId,
    artifactUri,
    modelUri: logged ? `models:/${logged.model_id}` : `runs:/${runId}/${artifactPath}`,
    modelId: logged ? logged.model_id : null,
    artifactPath: logged ? logged.artifact_uri : artifactPath,
    flavors: (mlmodel.flavors ?? {}) as Record<string, unknown>,
    signature: mlmodel.signature ?? null,
    modelUuid: typeof mlmodel.model_uuid === "string" ? mlmodel.model_uuid : null,
    utcTimeCreated: typeof mlmodel.utc_time_created === "string" ? mlmodel.utc_time_created : null,
  };
  if (options.registeredModelName) {
    info.registeredModelVersion = await registerModelVersion(
      client.baseUrl === (config.registryUri ?? config.trackingUri)
        ? client
        : new MlflowHttpClient(config.registryUri!, config),
      options.registeredModelName,
      logged ? `models:/${logged.model_id}` : artifactUri,
      runId,
      options.awaitRegistrationFor ?? 300,
    );
  }
  return info;
}

async function registerModelVersion(
  registry: MlflowHttpClient,
  name: string,
  source: string,
  runId: string,
  awaitSeconds: number,
): Promise<{ name: string; version: string; status: string }> {
  try {
    await registry.callJson("POST", "/api/2.0/mlflow/registered-models/create", { body: { name } });
  } catch (error) {
    if (!(error instanceof MlflowException && error.errorCode === "RESOURCE_ALREADY_EXISTS")) throw error;
  }
  const created = await registry.callJson<{ model_version?: { version?: string; status?: string } }>(
    "POST",
    "/api/2.0/mlflow/model-versions/create",
    { body: { name, source, run_id: runId } },
  );
  const version = String(created.model_version?.version ?? "");
  if (!version) throw new MlflowException(`Registering '${name}' returned no version.`, "INTERNAL_ERROR");
  let status = created.model_version?.status ?? "PENDING_REGISTRATION";
  const deadline = Date.now() + awaitSeconds * 1000;
  let pollMs = 100;
  while (status === "PENDING_REGISTRATION" && Date.now() < deadline) {
    await sleep(Math.min(pollMs, Math.max(10, deadline - Date.now())));
    pollMs = Math.min(pollMs * 2, 2000);
    const got = await registry.callJson<{ model_version?: { status?: string } }>(
      "GET",
      "/api/2.0/mlflow/model-versions/get",
      {
        query: { name, version },
      },
    );
    status = got.model_version?.status ?? status;
  }
  if (status === "FAILED_REGISTRATION") {
    throw new MlflowException(`Model version ${version} of '${name}' failed to register.`, "INVALID_STATE");
  }
  if (status !== "READY" && awaitSeconds > 0) {
    throw new MlflowException(
      `Model version ${version} of '${name}' was not READY after ${awaitSeconds} s (status ${status}).`,
      "DEADLINE_EXCEEDED",
    );
  }
  return { name, version, status };
}

/**
 * What a flavor's `logModel` does: save with the flavor's `saveModel` into a temporary directory, then `logModel` it.
 * `save` receives a path that does not exist yet.
 */
export async function saveAndLogModel(
  save: (path: string) => Promise<unknown>,
  options: Omit<LogModelOptions, "modelDir">,
): Promise<LoggedModelInfo> {
  const staging = await mkdtemp(join(tmpdir(), "pyfunc-save-log-"));
  try {
    const modelDir = join(staging, options.artifactPath?.split("/").pop() || "model");
    await save(modelDir);
    return await logModel({ ...options, modelDir });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

const LOG_OPTION_KEYS = [
  "artifactPath",
  "runId",
  "experimentId",
  "runName",
  "registeredModelName",
  "awaitRegistrationFor",
  "tracking",
  "name",
  "params",
  "tags",
  "modelType",
  "step",
  "modelId",
] as const satisfies readonly (keyof LogModelOptions)[];

/** A flavor's `logModel` options: its own save options plus where and how to log. */
export type FlavorLogModelOptions<SaveOptions> = SaveOptions & Omit<LogModelOptions, "modelDir">;

/**
 * Build a flavor's `logModel` (MLflow's `mlflow.<flavor>.log_model`) from its `saveModel`:
 * `export const logModel = createLogModel(saveModel);`
 */
export function createLogModel<SaveOptions extends object>(
  saveModel: (path: string, options: SaveOptions) => Promise<unknown>,
): (options: FlavorLogModelOptions<SaveOptions>) => Promise<LoggedModelInfo> {
  return (options) => {
    const logOptions: Omit<LogModelOptions, "modelDir"> = {};
    const saveOptions: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(options)) {
      if ((LOG_OPTION_KEYS as readonly string[]).includes(key))
        (logOptions as Record<string, unknown>)[key] = value;
      else saveOptions[key] = value;
    }
    return saveAndLogModel((path) => saveModel(path, saveOptions as SaveOptions), logOptions);
  };
}
