import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { MlflowException } from "../errors/mlflow-exception.js";
import { defaultCacheDir, downloadArtifacts, downloadToCache } from "./download.js";
import { MlflowHttpClient } from "./http-client.js";
import { joinUri, parseModelsUri, parseRunsUri, uriScheme } from "./model-uri.js";
import { repositoryForUri } from "./repository-for-uri.js";
import { type TrackingConfig, trackingConfigFromEnv } from "./tracking-config.js";

export interface ResolveModelUriOptions {
  /** Download into this folder (as MLflow's dst_path); otherwise into the cache. */
  dstPath?: string;
  /** Cache folder (default PYFUNC_CACHE_DIR or ~/.cache/pyfunc/models). */
  cacheDir?: string;
  /** Tracking server settings; read from MLflow's environment variables when absent. */
  tracking?: TrackingConfig;
}

interface ModelVersion {
  name?: string;
  version?: string;
  current_stage?: string;
  source?: string;
  run_id?: string;
  status?: string;
}

/** A location (artifact URI) for runs:/ and models:/ URIs, recursively, plus registry info when known. */
export async function resolveArtifactLocation(
  uri: string,
  tracking?: TrackingConfig,
  depth = 0,
): Promise<{ location: string; registered?: { name: string; version: string } }> {
  if (depth > 5)
    throw MlflowException.invalidParameter(`Model URI '${uri}' resolves through too many indirections.`);
  const scheme = uriScheme(uri);
  if (scheme === "runs") {
    const config = tracking ?? trackingConfigFromEnv();
    return { location: await resolveRunsUri(uri, config) };
  }
  if (scheme === "models") {
    const config = tracking ?? trackingConfigFromEnv();
    const registry = new MlflowHttpClient(config.registryUri ?? config.trackingUri, config);
    const target = parseModelsUri(uri);
    if (target.kind === "loggedModel") {
      const client = new MlflowHttpClient(config.trackingUri, config);
      const body = await client.callJson<{ model?: { info?: { artifact_uri?: string } } }>(
        "GET",
        `/api/2.0/mlflow/logged-models/${encodeURIComponent(target.modelId)}`,
      );
      const artifactUri = body.model?.info?.artifact_uri;
      if (!artifactUri)
        throw MlflowException.notFound(`Logged model '${target.modelId}' has no artifact location.`);
      return resolveArtifactLocation(artifactUri, config, depth + 1);
    }
    const version = await resolveVersion(registry, target);
    const body = await registry.callJson<{ artifact_uri?: string }>(
      "GET",
      "/api/2.0/mlflow/model-versions/get-download-uri",
      {
        query: { name: target.name, version },
      },
    );
    if (!body.artifact_uri) {
      throw MlflowException.notFound(
        `Registered model '${target.name}' version ${version} has no download URI.`,
      );
    }
    const inner = await resolveArtifactLocation(body.artifact_uri, config, depth + 1);
    return { location: joinUri(inner.location, target.subPath), registered: { name: target.name, version } };
  }
  return { location: uri };
}

async function resolveVersion(
  registry: MlflowHttpClient,
  target: ReturnType<typeof parseModelsUri>,
): Promise<string> {
  switch (target.kind) {
    case "version":
      return target.version;
    case "alias": {
      const body = await registry.callJson<{ model_version?: ModelVersion }>(
        "GET",
        "/api/2.0/mlflow/registered-models/alias",
        {
          query: { name: target.name, alias: target.alias },
        },
      );
      const v = body.model_version?.version;
      if (!v)
        throw MlflowException.notFound(`Registered model '${target.name}' has no alias '${target.alias}'.`);
      return String(v);
    }
    case "latest":
    case "stage": {
      const stages = target.kind === "stage" ? [target.stage] : [];
      const body = await registry.callJson<{ model_versions?: ModelVersion[] }>(
        "POST",
        "/api/2.0/mlflow/registered-models/get-latest-versions",
        { body: { name: target.name, stages } },
      );
      const versions = (body.model_versions ?? []).map((v) => Number(v.version)).filter(Number.isFinite);
      if (versions.length === 0) {
        const what = target.kind === "stage" ? ` and stage '${target.stage}'` : "";
        throw MlflowException.notFound(`No versions of model with name '${target.name}'${what} found`);
      }
      return String(Math.max(...versions));
    }
    default:
      throw MlflowException.invalidParameter("Unexpected models:/ URI form.");
  }
}

async function resolveRunsUri(uri: string, config: TrackingConfig): Promise<string> {
  const { runId, path } = parseRunsUri(uri);
  const client = new MlflowHttpClient(config.trackingUri, config);
  const body = await client.callJson<{ run?: { info?: { artifact_uri?: string; experiment_id?: string } } }>(
    "GET",
    "/api/2.0/mlflow/runs/get",
    { query: { run_id: runId } },
  );
  const info = body.run?.info;
  if (!info?.artifact_uri) throw MlflowException.notFound(`Run '${runId}' not found or has no artifact URI.`);
  const runLocation = joinUri(info.artifact_uri, path);
  // MLflow 3: the first path segment may name a logged model of this run rather than a run artifact folder.
  const [name, ...rest] = path.split("/");
  if (!name || info.experiment_id === undefined) return runLocation;
  const hasRunFiles = await repositoryForUri(runLocation, config)
    .listFiles()
    .then((f) => f.length > 0)
    .catch(() => false);
  if (hasRunFiles) return runLocation;
  const search = await client
    .callJson<{ models?: { info?: { artifact_uri?: string; source_run_id?: string; name?: string } }[] }>(
      "POST",
      "/api/2.0/mlflow/logged-models/search",
      { body: { experiment_ids: [info.experiment_id], filter: `name = '${name.replace(/'/g, "\\'")}'` } },
    )
    .catch(() => ({ models: [] }));
  const model = (search.models ?? []).find((m) => m.info?.source_run_id === runId && m.info?.artifact_uri);
  return model ? joinUri(model.info!.artifact_uri!, rest.join("/")) : runLocation;
}

/**
 * Turn any supported model URI into a local directory: local paths and file:// are returned as they are;
 * runs:/, models:/, mlflow-artifacts:, http(s) and s3 are downloaded (to `dstPath`, or a cache keyed by the
 * resolved location).
 */
export async function resolveModelUri(uri: string, options: ResolveModelUriOptions = {}): Promise<string> {
  const scheme = uriScheme(uri);
  if (scheme === "file") return uri.startsWith("file:") ? fileURLToPath(uri) : uri;
  const { location, registered } = await resolveArtifactLocation(uri, options.tracking);
  if (uriScheme(location) === "file")
    return location.startsWith("file:") ? fileURLToPath(location) : location;
  const repo = repositoryForUri(location, options.tracking);
  const local = options.dstPath
    ? await downloadArtifacts(repo, options.dstPath)
    : await downloadToCache(repo, options.cacheDir ?? defaultCacheDir());
  if (registered && options.dstPath) {
    // As MLflow's client does for a downloaded registered model version.
    await writeFile(
      join(local, "registered_model_meta"),
      `model_name: ${JSON.stringify(registered.name)}\nmodel_version: '${registered.version}'\n`,
    ).catch(() => undefined);
  }
  return local;
}
