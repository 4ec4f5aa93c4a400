import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { MessageChannel } from "node:worker_threads";
import { PoolTaskError, ScoringPool } from "@pyfunc/core/scoring";
import type { CreateServerOptions } from "./app.js";
import {
  describeModel,
  errorResponse,
  handleInvocation,
  type InvocationResponse,
  type StreamSink,
} from "./invocation.js";
import { importFlavorModules, type LoadOptions, loadServableModel } from "./load.js";
import type { ModelInfo, ServableModel } from "./model-types.js";
import { handleV2Infer, handleV2InferRequest } from "./v2.js";
import type { StreamMessage, WorkerTask } from "./worker-handler.js";

/** Runs predictions: in this thread, or in a pool of worker threads each holding its own model copy. */
export interface PredictionEngine {
  readonly info: ModelInfo;
  readonly threads: number;
  /**
   * `signal()` gives the request's abort signal (created on demand: AbortControllers are not free).
   * The answer comes back synchronously when it was computed in this thread without waiting for anything.
   */
  invoke(
    body: Uint8Array,
    contentType: string | undefined,
    sink: StreamSink,
    signal: () => AbortSignal,
    /** The request's Inference-Header-Content-Length: an `application/octet-stream` binary tensor body. */
    headerLength?: string,
  ): InvocationResponse | Promise<InvocationResponse>;
  v2Infer(
    body: Uint8Array,
    signal: () => AbortSignal,
    headerLength?: string,
  ): InvocationResponse | Promise<InvocationResponse>;
  /**
   * A v2 inference request already read from its wire format (the gRPC service's: the REST body's shape, with
   * flat typed arrays as tensor data), answered as `v2Infer` answers but a 200 answer's outputs as values
   * (`v2`), not JSON; `size` is its payload in bytes (routing).
   */
  v2InferRequest(
    request: unknown,
    size: number,
    signal: () => AbortSignal,
  ): InvocationResponse | Promise<InvocationResponse>;
  /** Requests waiting for a free worker. */
  readonly queued: number;
  /** Worker threads replaced after they died (crash, exit, out of memory, a timed-out or abandoned task). */
  readonly restarts: number;
  close(): Promise<void>;
}

export class InProcessEngine implements PredictionEngine {
  readonly threads = 0;
  readonly queued = 0;
  readonly restarts = 0;
  /** Predictions still running (a client may have gone away; the model must not be closed under them). */
  readonly #pending = new Set<Promise<unknown>>();

  private constructor(
    private readonly model: ServableModel,
    readonly info: ModelInfo,
    private readonly modelName: string,
    private readonly exposeStackTraces: boolean,
    private readonly ownsModel: boolean,
  ) {}

  static async create(
    model: ServableModel,
    modelName: string,
    exposeStackTraces: boolean,
    ownsModel: boolean,
  ): Promise<InProcessEngine> {
    const info = { ...(await describeModel(model)), safeInThread: true };
    return new InProcessEngine(model, info, modelName, exposeStackTraces, ownsModel);
  }

  #track<T>(promise: Promise<T>): Promise<T> {
    this.#pending.add(promise);
    const done = () => this.#pending.delete(promise);
    promise.then(done, done);
    return promise;
  }

  invoke(
    body: Uint8Array,
    contentType: string | undefined,
    sink: StreamSink,
    _signal?: () => AbortSignal,
    headerLength?: string,
  ): InvocationResponse | Promise<InvocationResponse> {
    const result = handleInvocation(this.model, body, contentType, sink, {
      exposeStackTraces: this.exposeStackTraces,
      ...(headerLength !== undefined ? { binaryHeaderLength: headerLength } : {}),
    });
    return result instanceof Promise ? this.#track(result) : result;
  }

  v2Infer(body: Uint8Array, _signal?: () => AbortSignal, headerLength?: string): Promise<InvocationResponse> {
    return this.#track(handleV2Infer(this.model, this.modelName, body, headerLength));
  }

  v2InferRequest(request: unknown): Promise<InvocationResponse> {
    return this.#track(handleV2InferRequest(this.model, this.modelName, request, false, true));
  }

  /** Wait for predictions still running (their clients may be gone), then release the model. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
    if (this.ownsModel) await this.model.close?.();
  }
}

/** The compiled handler module for the pool's workers (tests running from src/ use the build output). */
export function workerHandlerUrl(): string {
  const direct = new URL("./worker-handler.js", import.meta.url);
  if (existsSync(fileURLToPath(direct))) return direct.href;
  return new URL("../dist/worker-handler.js", import.meta.url).href;
}

/**
 * An exact-size copy of the body, owned by nobody else, so it can be transferred to a worker (a body from the
 * socket is often a view into a larger shared read buffer, which structured cloning would copy whole).
 */
