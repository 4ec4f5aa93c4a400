import { MlflowException } from "../errors/mlflow-exception.js";
import type { ArtifactRepository } from "./artifact-repository.js";
import { LocalArtifactRepository } from "./local-repository.js";
import {
  ARTIFACTS_API,
  MlflowArtifactsRepository,
  mlflowArtifactsToHttp,
} from "./mlflow-artifacts-repository.js";
import { uriScheme } from "./model-uri.js";
import { S3ArtifactRepository } from "./s3-repository.js";
import { type TrackingConfig, trackingConfigFromEnv } from "./tracking-config.js";

export const SUPPORTED_ARTIFACT_SCHEMES = ["file", "mlflow-artifacts", "http", "https", "s3"] as const;

/** The artifact repository for a concrete location URI (not runs:/ or models:/, which resolve to one of these). */
export function repositoryForUri(uri: string, config?: TrackingConfig): ArtifactRepository {
  const scheme = uriScheme(uri);
  switch (scheme) {
    case "file":
      return new LocalArtifactRepository(uri);
    case "mlflow-artifacts": {
      const cfg = config ?? trackingConfigFromEnv();
      return new MlflowArtifactsRepository(mlflowArtifactsToHttp(uri, cfg.trackingUri), cfg);
    }
    case "http":
    case "https": {
      if (!uri.includes(ARTIFACTS_API)) {
        throw MlflowException.invalidParameter(
          `http(s) model URIs must point into an MLflow artifact server (${ARTIFACTS_API}/...), got '${uri}'.`,
        );
      }
      const cfg = config ?? { ...safeEnvConfig(), trackingUri: new URL(uri).origin };
      return new MlflowArtifactsRepository(uri, cfg);
    }
    case "s3":
      return new S3ArtifactRepository(uri);
    default:
      throw MlflowException.invalidParameter(
        `Unsupported artifact URI scheme '${scheme}:' in '${uri}'. Supported: ${SUPPORTED_ARTIFACT_SCHEMES.join(", ")}, plus runs:/ and models:/.`,
      );
  }
}

function safeEnvConfig(): Omit<TrackingConfig, "trackingUri"> {
  try {
    return trackingConfigFromEnv();
  } catch {
    return {};
  }
}
