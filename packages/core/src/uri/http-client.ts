import { ERROR_CODE_HTTP_STATUS, type ErrorCode } from "../errors/error-codes.js";
import { MlflowException } from "../errors/mlflow-exception.js";
import type { TrackingConfig } from "./tracking-config.js";

const RETRY_STATUSES = new Set([429, 500, 502, 503, 504]);

/** Error code for an HTTP status when the server sent no MLflow error body. */
function codeForStatus(status: number): ErrorCode {
  if (status === 401) return "UNAUTHENTICATED";
  if (status === 403) return "PERMISSION_DENIED";
  if (status === 404) return "RESOURCE_DOES_NOT_EXIST";
  if (status === 429) return "REQUEST_LIMIT_EXCEEDED";
  if (status === 503) return "TEMPORARILY_UNAVAILABLE";
  if (status >= 400 && status < 500) return "BAD_REQUEST";
  return "INTERNAL_ERROR";
}

function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && Object.hasOwn(ERROR_CODE_HTTP_STATUS, value);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Talks to an MLflow server with MLflow's auth variables, timeouts and retries.
 * Errors become MlflowException with the server's own error_code when it sends one.
 */
export class MlflowHttpClient {
  readonly baseUrl: string;
  readonly #config: TrackingConfig;

  constructor(baseUrl: string, config: TrackingConfig) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    this.#config = config;
  }

  get headers(): Record<string, string> {
    const h: Record<string, string> = { "User-Agent": "pyfunc-node" };
    if (this.#config.token) h.Authorization = `Bearer ${this.#config.token}`;
    else if (this.#config.username !== undefined && this.#config.password !== undefined) {
      h.Authorization = `Basic ${Buffer.from(`${this.#config.username}:${this.#config.password}`).toString("base64")}`;
    }
    return h;
  }

  /** Call a REST endpoint such as `/api/2.0/mlflow/runs/get` and parse its JSON answer. */
  async callJson<T>(
    method: "GET" | "POST" | "PATCH",
    endpoint: string,
    options: { query?: Record<string, string>; body?: unknown } = {},
  ): Promise<T> {
    const url = new URL(this.baseUrl + endpoint);
    for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, v);
    const init: RequestInit = { method, headers: { ...this.headers } };
    if (options.body !== undefined) {
      init.body = JSON.stringify(options.body);
      (init.headers as Record<string, string>)["Content-Type"] = "application/json";
    }
    const response = await this.fetch(url.toString(), init);
    const text = await response.text();
    try {
      return (text ? JSON.parse(text) : {}) as T;
    } catch {
      throw new MlflowException(
        `The MLflow server at ${this.baseUrl} sent a non-JSON answer to ${endpoint}.`,
        "INTERNAL_ERROR",
      );
    }
  }

  /** fetch with auth, timeout and retries; non-2xx answers become MlflowException. */
  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const maxRetries = this.#config.maxRetries ?? 3;
    const backoffMs = (this.#config.backoffSeconds ?? 0.5) * 1000;
    const timeoutMs = (this.#config.timeoutSeconds ?? 120) * 1000;
    const headers = { ...this.headers, ...(init.headers as Record<string, string> | undefined) };
    let attempt = 0;
    for (;;) {
      let response: Response;
      try {
        response = await fetch(url, { ...init, headers, signal: AbortSignal.timeout(timeoutMs) });
      } catch (error) {
        if (attempt < maxRetries) {
          await sleep(backoffMs * 2 ** attempt++);
          continue;
        }
        const reason =
          error instanceof Error
            ? error.cause instanceof Error
              ? error.cause.message
              : error.message
            : String(error);
        throw new MlflowException(
          `Could not reach the MLflow server at ${new URL(url).origin}: ${reason}`,
          "TEMPORARILY_UNAVAILABLE",
          {
            cause: error,
          },
        );
      }
      if (response.ok) return response;
      if (RETRY_STATUSES.has(response.status) && attempt < maxRetries) {
        await response.body?.cancel();
        await sleep(backoffMs * 2 ** attempt++);
        continue;
      }
      throw await this.#errorFrom(response, url);
    }
  }

  async #errorFrom(response: Response, url: string): Promise<MlflowException> {
    const text = await response.text().catch(() => "");
    let code: ErrorCode = codeForStatus(response.status);
    let message = text.slice(0, 1000) || response.statusText;
    try {
      const body = JSON.parse(text) as { error_code?: unknown; message?: unknown };
      if (isErrorCode(body.error_code)) code = body.error_code;
      if (typeof body.message === "string") message = body.message;
    } catch {
      // not an MLflow error body; keep the status-derived code
    }
    if (response.status === 401 || response.status === 403) {
      message = `${message} (HTTP ${response.status} from ${new URL(url).origin}; check MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD)`;
    }
    return new MlflowException(message, code);
  }
}
