import { MlflowException } from "../errors/mlflow-exception.js";

/** How to reach an MLflow tracking server; read from MLflow's own environment variables by default. */
export interface TrackingConfig {
  /** http(s) URL of the tracking server (MLFLOW_TRACKING_URI). */
  trackingUri: string;
  /** Registry server (MLFLOW_REGISTRY_URI), defaults to the tracking server. */
  registryUri?: string;
  /** Bearer token (MLFLOW_TRACKING_TOKEN). */
  token?: string;
  /** Basic auth (MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD). */
  username?: string;
  password?: string;
  /** Per-request timeout in seconds (MLFLOW_HTTP_REQUEST_TIMEOUT, default 120 as MLflow). */
  timeoutSeconds?: number;
  /** Retries for 429/5xx answers and connection failures (MLFLOW_HTTP_REQUEST_MAX_RETRIES, default 3 here). */
  maxRetries?: number;
  /** First retry delay in seconds (MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR, default 0.5); doubles each retry. */
  backoffSeconds?: number;
}

function numberEnv(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === "") return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) {
    throw MlflowException.invalidParameter(
      `Environment variable ${name} must be a non-negative number, got '${raw}'.`,
    );
  }
  return n;
}

/** The tracking configuration from MLflow's environment variables; throws when no tracking URI is set. */
export function trackingConfigFromEnv(env: NodeJS.ProcessEnv = process.env): TrackingConfig {
  const trackingUri = env.MLFLOW_TRACKING_URI;
  if (!trackingUri) {
    throw MlflowException.invalidParameter(
      "This model URI needs an MLflow tracking server: set MLFLOW_TRACKING_URI (e.g. http://localhost:5000).",
    );
  }
  if (!/^https?:\/\//i.test(trackingUri)) {
    throw MlflowException.invalidParameter(
      `MLFLOW_TRACKING_URI must be an http(s) URL of a tracking server to resolve remote model URIs, got '${trackingUri}'.`,
    );
  }
  return {
    trackingUri,
    registryUri: env.MLFLOW_REGISTRY_URI || undefined,
    token: env.MLFLOW_TRACKING_TOKEN || undefined,
    username: env.MLFLOW_TRACKING_USERNAME || undefined,
    password: env.MLFLOW_TRACKING_PASSWORD || undefined,
    timeoutSeconds: numberEnv(env, "MLFLOW_HTTP_REQUEST_TIMEOUT"),
    maxRetries: numberEnv(env, "MLFLOW_HTTP_REQUEST_MAX_RETRIES"),
    backoffSeconds: numberEnv(env, "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR"),
  };
}