function ownedCopy(body: Uint8Array): Uint8Array {
  const copy = new Uint8Array(body.byteLength);
  copy.set(body);
  return copy;
}

export interface PoolEngineInit {
  modelUri: string;
  modelName: string;
  exposeStackTraces?: boolean;
  modelConfig?: Record<string, unknown>;
  flavorModules?: readonly string[];
  /** Old-generation heap limit per worker, in MiB (an out-of-memory worker is replaced). */
  workerMemoryMb?: number;
  /** Bodies over this many bytes take the pool's big lane. */
  bigBodyBytes?: number;
}

/** A failure of the worker running a request, as the answer the client gets. */
function poolFailure(error: unknown): InvocationResponse {
  if (error instanceof PoolTaskError && error.reason === "aborted") throw error; // the caller answers
  // the cause (model code's own exception text) goes to the log with the request id, not to the client
  const cause = error instanceof Error ? (error.cause ?? error) : error;
  return {
    ...errorResponse(
      500,
      "INTERNAL_ERROR",
      "Prediction failed: the model's worker thread ended (an uncaught exception, process.exit or running out " +
        "of memory in model code) and was restarted. See the server log for this request id.",
    ),
    workerDied: true,
    failure: cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause),
  };
}

/** Predictions in core's scoring pool: worker threads each holding their own model copy, replaced when they die. */
export class PoolEngine implements PredictionEngine {
  private constructor(
    private readonly pool: ScoringPool,
    readonly info: ModelInfo,
  ) {}

  static async create(init: PoolEngineInit, threads: number): Promise<PoolEngine> {
    const pool = await ScoringPool.create({
      modelUri: init.modelUri,
      threads,
      handler: workerHandlerUrl(),
      handlerData: { modelName: init.modelName, exposeStackTraces: init.exposeStackTraces === true },
      ...(init.flavorModules !== undefined ? { flavorModules: init.flavorModules } : {}),
      ...(init.modelConfig !== undefined ? { modelConfig: init.modelConfig } : {}),
      ...(init.workerMemoryMb !== undefined
        ? { resourceLimits: { maxOldGenerationSizeMb: init.workerMemoryMb } }
        : {}),
      ...(init.bigBodyBytes !== undefined ? { bigTaskBytes: init.bigBodyBytes } : {}),
    });
    const described = pool.info.handlerInfo as Omit<ModelInfo, "safeInThread">;
    return new PoolEngine(pool, { ...described, safeInThread: pool.info.safeInThread });
  }

  get threads(): number {
    return this.pool.threads;
  }

  get queued(): number {
    return this.pool.queued;
  }

  get restarts(): number {
    return this.pool.restarts;
  }

  /** The local model directory the workers loaded. */
  get modelDir(): string {
    return this.pool.info.modelDir;
  }

  /** Warnings the first worker emitted while loading. */
  get loadWarnings(): readonly string[] {
    return this.pool.info.loadWarnings;
  }

  #run(task: WorkerTask, size: number, signal: AbortSignal, transfer: unknown[]) {
    return this.pool.run<InvocationResponse>(task, { size, signal, transferList: transfer }).then((r) => {
      const response = r.result;
      response.computeMs = r.computeMs;
      if (r.warnings.length > 0) response.warnings = r.warnings;
      return response;
    }, poolFailure);
  }

  async invoke(
    body: Uint8Array,
    contentType: string | undefined,
    sink: StreamSink,
    signal: () => AbortSignal,
    headerLength?: string,
  ): Promise<InvocationResponse> {
    const own = ownedCopy(body);
    if (!this.info.isStreamable) {
      return this.#run({ kind: "invoke", body: own, contentType, headerLength }, own.byteLength, signal(), [
        own.buffer,
      ]);
    }
    const channel = new MessageChannel();
    let ended!: () => void;
    const endReceived = new Promise<void>((resolve) => {
      ended = resolve;
    });
    channel.port1.on("message", (m: StreamMessage) => {
      if (m.type === "start") sink.start();
      else if (m.type === "event") sink.event(m.data);
      else {
        sink.end();
        ended();
      }
    });
    const task: WorkerTask = { kind: "invoke", body: own, contentType, headerLength, port: channel.port2 };
    try {
      const result = await this.#run(task, own.byteLength, signal(), [channel.port2, own.buffer]);
      if (result.streamed) await endReceived;
      return result;
    } finally {
      channel.port1.close();
    }
  }

  v2Infer(body: Uint8Array, signal: () => AbortSignal, headerLength?: string): Promise<InvocationResponse> {
    const own = ownedCopy(body);
    return this.#run({ kind: "v2", body: own, headerLength }, own.byteLength, signal(), [own.buffer]);
  }

  v2InferRequest(request: unknown, size: number, signal: () => AbortSignal): Promise<InvocationResponse> {
    return this.#run({ kind: "v2-request", request }, size, signal(), []);
  }

  /** Let running tasks finish (native sessions must not be torn down mid-run), then stop the threads. */
  close(): Promise<void> {
    return this.pool.close();
  }
}

