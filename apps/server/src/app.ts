import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Readable } from "node:stream";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { Logger, LoggerOptions } from "pino";
import { readBody } from "./body.js";
import {
  createInProcessEngineFromUri,
  HybridEngine,
  InProcessEngine,
  PoolEngine,
  type PredictionEngine,
} from "./engine.js";
import type { InvocationResponse, StreamSink } from "./invocation.js";
import { createMetrics } from "./metrics.js";
import type { ServableModel } from "./model-types.js";
import { registerDocs } from "./openapi.js";
import { v2MetadataTensors } from "./v2.js";

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

export interface CreateServerOptions {
  /** Model directory or URI, loaded by core's loadModel (in each worker thread). */
  modelUri?: string;
  /** An already loaded model, served in this thread (no worker pool). */
  model?: ServableModel;
  /** Worker threads, each with its own model copy (default 1). 0 predicts in the HTTP thread. */
  workers?: number;
  /** Per-request timeout in ms (default: MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT seconds, else 60 s). */
  timeoutMs?: number;
  /** Largest request body in bytes (default 100 MiB, as MLflow's nginx); larger bodies get 413. */
  bodyLimit?: number;
  /** pino: false (default) / true / options / a pino logger. */
  logger?: boolean | LoggerOptions | Logger;
  /** Modules imported in each worker before loading (flavor packages, plugin registrations). */
  imports?: string[];
  /** Load-time model config (MLflow `model_config`). */
  modelConfig?: Record<string, unknown>;
  /** Model name on the Open Inference Protocol routes (default MLSERVER_MODEL_NAME or "mlflow-model"). */
  modelName?: string;
  /** Send `stack_trace` for model exceptions (MLflow always does; off by default here). */
  exposeStackTraces?: boolean;
  /**
   * In-thread fast path for small requests when workers > 0 (default true): the model is loaded in the HTTP
   * thread as well, and bodies up to `inlineMaxBytes` (default 16 KiB) are predicted there once the workers
   * have measured such requests at under `inlineMaxMs` (default 2 ms, median of the last 16).
   */
  inline?: boolean;
  inlineMaxBytes?: number;
  inlineMaxMs?: number;
  /** Serve `/openapi.json` and `/docs` (default true). */
  docs?: boolean;
}

export interface PyfuncServer {
  readonly app: FastifyInstance;
  readonly engine: PredictionEngine;
  /** Listen on host:port (port 0 = any free port); resolves to the base URL. */
  listen(options?: { host?: string; port?: number }): Promise<string>;
  /** Stop accepting connections, finish in-flight requests, stop the workers. Idempotent. */
  close(): Promise<void>;
}

export function defaultTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT;
  const seconds = raw === undefined || raw.trim() === "" ? Number.NaN : Number(raw);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 60_000;
}

const REQUEST_ID = /^[\w.:@/+=-]{1,200}$/;

/**
 * Generated request ids: a random prefix per server process and a counter, e.g. `5f0c2a9e-1k3`: unique across
 * processes in practice, and far cheaper per request than a random UUID each (measured ~2 µs of the ~28 µs
 * a small request costs the server).
 */
const REQUEST_ID_PREFIX = `${randomUUID().slice(0, 8)}-`;
let requestSeq = 0;
function nextRequestId(): string {
  requestSeq = (requestSeq + 1) % Number.MAX_SAFE_INTEGER;
  return REQUEST_ID_PREFIX + requestSeq.toString(36);
}

/** Paths with fixed routes, for FastAPI-style 405 answers. */
const KNOWN_ROUTES: Record<string, string[]> = {
  "/ping": ["GET", "HEAD"],
  "/health": ["GET", "HEAD"],
  "/version": ["GET", "HEAD"],
  "/invocations": ["POST"],
  "/metrics": ["GET", "HEAD"],
  "/v2": ["GET", "HEAD"],
  "/v2/health/live": ["GET", "HEAD"],
  "/v2/health/ready": ["GET", "HEAD"],
};

function mlflowError(status: number, errorCode: string, message: string): InvocationResponse {
  return {
    status,
    contentType: "application/json",
    body: JSON.stringify({ error_code: errorCode, message }),
  };
}

