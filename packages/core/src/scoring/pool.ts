import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Piscina } from "piscina";
import type { ErrorCode } from "../errors/error-codes.js";
import { MlflowException } from "../errors/mlflow-exception.js";
import { flavorModuleUrls } from "../flavor/discovery.js";
import { defaultFlavorRegistry } from "../flavor/registry.js";
import {
  ABANDONED,
  INFO_TASK,
  type PoolInfo,
  type PoolRunOptions,
  type PoolTaskEnvelope,
  type PoolTaskResult,
  type PoolWorkerInit,
  type ScoringPoolOptions,
  SLOT_CANCELLED,
  SLOT_QUEUED,
  type WorkerLoadFailure,
} from "./types.js";

const DEFAULT_BIG_TASK_BYTES = 64 * 1024;
const DEFAULT_OLD_GENERATION_MB = 2048;
/** How long one small task keeps a thread reserved for small tasks. */
const SMALL_TASK_MEMORY_MS = 1000;
const DEFAULT_ABANDON_GRACE_MS = 1000;
/** Tasks in flight that can tell "started" from "queued" (beyond them, an abandoned task gets the grace). */
const TASK_SLOTS = 4096;

/** The compiled worker file next to this one (tests running from src/ use the build output). */
function workerFile(): string {
  const direct = fileURLToPath(new URL("./worker.js", import.meta.url));
  if (existsSync(direct)) return direct;
  return fileURLToPath(new URL("../../dist/scoring/worker.js", import.meta.url));
}

/** Why a task did not get its answer from the handler. */
export class PoolTaskError extends Error {
  constructor(
    message: string,
    /** "aborted": the caller's signal fired; "worker-died": the thread crashed, exited or ran out of memory. */
    readonly reason: "aborted" | "worker-died" | "closed",
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "PoolTaskError";
  }
}

interface BigTask {
  task: unknown;
  options: PoolRunOptions;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  onAbort?: () => void;
}

/**
 * Worker threads that each load their own copy of a model and answer tasks through a handler module: the
 * one pool of this repo (the scoring server's workers and `pyfunc predict --workers`). Built on piscina
 * (loaded when the first pool is created). A worker that crashes, calls `process.exit`, runs out of memory
 * (`resourceLimits`) or is ended because its task was aborted is replaced, and only its task fails.
 * Two lanes: while small tasks keep coming (one in the last second), tasks over `bigTaskBytes` run at most
 * `threads - 1` at once, so small ones never wait behind them; with only big tasks, they use every thread.
 */
export class ScoringPool {
  readonly #pool: Piscina;
  readonly #bigLimit: number;
  readonly #bigBytes: number;
  readonly #bigWaiting: BigTask[] = [];
  #bigRunning = 0;
  /** When the last small task was submitted: the reservation for small tasks holds while they keep coming. */
  #lastSmall = Number.NEGATIVE_INFINITY;
  #created = 0;
  #closed = false;
  /** Abandoned tasks still in piscina's queue (each is skipped by the worker that takes it). */
  #cancelledWaiting = 0;
  /** Abandoned running tasks in their grace: ended at once when the pool closes. */
  readonly #inGrace = new Set<() => void>();
  readonly #graceMs: number;
  /** Set to 1 by a worker when it starts the task of that slot. */
  readonly #started: Int32Array;
  readonly #freeSlots: number[];

  private constructor(
    pool: Piscina,
    readonly info: PoolInfo,
    readonly threads: number,
    bigBytes: number,
    started: SharedArrayBuffer,
    graceMs: number,
  ) {
    this.#pool = pool;
    this.#bigBytes = bigBytes;
    this.#started = new Int32Array(started);
    this.#freeSlots = Array.from({ length: TASK_SLOTS }, (_, i) => TASK_SLOTS - 1 - i);
    this.#graceMs = graceMs;
    this.#bigLimit = Math.max(1, threads - 1);
    this.#created = threads;
    pool.on("workerCreate", () => {
      this.#created++;
    });
  }

