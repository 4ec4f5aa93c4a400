import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { MessageChannel } from "node:worker_threads";
import { type ErrorCode, MlflowException } from "@pyfunc/core";
import { Piscina } from "piscina";
import { describeModel, handleInvocation, type InvocationResponse, type StreamSink } from "./invocation.js";
import { loadServableModel } from "./load.js";
import type { ModelInfo, ServableModel } from "./model-types.js";
import { handleV2Infer } from "./v2.js";
import type { StreamMessage, WorkerInit, WorkerLoadError, WorkerTask } from "./worker.js";

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
  ): InvocationResponse | Promise<InvocationResponse>;
  v2Infer(body: Uint8Array, signal: () => AbortSignal): InvocationResponse | Promise<InvocationResponse>;
  /** Requests waiting for a free worker. */
  readonly queued: number;
  close(): Promise<void>;
}

export class InProcessEngine implements PredictionEngine {
  readonly threads = 0;
  readonly queued = 0;
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
    return new InProcessEngine(model, await describeModel(model), modelName, exposeStackTraces, ownsModel);
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
  ): InvocationResponse | Promise<InvocationResponse> {
    const result = handleInvocation(this.model, body, contentType, sink, {
      exposeStackTraces: this.exposeStackTraces,
    });
    return result instanceof Promise ? this.#track(result) : result;
  }

  v2Infer(body: Uint8Array): Promise<InvocationResponse> {
    return this.#track(handleV2Infer(this.model, this.modelName, body));
  }

  /** Wait for predictions still running (their clients may be gone), then release the model. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
    if (this.ownsModel) await this.model.close?.();
  }
}

/** The compiled worker file (from src/ during tests, the build output next to it is used). */
export function workerFile(): string {
  const here = new URL("./worker.js", import.meta.url);
  const direct = fileURLToPath(here);
  if (existsSync(direct)) return direct;
  return fileURLToPath(new URL("../dist/worker.js", import.meta.url));
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

export class PoolEngine implements PredictionEngine {
  /** Tasks still running (their clients may be gone): close() lets them finish first. */
  readonly #pending = new Set<Promise<unknown>>();

  private constructor(
    private readonly pool: Piscina,
    readonly info: ModelInfo,
    readonly threads: number,
  ) {
    // a stray worker message must never take the server down
    pool.on("error", (error: unknown) => {
      process.emitWarning(`worker pool error: ${error instanceof Error ? error.message : String(error)}`);
    });
  }

  #run(task: WorkerTask, options: { signal: AbortSignal; transferList: unknown[] }): Promise<unknown> {
    const promise = this.pool.run(task, options as never) as Promise<unknown>;
    this.#pending.add(promise);
    const done = () => this.#pending.delete(promise);
    promise.then(done, done);
    return promise;
  }

  static async create(init: WorkerInit, threads: number): Promise<PoolEngine> {
    const pool = new Piscina({
      filename: workerFile(),
      workerData: init,
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: Number.POSITIVE_INFINITY,
      concurrentTasksPerWorker: 1,
    });
    try {
      const answer = (await pool.run({ kind: "info" } satisfies WorkerTask)) as ModelInfo | WorkerLoadError;
      if ("loadError" in answer) {
        const { message, errorCode, errorClass } = answer.loadError;
        throw new MlflowException(message, (errorCode ?? "INTERNAL_ERROR") as ErrorCode, { errorClass });
      }
      return new PoolEngine(pool, answer, threads);
    } catch (error) {
      await pool.destroy();
      throw error;
    }
  }

  get queued(): number {
    return this.pool.queueSize;
  }

  async invoke(
    body: Uint8Array,
    contentType: string | undefined,
    sink: StreamSink,
    signal: () => AbortSignal,
  ): Promise<InvocationResponse> {
    const own = ownedCopy(body);
    if (!this.info.isStreamable) {
      return (await this.#run(
        { kind: "invoke", body: own, contentType },
        { signal: signal(), transferList: [own.buffer] },
      )) as InvocationResponse;
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
    const task: WorkerTask = { kind: "invoke", body: own, contentType, port: channel.port2 };
    try {
      const result = (await this.#run(task, {
        signal: signal(),
        transferList: [channel.port2, own.buffer],
      })) as InvocationResponse;
      if (result.streamed) await endReceived;
      return result;
    } finally {
      channel.port1.close();
    }
  }

  async v2Infer(body: Uint8Array, signal: () => AbortSignal): Promise<InvocationResponse> {
    const own = ownedCopy(body);
    return (await this.#run(
      { kind: "v2", body: own },
      { signal: signal(), transferList: [own.buffer] },
    )) as InvocationResponse;
  }

  /** Let running tasks finish (native sessions must not be torn down mid-run), then stop the threads. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
    await this.pool.destroy();
  }
}

export async function createInProcessEngineFromUri(
  init: WorkerInit,
  onWarning: (m: string) => void,
): Promise<InProcessEngine> {
  const model = await loadServableModel({ ...init, onWarning });
  return InProcessEngine.create(model, init.modelName, init.exposeStackTraces === true, true);
}

/**
 * Least time between two worker samples of small requests. A sample costs far more than an inlined request
 * (the thread hop, and a worker whose code is never hot): one per 100 ms still cost ≈ 1.9 µs of CPU per request
 * at 34,000 requests/s (1-row XGBoost); one a second costs ≈ 0.2 µs.
 */
const SAMPLE_INTERVAL_MS = 1000;

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

  /** Requests answered in the HTTP thread so far. */
  get inlined(): number {
    return this.#inlined;
  }

  #route(body: Uint8Array): "inline" | "pool" | "sample" {
    if (body.byteLength > this.policy.maxBytes) return "pool";
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
  ): InvocationResponse | Promise<InvocationResponse> {
    const route = this.pool.info.isStreamable ? "pool" : this.#route(body);
    if (route === "inline") return this.#inline(() => this.local.invoke(body, contentType, sink));
    const result = this.pool.invoke(body, contentType, sink, signal);
    return route === "sample" ? result.then((r) => this.#record(r)) : result;
  }

  v2Infer(body: Uint8Array, signal: () => AbortSignal): InvocationResponse | Promise<InvocationResponse> {
    const route = this.#route(body);
    if (route === "inline") return this.#inline(() => this.local.v2Infer(body));
    const result = this.pool.v2Infer(body, signal);
    return route === "sample" ? result.then((r) => this.#record(r)) : result;
  }

  async close(): Promise<void> {
    await Promise.all([this.pool.close(), this.local.close()]);
  }
}
