import { readFileSync } from "node:fs";
import cors from "@fastify/cors";
import rateLimit from "@fastify/rate-limit";
import Fastify, { type FastifyInstance, LogController } from "fastify";
import type { Logger, LoggerOptions } from "pino";
import { createEngine, type PredictionEngine } from "./engine.js";
import { createMetrics } from "./metrics.js";
import type { ServableModel } from "./model-types.js";
import { registerDocs } from "./openapi.js";
import { authPlugin } from "./plugins/auth.js";
import { BatchingMetrics, batchingOptionsOf, withBatching } from "./plugins/batching.js";
import { rawBodyPlugin } from "./plugins/body.js";
import { deadlinePlugin } from "./plugins/deadline.js";
import { drainPlugin } from "./plugins/drain.js";
import { clientErrorHandler, errorsPlugin } from "./plugins/errors.js";
import { hostsPlugin } from "./plugins/hosts.js";
import { observabilityPlugin } from "./plugins/metrics.js";
import { mlflowRoutes } from "./plugins/mlflow-routes.js";
import { requestIdOf } from "./plugins/request-id.js";
import { v2Routes } from "./plugins/v2-routes.js";

export const SERVER_VERSION: string = (() => {
  try {
    return (
      JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
    ).version;
  } catch {
    return "0.0.0";
  }
})();

export const DEFAULT_BODY_LIMIT = 100 * 1024 * 1024;
export const DEFAULT_MODEL_NAME = "mlflow-model";
/** Connection hygiene defaults (each has a `pyfunc serve` flag and an environment variable). */
export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
export const DEFAULT_BODY_TIMEOUT_MS = 30_000;
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 5_000;
export const DEFAULT_MAX_CONNECTIONS = 4096;
export const DEFAULT_MAX_URL_LENGTH = 8192;

export interface RateLimitOptions {
  /** Requests per client address per window. */
  max: number;
  /** Window length in ms (default 60 s). */
  windowMs?: number;
}

export interface CreateServerOptions {
  /** Model directory or URI, loaded by core's loadModel (in each worker thread). */
  modelUri?: string;
  /** An already loaded model, served in this thread (no worker pool): the caller vouches for its code. */
  model?: ServableModel;
  /**
   * Worker threads, each with its own model copy (default 1). 0 predicts in the HTTP thread, for flavors that
   * declare `safeInThread` only (others get one worker).
   */
  workers?: number;
  /** Per-request timeout in ms (default: MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT seconds, else 60 s). */
  timeoutMs?: number;
  /** Largest request body in bytes (default 100 MiB, as MLflow's nginx); larger bodies get 413. */
  bodyLimit?: number;
  /** pino: false (default) / true / options / a pino logger. */
  logger?: boolean | LoggerOptions | Logger;
  /** Modules imported before loading, here and in each worker (flavor packages, plugin registrations). */
  imports?: string[];
  /** Load-time model config (MLflow `model_config`). */
  modelConfig?: Record<string, unknown>;
  /** Model name on the Open Inference Protocol routes (default MLSERVER_MODEL_NAME or "mlflow-model"). */
  modelName?: string;
  /** Send `stack_trace` for model exceptions (MLflow always does; off by default here). */
  exposeStackTraces?: boolean;
  /**
   * In-thread fast path for small requests when workers > 0 (default true), for flavors that declare
   * `safeInThread` (this project's runtimes) only: the model is loaded in the HTTP thread as well, and bodies
   * up to `inlineMaxBytes` (default 16 KiB) are predicted there once the workers have measured such requests
   * at under `inlineMaxMs` (default 2 ms, median of the last 16).
   */
  inline?: boolean;
  inlineMaxBytes?: number;
  inlineMaxMs?: number;
  /** Bodies over this many bytes take the workers' big lane, which always leaves one worker to small ones (default 64 KiB). */
  bigBodyBytes?: number;
  /** Old-generation heap limit per worker in MiB (default 2048); a worker that runs out is replaced. */
  workerMemoryMb?: number;
  /** Serve `/openapi.json` and `/docs` (default true). */
  docs?: boolean;
  /** Serve `/metrics` (default true). */
  metrics?: boolean;
  /** Require `Authorization: Bearer <token>` on every route but the health probes. */
  authToken?: string;
  /** Origins allowed by CORS (`*` for any); none: no CORS headers. */
  corsOrigins?: readonly string[];
  /** Host names requests may address (DNS-rebinding protection); default: any. */
  allowedHosts?: readonly string[];
  /** Per-client-address rate limit; default: none. */
  rateLimit?: RateLimitOptions;
  /** TLS: PEM certificate chain and private key; the server then speaks HTTPS only. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Time to receive a request's headers (default 10 s). */
  headersTimeoutMs?: number;
  /** Time to receive a whole request, headers and body (default 30 s). */
  bodyTimeoutMs?: number;
  /** How long an idle keep-alive connection stays open (default 5 s). */
  keepAliveTimeoutMs?: number;
  /** Open connections at most; further ones are closed at once (default 4096). */
  maxConnections?: number;
  /** Longest URL in bytes (default 8192); longer ones get 414. */
  maxUrlLength?: number;
  /**
   * Adaptive batching (off by default): concurrent requests predicted in the HTTP thread with compatible inputs
   * are merged into calls of at most this many rows (≥ 2 turns it on). See plugins/batching.ts.
   */
  maxBatchSize?: number;
  /** Longest a request waits for others to batch with, in ms (default 5). */
  maxBatchDelayMs?: number;
}