  /** Start the threads and wait until the model has loaded (a load failure rejects with its MlflowException). */
  static async create(options: ScoringPoolOptions): Promise<ScoringPool> {
    const threads = Math.max(1, Math.floor(options.threads));
    const { Piscina } = await import("piscina");
    const started = new SharedArrayBuffer(TASK_SLOTS * Int32Array.BYTES_PER_ELEMENT);
    const workerData: PoolWorkerInit = {
      started,
      modelUri: options.modelUri,
      flavorModules: options.flavorModules ?? flavorModuleUrls(defaultFlavorRegistry),
      handler: options.handler,
      handlerData: options.handlerData,
      ...(options.modelConfig !== undefined ? { modelConfig: options.modelConfig } : {}),
    };
    const pool = new Piscina({
      filename: workerFile(),
      workerData,
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: Number.POSITIVE_INFINITY,
      concurrentTasksPerWorker: 1,
      resourceLimits: { maxOldGenerationSizeMb: DEFAULT_OLD_GENERATION_MB, ...options.resourceLimits },
    });
    // a stray worker error (outside any task) must never take the parent down
    pool.on("error", (error: unknown) => {
      process.emitWarning(`worker pool error: ${error instanceof Error ? error.message : String(error)}`);
    });
    try {
      const answer = (await pool.run(INFO_TASK)) as PoolInfo | WorkerLoadFailure;
      if ("loadError" in answer) {
        const { message, errorCode, errorClass } = answer.loadError;
        throw new MlflowException(message, (errorCode ?? "INTERNAL_ERROR") as ErrorCode, {
          ...(errorClass !== undefined ? { errorClass } : {}),
        });
      }
      return new ScoringPool(
        pool,
        answer,
        threads,
        options.bigTaskBytes ?? DEFAULT_BIG_TASK_BYTES,
        started,
        options.abandonGraceMs ?? DEFAULT_ABANDON_GRACE_MS,
      );
    } catch (error) {
      await pool.destroy();
      throw error;
    }
  }