function toUint8(body: unknown): Uint8Array {
  if (body instanceof Uint8Array) return body;
  if (typeof body === "string") return Buffer.from(body);
  return new Uint8Array(0);
}

/** Build the scoring server (not listening yet). */
export async function createServer(options: CreateServerOptions): Promise<PyfuncServer> {
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs();
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const modelName = options.modelName ?? process.env.MLSERVER_MODEL_NAME ?? DEFAULT_MODEL_NAME;
  const exposeStackTraces = options.exposeStackTraces === true;

  const loggerOption = options.logger ?? false;
  const isLoggerInstance =
    typeof loggerOption === "object" &&
    loggerOption !== null &&
    typeof (loggerOption as Logger).child === "function";
  const app = Fastify({
    ...(isLoggerInstance
      ? { loggerInstance: loggerOption as Logger }
      : { logger: loggerOption as boolean | LoggerOptions }),
    bodyLimit,
    genReqId: (req) => {
      const given = req.headers["x-request-id"];
      return typeof given === "string" && REQUEST_ID.test(given) ? given : nextRequestId();
    },
    return503OnClosing: true,
    forceCloseConnections: "idle",
  }) as unknown as FastifyInstance;

  let engine: PredictionEngine;
  if (options.model !== undefined) {
    engine = await InProcessEngine.create(options.model, modelName, exposeStackTraces, false);
  } else if (options.modelUri !== undefined) {
    const init = {
      modelUri: options.modelUri,
      imports: options.imports,
      modelConfig: options.modelConfig,
      modelName,
      exposeStackTraces,
    };
    const workers = options.workers ?? 1;
    if (workers <= 0) engine = await createInProcessEngineFromUri(init, (m) => app.log.warn(m));
    else if (options.inline === false) engine = await PoolEngine.create(init, workers);
    else {
      const [poolResult, localResult] = await Promise.allSettled([
        PoolEngine.create(init, workers),
        createInProcessEngineFromUri(init, (m) => app.log.warn(m)),
      ]);
      if (poolResult.status === "rejected" || localResult.status === "rejected") {
        if (poolResult.status === "fulfilled") await poolResult.value.close();
        if (localResult.status === "fulfilled") await localResult.value.close();
        throw localResult.status === "rejected"
          ? localResult.reason
          : (poolResult as PromiseRejectedResult).reason;
      }
      const pool = poolResult.value;
      const local = localResult.value;
      engine = new HybridEngine(pool, local, {
        maxBytes: options.inlineMaxBytes ?? 16 * 1024,
        maxMs: options.inlineMaxMs ?? 2,
      });
    }
  } else {
    throw new Error("createServer needs a modelUri or a model");
  }

  const metrics = createMetrics(() => engine.queued);
  let closing = false;
  /** While draining, answers close their connection so keep-alive clients cannot hold the server open. */
  const send = (reply: FastifyReply, r: InvocationResponse): FastifyReply => {
    reply.code(r.status).header("content-type", r.contentType);
    if (closing) reply.header("connection", "close");
    return reply.send(r.body);
  };

  /**
   * Per-route request hook, added to every route as it is registered (so the route label is a captured string,
   * not fastify's `request.routeOptions`, which builds an object per access). Unmatched requests are counted
   * by the not-found handler.
   */
  const track = (request: FastifyRequest, reply: FastifyReply, route: string) => {
    reply.header("x-request-id", request.id);
    const start = performance.now();
    metrics.start();
    // "close" (not fastify's onResponse) so aborted and timed-out requests are counted and leave the gauge too
    reply.raw.on("close", () => {
      metrics.finish(request.method, route, reply.raw.statusCode, (performance.now() - start) / 1000);
    });
  };
  const observe =
    (route: string) => (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
      track(request, reply, route);
      done();
    };
  app.addHook("onRoute", (route) => {
    const hook = observe(route.url);
    const existing = route.onRequest;
    route.onRequest =
      existing === undefined ? [hook] : [...(Array.isArray(existing) ? existing : [existing]), hook];
  });

  // Bodies reach the protocol parser as raw bytes, whatever the content type (it decides 415 itself).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", (request, payload, done) =>
    readBody(payload as Readable, request.headers["content-length"], bodyLimit, done),
  );

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status === 413) {
      return send(
        reply,
        mlflowError(
          413,
          "BAD_REQUEST",
          `Request body is larger than the server's limit of ${bodyLimit} bytes.`,
        ),
      );
    }
    if (status === 415) {
      return reply.code(415).header("content-type", "text/plain; charset=utf-8").send(error.message);
    }
    if (status >= 500) request.log.error({ err: error }, "unhandled error");
    return send(reply, mlflowError(status, status >= 500 ? "INTERNAL_ERROR" : "BAD_REQUEST", error.message));
  });

  app.setNotFoundHandler((request, reply) => {
    track(request, reply, "unmatched");
    const path = request.url.split("?")[0]!;
    const allowed = KNOWN_ROUTES[path];
    if (allowed !== undefined && !allowed.includes(request.method)) {
      return reply.code(405).header("allow", allowed.join(", ")).send({ detail: "Method Not Allowed" });
    }
    return reply.code(404).send({ detail: "Not Found" });
  });

  const health = async (_req: FastifyRequest, reply: FastifyReply) =>
    reply.code(200).header("content-type", "application/json").send("\n");
  app.get("/ping", health);
  app.get("/health", health);
  app.get("/version", async (_req, reply) =>
    reply.code(200).header("content-type", "application/json").send(SERVER_VERSION),
  );
  app.get("/metrics", async (_req, reply) =>
    reply
      .code(200)
      .header("content-type", metrics.registry.contentType)
      .send(await metrics.registry.metrics()),
  );

  const timeoutAnswer = mlflowError(
    504,
    "DEADLINE_EXCEEDED",
    `Request processing time exceeded limit (${timeoutMs / 1000} s)`,
  );
  /** Timeout timers not armed yet: armed together once the current I/O batch has been handled. */
  let toArm: (() => void)[] = [];
  const armAll = () => {
    const list = toArm;
    toArm = [];
    for (const arm of list) arm();
  };
  const armLater = (arm: () => void) => {
    if (toArm.push(arm) === 1) setImmediate(armAll);
  };
  const answer = (request: FastifyRequest, reply: FastifyReply, result: InvocationResponse) => {
    if (result.warnings !== undefined) for (const w of result.warnings) request.log.warn(w);
    return result.streamed ? undefined : send(reply, result);
  };

  /**
   * Run a prediction with the timeout; 504 when it passes (the worker task is aborted). One promise settled by
   * whichever comes first, the answer or the timer (no `Promise.race`, no `async` layers per request).
   * An answer computed synchronously is sent at once and `undefined` is returned (nothing could time out),
   * which also tells fastify that the handler has replied.
   */
  function withTimeout(
    request: FastifyRequest,
    reply: FastifyReply,
    run: (
      signal: () => AbortSignal,
      onStreamStart: () => void,
    ) => InvocationResponse | Promise<InvocationResponse>,
  ): Promise<FastifyReply | undefined> | undefined {
    let controller: AbortController | undefined;
    const signal = () => {
      controller ??= new AbortController();
      return controller.signal;
    };
    let finished = false;
    let timer: NodeJS.Timeout | undefined;
    const stop = () => {
      finished = true;
      clearTimeout(timer);
    };
    const start = performance.now();
    const running = run(signal, stop);
    if (!(running instanceof Promise)) {
      answer(request, reply, running);
      return undefined;
    }
    return new Promise<FastifyReply | undefined>((resolve, reject) => {
      let timedOut = false;
      const fire = () => {
        timedOut = true;
        controller?.abort();
        request.log.warn({ timeoutMs }, "request timed out");
        resolve(send(reply, timeoutAnswer));
      };
      // armed after this I/O batch, and only if the prediction is still running then (most in-thread ones have
      // been answered by then), for the time left to the same deadline
      armLater(() => {
        if (!finished) timer = setTimeout(fire, Math.max(0, timeoutMs - (performance.now() - start)));
      });
      running.then(
        (result) => {
          if (timedOut) return;
          stop();
          try {
            resolve(answer(request, reply, result));
          } catch (error) {
            reject(error); // to fastify's error handler, as from an async route
          }
        },
        (error: unknown) => {
          if (timedOut) return;
          stop();
          request.log.error({ err: error }, "prediction failed");
          resolve(
            send(
              reply,
              mlflowError(
                500,
                "INTERNAL_ERROR",
                `Prediction failed: ${error instanceof Error ? error.message : String(error)}`,
              ),
            ),
          );
        },
      );
    });
  }

  /** Models that cannot stream never touch the sink: one shared no-op sink instead of one per request. */
  const noSink: StreamSink = { start() {}, event() {}, end() {} };
  const streamable = engine.info.isStreamable;

  app.post("/invocations", (request, reply) => {
    const body = toUint8(request.body);
    const contentType = request.headers["content-type"];
    if (!streamable) {
      return withTimeout(request, reply, (signal) => engine.invoke(body, contentType, noSink, signal));
    }
    let started = false;
    return withTimeout(request, reply, (signal, onStreamStart) => {
      const sink: StreamSink = {
        start() {
          started = true;
          onStreamStart();
          reply.hijack();
          reply.raw.writeHead(200, {
            "content-type": "text/event-stream",
            "cache-control": "no-cache",
            "x-request-id": request.id,
            ...(closing ? { connection: "close" } : {}),
          });
        },
        event(data) {
          if (started) reply.raw.write(`data: ${data}\n\n`);
        },
        end() {
          if (started) reply.raw.end();
        },
      };
      return engine.invoke(body, contentType, sink, signal);
    });
  });

  // ---- Open Inference Protocol v2
  const v2Error = (reply: FastifyReply, status: number, message: string) =>
    reply.code(status).send({ error: message });
  const checkName = (request: FastifyRequest, reply: FastifyReply): boolean => {
    const { name } = request.params as { name: string };
    if (name !== modelName) {
      v2Error(reply, 404, `Model ${name} not found`);
      return false;
    }
    return true;
  };
  const ready = () => !closing;
  app.get("/v2", async () => ({ name: "pyfunc-server", version: SERVER_VERSION, extensions: [] }));
  app.get("/v2/health/live", async () => ({ live: true }));
  app.get("/v2/health/ready", async (_req, reply) =>
    reply.code(ready() ? 200 : 400).send({ ready: ready() }),
  );
  const modelMetadata = async (request: FastifyRequest, reply: FastifyReply) => {
    if (!checkName(request, reply)) return reply;
    const sig = engine.info.signature;
    return {
      name: modelName,
      versions: [],
      platform: engine.info.loaderModule ?? "pyfunc",
      inputs: v2MetadataTensors(sig?.inputs),
      outputs: v2MetadataTensors(sig?.outputs),
    };
  };
  const modelReady = async (request: FastifyRequest, reply: FastifyReply) => {
    if (!checkName(request, reply)) return reply;
    return reply.code(ready() ? 200 : 400).send({ name: modelName, ready: ready() });
  };
  const infer = async (request: FastifyRequest, reply: FastifyReply) => {
    if (!checkName(request, reply)) return reply;
    const body = toUint8(request.body);
    return withTimeout(request, reply, (signal) => engine.v2Infer(body, signal)) ?? reply;
  };
  for (const prefix of ["/v2/models/:name", "/v2/models/:name/versions/:version"]) {
    app.get(prefix, modelMetadata);
    app.get(`${prefix}/ready`, modelReady);
    app.post(`${prefix}/infer`, infer);
  }

  if (options.docs !== false) await registerDocs(app, engine.info, modelName, SERVER_VERSION);

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
      closing = true;
      closePromise ??= (async () => {
        const sweep = setInterval(() => app.server.closeIdleConnections(), 50);
        try {
          await app.close();
        } finally {
          clearInterval(sweep);
          await engine.close();
        }
      })();
      return closePromise;
    },
  };
}