export interface PyfuncServer {
  readonly app: FastifyInstance;
  readonly engine: PredictionEngine;
  /** Listen on host:port (port 0 = any free port); resolves to the base URL. */
  listen(options?: { host?: string; port?: number }): Promise<string>;
  /**
   * Stop accepting connections, answer every request already received (closing keep-alive connections as
   * they answer), close idle connections, stop the workers. Idempotent.
   */
  close(): Promise<void>;
}

export function defaultTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT;
  const seconds = raw === undefined || raw.trim() === "" ? Number.NaN : Number(raw);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 60_000;
}

/** Paths rate limiting never applies to: the health probes. */
const PROBES = new Set(["/ping", "/health", "/v2/health/live", "/v2/health/ready"]);

/**
 * Build the scoring server (not listening yet): the engine, then one fastify plugin per concern: errors,
 * drain, observability, host allow-list, CORS, rate limit, authentication, body reading, the deadline runner,
 * the MLflow and Open Inference Protocol routes and the docs.
 */
export async function createServer(options: CreateServerOptions): Promise<PyfuncServer> {
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs();
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const modelName = options.modelName ?? process.env.MLSERVER_MODEL_NAME ?? DEFAULT_MODEL_NAME;
  const maxUrlLength = options.maxUrlLength ?? DEFAULT_MAX_URL_LENGTH;

  const loggerOption = options.logger ?? false;
  const isLoggerInstance =
    typeof loggerOption === "object" &&
    loggerOption !== null &&
    typeof (loggerOption as Logger).child === "function";
  const app = Fastify({
    ...(isLoggerInstance
      ? { loggerInstance: loggerOption as Logger }
      : { logger: loggerOption as boolean | LoggerOptions }),
    ...(options.tls !== undefined ? { https: { cert: options.tls.cert, key: options.tls.key } } : {}),
    bodyLimit,
    genReqId: requestIdOf,
    // one access line per request from the observability plugin instead of fastify's two
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: false,
    forceCloseConnections: false,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
    requestTimeout: options.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS,
    // room for long URLs to reach the 414 check, and for headers to get a 431 past it
    routerOptions: { maxParamLength: maxUrlLength },
    http: {
      maxHeaderSize: Math.max(16 * 1024, maxUrlLength + 8 * 1024),
      // how often Node checks the headers and body timeouts (its default, 30 s, would let them run over)
      connectionsCheckingInterval: Math.min(
        1000,
        Math.max(50, Math.floor((options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS) / 4)),
      ),
    },
    clientErrorHandler: clientErrorHandler(maxUrlLength),
  } as Parameters<typeof Fastify>[0]) as unknown as FastifyInstance;
  app.server.headersTimeout = options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS;
  app.server.maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;

  const batching = batchingOptionsOf(options);
  const batchMetrics = batching !== undefined ? new BatchingMetrics() : undefined;
  const engine = await createEngine(
    options,
    modelName,
    (m) => app.log.warn(m),
    batching !== undefined && batchMetrics !== undefined
      ? (model) => withBatching(model, batching, batchMetrics)
      : undefined,
  );
  try {
    const metrics = createMetrics(
      () => engine.queued,
      () => engine.restarts,
    );
    batchMetrics?.register(metrics.registry);
    await app.register(errorsPlugin, {
      bodyLimit,
      maxUrlLength,
      onNotFound: (request, reply) => app.trackRequest(request, reply, "unmatched"),
    });
    await app.register(drainPlugin, {});
    await app.register(observabilityPlugin, {
      metrics,
      route: options.metrics !== false,
      accessLog: ["trace", "debug", "info"].includes(app.log.level),
    });
    if (options.allowedHosts !== undefined && options.allowedHosts.length > 0)
      await app.register(hostsPlugin, { allowedHosts: options.allowedHosts });
    if (options.corsOrigins !== undefined && options.corsOrigins.length > 0) {
      const origins = options.corsOrigins;
      await app.register(cors, {
        origin: origins.includes("*") ? "*" : [...origins],
        methods: ["GET", "HEAD", "POST"],
        allowedHeaders: ["content-type", "authorization", "x-request-id"],
        exposedHeaders: ["x-request-id"],
      });
    }
    if (options.rateLimit !== undefined) {
      await app.register(rateLimit, {
        global: true,
        max: options.rateLimit.max,
        timeWindow: options.rateLimit.windowMs ?? 60_000,
        allowList: (request) => PROBES.has(request.url.split("?", 1)[0]!),
        errorResponseBuilder: (_request, context) => ({
          statusCode: 429,
          message: `Rate limit exceeded: at most ${context.max} requests per ${context.after}.`,
        }),
      });
    }
    if (options.authToken !== undefined && options.authToken.length > 0)
      await app.register(authPlugin, { token: options.authToken });
    await app.register(rawBodyPlugin, { bodyLimit });
    await app.register(deadlinePlugin, { timeoutMs });
    await app.register(mlflowRoutes, { engine, version: SERVER_VERSION });
    await app.register(v2Routes, { engine, modelName, version: SERVER_VERSION });
    if (options.docs !== false) await registerDocs(app, engine.info, modelName, SERVER_VERSION);
  } catch (error) {
    await engine.close();
    throw error;
  }

  let closePromise: Promise<void> | undefined;
  return {
    app,
    engine,
    async listen(listenOptions = {}) {
      const address = await app.listen({
        host: listenOptions.host ?? "127.0.0.1",
        port: listenOptions.port ?? 0,
      });
      return address.replace("[::1]", "127.0.0.1");
    },
    close() {
      closePromise ??= (async () => {
        try {
          await app.drain();
          await app.close();
        } finally {
          await engine.close();
        }
      })();
      return closePromise;
    },
  };
}