  /** Tasks waiting for a thread (both lanes). */
  get queued(): number {
    return Math.max(0, this.#pool.queueSize - this.#cancelledWaiting) + this.#bigWaiting.length;
  }

  /** Threads started to replace ones that ended (crash, exit, out of memory, abort). */
  get restarts(): number {
    return this.#created - this.threads;
  }

  /** Run one task; resolves to the handler's result with the warnings it emitted and its compute time. */
  run<R = unknown>(task: unknown, options: PoolRunOptions = {}): Promise<PoolTaskResult<R>> {
    if (this.#closed) return Promise.reject(new PoolTaskError("The worker pool is closed", "closed"));
    if (options.signal?.aborted) return Promise.reject(abortError());
    if ((options.size ?? 0) <= this.#bigBytes) {
      this.#lastSmall = performance.now();
      return this.#start(task, options) as Promise<PoolTaskResult<R>>;
    }
    if (this.#bigRunning < this.#bigLimitNow())
      return this.#startBig(task, options) as Promise<PoolTaskResult<R>>;
    return new Promise<unknown>((resolve, reject) => {
      const entry: BigTask = { task, options, resolve, reject };
      if (options.signal !== undefined) {
        entry.onAbort = () => {
          const at = this.#bigWaiting.indexOf(entry);
          if (at >= 0) this.#bigWaiting.splice(at, 1);
          reject(abortError());
        };
        options.signal.addEventListener("abort", entry.onAbort, { once: true });
      }
      this.#bigWaiting.push(entry);
    }) as Promise<PoolTaskResult<R>>;
  }

  /** Every thread for big tasks when no small one came in the last second, else all but one. */
  #bigLimitNow(): number {
    return performance.now() - this.#lastSmall < SMALL_TASK_MEMORY_MS ? this.#bigLimit : this.threads;
  }

  #startBig(task: unknown, options: PoolRunOptions): Promise<unknown> {
    this.#bigRunning++;
    const running = this.#start(task, options);
    const next = () => {
      this.#bigRunning--;
      if (this.#bigRunning >= this.#bigLimitNow()) return;
      const waiting = this.#bigWaiting.shift();
      if (waiting === undefined) return;
      if (waiting.onAbort !== undefined)
        waiting.options.signal?.removeEventListener("abort", waiting.onAbort);
      this.#startBig(waiting.task, waiting.options).then(waiting.resolve, waiting.reject);
    };
    running.then(next, next);
    return running;
  }

  #start(task: unknown, options: PoolRunOptions): Promise<unknown> {
    const runOptions: Record<string, unknown> = {};
    if (options.transferList !== undefined) runOptions.transferList = options.transferList;
    const caller = options.signal;
    if (caller === undefined) return this.#settle(this.#pool.run({ task, slot: -1 }, runOptions), options);
    // piscina gets a signal of the pool's own, so that an abandoned task that is already running can be
    // given its grace before piscina ends the thread
    const slot = this.#freeSlots.pop() ?? -1;
    if (slot >= 0) Atomics.store(this.#started, slot, SLOT_QUEUED);
    const internal = new TaskSignal();
    runOptions.signal = internal;
    const envelope: PoolTaskEnvelope = { task, slot };
    let grace: NodeJS.Timeout | undefined;
    const endNow = () => {
      clearTimeout(grace);
      this.#inGrace.delete(endNow);
      internal.abort(ABANDONED);
    };
    let done = false;
    let cancelledWhileQueued = false;
    const running = (this.#pool.run(envelope, runOptions) as Promise<unknown>).finally(() => {
      done = true;
      clearTimeout(grace);
      this.#inGrace.delete(endNow);
      caller.removeEventListener("abort", onAbort);
      if (cancelledWhileQueued) this.#cancelledWaiting--;
      if (slot >= 0) this.#freeSlots.push(slot);
    });
    let rejectNow!: (error: unknown) => void;
    const abandoned = new Promise<never>((_, reject) => {
      rejectNow = reject;
    });
    const onAbort = () => {
      if (done) return;
      if (caller.reason !== ABANDONED) {
        internal.abort(caller.reason);
        return;
      }
      // the caller stops waiting now. Not started yet: marked so that the worker skips it on arrival (no race
      // with piscina handing it to a worker, which would end that thread). Running: its thread is ended only
      // if it is still running after the grace.
      if (
        slot >= 0 &&
        Atomics.compareExchange(this.#started, slot, SLOT_QUEUED, SLOT_CANCELLED) === SLOT_QUEUED
      ) {
        cancelledWhileQueued = true;
        this.#cancelledWaiting++;
      } else {
        grace = setTimeout(endNow, this.#graceMs);
        this.#inGrace.add(endNow);
      }
      running.catch(() => undefined);
      rejectNow(abortError());
    };
    caller.addEventListener("abort", onAbort, { once: true });
    return Promise.race([this.#settle(running, options), abandoned]);
  }

  /** The handler's answer, or why there is none (a load failure, an abort, a thread that died). */
  #settle(run: Promise<unknown>, options: PoolRunOptions): Promise<unknown> {
    return run.then(
      (answer) => {
        if (answer !== null && typeof answer === "object" && "loadError" in answer) {
          const failure = (answer as WorkerLoadFailure).loadError;
          throw new PoolTaskError(`The model failed to load: ${failure.message}`, "worker-died");
        }
        return answer;
      },
      (error: unknown) => {
        if ((error as { name?: unknown } | null)?.name === "AbortError" || options.signal?.aborted)
          throw abortError(error);
        throw new PoolTaskError(
          `The worker thread died: ${error instanceof Error ? error.message : String(error)}`,
          "worker-died",
          { cause: error },
        );
      },
    );
  }

  /** Let running tasks finish (native sessions must not be torn down mid-run), then stop the threads. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const waiting of this.#bigWaiting.splice(0))
      waiting.reject(new PoolTaskError("The worker pool is closed", "closed"));
    // nobody waits for an abandoned task: closing does not wait out its grace
    for (const endNow of [...this.#inGrace]) endNow();
    await this.#pool.close();
  }
}

/**
 * The signal piscina gets for a task: piscina takes an EventEmitter-like `{ aborted, reason, once,
 * removeListener }` as well as an AbortSignal, and this one costs a field write where an AbortController costs
 * ≈4 µs to create (a tenth of a one-row request's whole CPU time on the pool path).
 */
class TaskSignal {
  aborted = false;
  reason: unknown;
  #listener: (() => void) | undefined;

  once(_event: "abort", listener: () => void): void {
    this.#listener = listener;
  }

  removeListener(_event: "abort", _listener: () => void): void {
    this.#listener = undefined;
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listener = this.#listener;
    this.#listener = undefined;
    listener?.();
  }
}

function abortError(cause?: unknown): PoolTaskError {
  return new PoolTaskError("The task was aborted", "aborted", cause === undefined ? undefined : { cause });
}