/** What the in-thread model is served through (adaptive batching, plugins/batching.ts), when anything. */
export type ModelWrapper = (model: ServableModel) => ServableModel;

export async function createInProcessEngineFromUri(
  init: LoadOptions & { modelName: string; exposeStackTraces?: boolean },
  onWarning: (m: string) => void,
  wrap?: ModelWrapper,
): Promise<InProcessEngine> {
  const model = await loadServableModel({ ...init, onWarning });
  return InProcessEngine.create(
    wrap !== undefined ? wrap(model) : model,
    init.modelName,
    init.exposeStackTraces === true,
    true,
  );
}

/**
 * Least time between two worker samples of small requests. A sample costs far more than an inlined request
 * (the thread hop, and a worker whose code is never hot): one per 100 ms still cost ≈ 1.9 µs of CPU per request
 * at 34,000 requests/s (1-row XGBoost); one a second costs ≈ 0.2 µs.
 */
const SAMPLE_INTERVAL_MS = 1000;

/**
 * Default size limit of the in-thread fast path: one-row to ~100-row bodies, where the thread hop is most of the
 * cost. Larger ones go to the workers, which use every core: on the quiet 2-vCPU machine (wrk on loopback) a
 * 1,000-row body answered 2,088 req/s pooled against 2,001 inlined (XGBoost, 76 KB) and 1,215 against 1,017
 * (the ONNX columns model, 22 KB), for ≈40 % more CPU per request (the hop and the copies). With 256 KiB here
 * (measured on a machine loaded by other jobs, where the second core was not free) both were inlined.
 */
const DEFAULT_INLINE_MAX_BYTES = 16 * 1024;

export interface InlinePolicy {
  /** Bodies up to this many bytes may be predicted in the HTTP thread (default 16 KiB). */
  maxBytes: number;
  /** Stop inlining while the recent in-thread time per request (EWMA) is above this (default 2 ms). */
  maxMs: number;
}

/**
 * Worker pool plus an in-thread fast path: small requests skip the thread hop, but only once the workers have
 * *measured* that such requests are cheap (each worker reports its parse+predict+serialize time), so a slow
 * model never runs in the HTTP thread. After every 128 inlined small requests (and at most once a second)
 * one still goes to a worker to keep the measurement fresh. Large bodies and streaming requests always go to the pool.
 */
export class HybridEngine implements PredictionEngine {
  readonly #costs: number[] = [];
  #median = Number.POSITIVE_INFINITY;
  /** Small requests inlined since the last worker sample, and when that sample was sent. */
  #sinceSample = 0;
  #lastSample = Number.NEGATIVE_INFINITY;
  #inlined = 0;

  constructor(
    private readonly pool: PoolEngine,
    private readonly local: InProcessEngine,
    private readonly policy: InlinePolicy,
  ) {}

  get info(): ModelInfo {
    return this.pool.info;
  }

  get threads(): number {
    return this.pool.threads;
  }

  get queued(): number {
    return this.pool.queued;
  }

  get restarts(): number {
    return this.pool.restarts;
  }

  /** Requests answered in the HTTP thread so far. */
  get inlined(): number {
    return this.#inlined;
  }

  #route(size: number): "inline" | "pool" | "sample" {
    if (size > this.policy.maxBytes) return "pool";
    const cheap = this.#costs.length >= 8 && this.#median <= this.policy.maxMs;
    if (!cheap) return "sample";
    // a fresh worker measurement after every 128 inlined small requests, but at most one a second: under
    // load a sample costs far more than an inlined request (thread hop, and a worker whose code is not hot)
    if (++this.#sinceSample < 128) return "inline";
    const now = performance.now();
    if (now - this.#lastSample < SAMPLE_INTERVAL_MS) return "inline";
    this.#sinceSample = 0;
    this.#lastSample = now;
    return "sample";
  }

  /** Keep the last 16 worker-measured costs of small requests and their median (robust to outliers). */
  #sample(ms: number): void {
    this.#costs.push(ms);
    if (this.#costs.length > 16) this.#costs.shift();
    const sorted = [...this.#costs].sort((a, b) => a - b);
    this.#median = sorted[Math.floor(sorted.length / 2)] ?? Number.POSITIVE_INFINITY;
  }

  #record(result: InvocationResponse): InvocationResponse {
    if (result.computeMs !== undefined) this.#sample(result.computeMs);
    return result;
  }

  /** A small request that turned out slow here (even counting interleaving) sends the next ones to the pool. */
  #timed(start: number): void {
    const ms = performance.now() - start;
    if (ms > 10 * this.policy.maxMs) for (let i = 0; i < 9; i++) this.#sample(ms);
  }

