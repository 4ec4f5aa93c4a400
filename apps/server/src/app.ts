import { readFileSync } from "node:fs";
import cors from "@fastify/cors";
import rateLimit from "@fastify/rate-limit";
import Fastify, { type FastifyInstance, LogController } from "fastify";
import type { Logger, LoggerOptions } from "pino";
import { createEngine, InProcessEngine, type PredictionEngine } from "./engine.js";
import { createMetrics, type ServerMetrics } from "./metrics.js";
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
import { ModelRegistry, ServedModel } from "./registry.js";
import { MODEL_NAME_PATTERN, type ModelSpec } from "./repository.js";

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
  /** Model directory or URI, loaded by core's loadModel (in each worker thread), served as `modelName`. */
  modelUri?: string;
  /** An already loaded model, served in this thread (no worker pool): the caller vouches for its code. */
  model?: ServableModel;
  /**
   * More models, each by name (`/models/{name}/invocations`, `/v2/models/{name}/…`), each with its own worker
   * pool (`workers` threads) and fast path. A model that fails to load is UNAVAILABLE with its reason; the
   * others serve.
   */
  models?: readonly ModelSpec[];
  /** A model repository directory: one sub-directory per model, named by the directory (MLServer's layout). */
  modelRepository?: string;
  /**
   * The model `POST /invocations`, `/ping` and `/health` answer for. Default: `modelName` when `modelUri` or
   * `model` is given, else the only model when there is one, else none (`/invocations` answers 404).
   */
  defaultModel?: string;
  /**
   * Allow `POST /v2/repository/models/{name}/load|unload` (default: on when serving `models` or a
   * `modelRepository`, off for a single `modelUri` / `model`). The index is always served.
   */
  modelControl?: boolean;
  /**
   * `/v2/health/ready` answers 200 only while every model is READY (those unloaded through the repository API
   * aside), as Triton's default `--strict-readiness` (default true). false: ready whenever the server is up.
   */
  strictReadiness?: boolean;
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
  /** Longest a request waits for a busy model before its batch goes anyway, in ms (default 5; idle: no wait). */
  maxBatchDelayMs?: number;
}

export interface PyfuncServer {
  readonly app: FastifyInstance;
  /** The default model's engine (throws when the server has no default model loaded). */
  readonly engine: PredictionEngine;
  /** Every model of the server: state, load, unload, the repository index. */
  readonly registry: ModelRegistry;
  /** The server's Prometheus metrics (`/metrics`); the gRPC service counts its calls here too. */
  readonly metrics: ServerMetrics;
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

/** The server's models, from `modelUri`/`model`, `models` and `modelRepository` (names checked, none loaded yet). */
function servedModels(
  options: CreateServerOptions,
  modelName: string,
  onWarning: (m: string) => void,
): ServedModel[] {
  const out: ServedModel[] = [];
  if (options.model !== undefined)
    out.push(new ServedModel(modelName, { name: modelName, uri: "" }, "instance", options.model));
  else if (options.modelUri !== undefined)
    out.push(new ServedModel(modelName, { name: modelName, uri: options.modelUri }, "configured"));
  for (const spec of options.models ?? []) {
    if (!MODEL_NAME_PATTERN.test(spec.name))
      throw new TypeError(
        `'${spec.name}' is not a valid model name (letters, digits, '_', '.', '-', starting with a letter or digit; at most 128).`,
      );
    out.push(new ServedModel(spec.name, { ...spec }, "configured"));
  }
  if (options.modelRepository !== undefined) {
    const configured = new Set(out.map((m) => m.name));
    for (const m of ModelRegistry.scan(options.modelRepository, onWarning)) {
      if (configured.has(m.name))
        onWarning(`Model repository: '${m.name}' is left out, a model of that name is configured already.`);
      else out.push(m);
    }
  }
  return out;
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
  // Node closes a stalled request at the later of the two deadlines, so a headers timeout above the body
  // timeout would stretch the body timeout to it (a 2 s body timeout held a stalled body for 10 s)
  const bodyTimeoutMs = options.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS;
  const headersTimeoutMs = options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS;
  app.server.headersTimeout =
    bodyTimeoutMs > 0 ? Math.min(headersTimeoutMs, bodyTimeoutMs) : headersTimeoutMs;
  app.server.maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;

  const batching = batchingOptionsOf(options);
  const batchMetrics = batching !== undefined ? new BatchingMetrics() : undefined;
  // each model gets its own batcher (requests of different models never merge)
  const wrap =
    batching !== undefined && batchMetrics !== undefined
      ? (model: ServableModel) => withBatching(model, batching, batchMetrics)
      : undefined;
  // one model from modelUri / model, as before: its load error stops the server; several: each on its own
  const single =
    (options.modelUri !== undefined || options.model !== undefined) &&
    (options.models === undefined || options.models.length === 0) &&
    options.modelRepository === undefined;
  const warn = (m: string) => app.log.warn(m);
  const models = servedModels(options, modelName, warn);
  if (models.length === 0 && options.modelRepository === undefined)
    throw new Error("createServer needs a modelUri, a model, models or a modelRepository");
  const exposeStackTraces = options.exposeStackTraces === true;
  const registry = new ModelRegistry({
    models,
    ...(options.modelRepository !== undefined ? { repository: options.modelRepository } : {}),
    ...(options.defaultModel !== undefined
      ? { defaultModel: options.defaultModel }
      : options.modelUri !== undefined || options.model !== undefined
        ? { defaultModel: modelName }
        : {}),
    onWarning: warn,
    factory: (m) => {
      if (m.instance !== undefined)
        return InProcessEngine.create(
          wrap !== undefined ? wrap(m.instance) : m.instance,
          m.name,
          exposeStackTraces,
          false,
        );
      const { model: _instance, ...rest } = options;
      const onWarning = single ? warn : (w: string) => app.log.warn({ model: m.name }, w);
      return createEngine(
        {
          ...rest,
          modelUri: m.spec.uri,
          ...(m.spec.modelConfig !== undefined ? { modelConfig: m.spec.modelConfig } : {}),
          ...(m.spec.workers !== undefined ? { workers: m.spec.workers } : {}),
        },
        m.name,
        onWarning,
        wrap,
      );
    },
  });
  const failures = await registry.loadAll();
  if (single && failures.size > 0) {
    await registry.close();
    throw [...failures.values()][0];
  }
  for (const [name, error] of failures)
    app.log.error(
      { model: name },
      `model '${name}' failed to load: ${error instanceof Error ? error.message : String(error)}`,
    );
  let metrics: ServerMetrics;
  try {
    metrics = createMetrics(
      () => registry.queued,
      () => registry.restarts,
      () => registry.models(),
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
    await app.register(mlflowRoutes, { registry, version: SERVER_VERSION });
    await app.register(v2Routes, {
      registry,
      version: SERVER_VERSION,
      strictReadiness: options.strictReadiness !== false,
      modelControl: options.modelControl ?? !single,
    });
    // the document describes every model READY at the time of the request
    if (options.docs !== false) await registerDocs(app, registry, SERVER_VERSION);
  } catch (error) {
    await registry.close();
    throw error;
  }

  let closePromise: Promise<void> | undefined;
  return {
    app,
    registry,
    metrics,
    get engine(): PredictionEngine {
      const engine = registry.defaultModel?.engine;
      if (engine === undefined)
        throw new Error(
          registry.defaultModel === undefined
            ? "This server has no default model (see registry)"
            : `The default model '${registry.defaultModel.name}' is not loaded (${registry.defaultModel.state})`,
        );
      return engine;
    },
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
          await registry.close();
        }
      })();
      return closePromise;
    },
  };
}