  // (plain promise chains rather than async functions: one promise and microtask less per request, and none
  // at all when the answer is computed synchronously)
  #inline<T extends InvocationResponse>(run: () => T | Promise<T>): T | Promise<T> {
    this.#inlined++;
    const start = performance.now();
    const result = run();
    if (!(result instanceof Promise)) {
      this.#timed(start);
      return result;
    }
    return result.then((r) => {
      this.#timed(start);
      return r;
    });
  }

  invoke(
    body: Uint8Array,
    contentType: string | undefined,
    sink: StreamSink,
    signal: () => AbortSignal,
    headerLength?: string,
  ): InvocationResponse | Promise<InvocationResponse> {
    const route = this.pool.info.isStreamable ? "pool" : this.#route(body.byteLength);
    if (route === "inline")
      return this.#inline(() => this.local.invoke(body, contentType, sink, undefined, headerLength));
    const result = this.pool.invoke(body, contentType, sink, signal, headerLength);
    return route === "sample" ? result.then((r) => this.#record(r)) : result;
  }

  v2Infer(
    body: Uint8Array,
    signal: () => AbortSignal,
    headerLength?: string,
  ): InvocationResponse | Promise<InvocationResponse> {
    const route = this.#route(body.byteLength);
    if (route === "inline") return this.#inline(() => this.local.v2Infer(body, undefined, headerLength));
    const result = this.pool.v2Infer(body, signal, headerLength);
    return route === "sample" ? result.then((r) => this.#record(r)) : result;
  }

  v2InferRequest(
    request: unknown,
    size: number,
    signal: () => AbortSignal,
  ): InvocationResponse | Promise<InvocationResponse> {
    const route = this.#route(size);
    if (route === "inline") return this.#inline(() => this.local.v2InferRequest(request));
    const result = this.pool.v2InferRequest(request, size, signal);
    return route === "sample" ? result.then((r) => this.#record(r)) : result;
  }

  async close(): Promise<void> {
    await Promise.all([this.pool.close(), this.local.close()]);
  }
}

/**
 * The engine for a server: the caller's model in this thread; else core's worker pool, plus the in-thread fast
 * path when the model's flavor declares `safeInThread` (model code, custom-class or function or a third-party
 * flavor, never runs in the HTTP thread). `workers: 0` predicts in this thread for safe flavors only.
 */
export async function createEngine(
  options: CreateServerOptions,
  modelName: string,
  onWarning: (m: string) => void,
  wrap?: ModelWrapper,
): Promise<PredictionEngine> {
  const exposeStackTraces = options.exposeStackTraces === true;
  if (options.model !== undefined) {
    const model = wrap !== undefined ? wrap(options.model) : options.model;
    return InProcessEngine.create(model, modelName, exposeStackTraces, false);
  }
  if (options.modelUri === undefined) throw new Error("createServer needs a modelUri or a model");
  const flavorModules = await importFlavorModules(options.imports);
  const init: PoolEngineInit = {
    modelUri: options.modelUri,
    modelName,
    exposeStackTraces,
    flavorModules,
    ...(options.modelConfig !== undefined ? { modelConfig: options.modelConfig } : {}),
    ...(options.workerMemoryMb !== undefined ? { workerMemoryMb: options.workerMemoryMb } : {}),
    ...(options.bigBodyBytes !== undefined ? { bigBodyBytes: options.bigBodyBytes } : {}),
  };
  const workers = options.workers ?? 1;
  const pool = await PoolEngine.create(init, Math.max(1, workers));
  for (const w of pool.loadWarnings) onWarning(w);
  const inThread = workers <= 0 || options.inline !== false;
  if (!pool.info.safeInThread || !inThread) {
    if (workers <= 0)
      onWarning(
        `The model's flavor (${pool.info.loaderModule}) runs model code: predicting in a worker thread, not in the HTTP thread.`,
      );
    if (wrap !== undefined)
      onWarning(
        "Adaptive batching merges the requests predicted in the HTTP thread; this model predicts in worker threads only, so its requests are not batched.",
      );
    return pool;
  }
  // load the copy the workers loaded (no second download for remote URIs)
  let local: InProcessEngine;
  try {
    local = await createInProcessEngineFromUri(
      {
        modelUri: pool.modelDir,
        modelName,
        exposeStackTraces,
        ...(options.modelConfig !== undefined ? { modelConfig: options.modelConfig } : {}),
      },
      onWarning,
      wrap,
    );
  } catch (error) {
    await pool.close();
    throw error;
  }
  if (workers <= 0) {
    await pool.close();
    return local;
  }
  return new HybridEngine(pool, local, {
    maxBytes: options.inlineMaxBytes ?? DEFAULT_INLINE_MAX_BYTES,
    maxMs: options.inlineMaxMs ?? 2,
  });
}
