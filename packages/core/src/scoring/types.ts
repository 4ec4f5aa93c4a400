import type { ResourceLimits } from "node:worker_threads";
import type { PyFuncModel } from "../model/pyfunc-model.js";

/** The task that asks a worker for its PoolInfo. */
export const INFO_TASK = "@pyfunc/core/scoring:info";

/**
 * The abort reason of a caller that merely stopped waiting (its client went away), as opposed to a deadline:
 * `controller.abort(ABANDONED)`. A queued task is dropped at once; a running one keeps its thread for
 * `abandonGraceMs`, since ending a thread costs a model load in its replacement.
 */
export const ABANDONED = "@pyfunc/core/scoring:abandoned";

/** A task slot's states: the worker moves QUEUED → STARTED when it takes the task, the parent QUEUED → CANCELLED. */
export const SLOT_QUEUED = 0;
export const SLOT_STARTED = 1;
export const SLOT_CANCELLED = 2;

/** A worker's answer to a task cancelled before it started. */
export const SKIPPED = "@pyfunc/core/scoring:skipped";

/** What the pool hands a worker for each task: the caller's task and the slot the worker marks when it starts. */
export interface PoolTaskEnvelope {
  task: unknown;
  /** Index into `PoolWorkerInit.started` (-1: none). */
  slot: number;
}

/** What a pool worker does with the tasks it is given, created once per thread by the handler module. */
export interface ScoringHandler {
  /** Facts about the loaded model for the parent (structured-cloneable), asked once. */
  info?(): unknown;
  /** Answer one task (structured-cloneable in and out; throwing rejects the task in the parent). */
  handle(task: unknown): unknown;
}

/** The module named by `ScoringPoolOptions.handler`. */
export interface ScoringHandlerModule {
  createHandler(model: PyFuncModel, data: unknown): ScoringHandler | Promise<ScoringHandler>;
}

export interface PoolWorkerInit {
  modelUri: string;
  flavorModules: readonly string[];
  handler: string;
  handlerData: unknown;
  modelConfig?: Record<string, unknown>;
  /** One state per task slot (Int32: SLOT_QUEUED, SLOT_STARTED, SLOT_CANCELLED). */
  started: SharedArrayBuffer;
}

/** A worker's model, described once it has loaded. */
export interface PoolInfo {
  /** The model's flavor declares `safeInThread` (its predict may run in the caller's thread). */
  safeInThread: boolean;
  /** The local model directory the worker loaded (a downloaded copy for remote URIs). */
  modelDir: string;
  loaderModule: string;
  handlerInfo: unknown;
  /** Warnings emitted while loading. */
  loadWarnings: string[];
}

/** A load failure, sent as data (errors lose their class crossing threads). */
export interface WorkerLoadFailure {
  loadError: { message: string; errorCode?: string; errorClass?: string };
}

export interface PoolTaskResult<R = unknown> {
  result: R;
  /** Warnings the model emitted while answering. */
  warnings: string[];
  /** Time the handler took, in ms. */
  computeMs: number;
}

export interface ScoringPoolOptions {
  /** Model directory or URI, loaded in every worker by `loadModel`. */
  modelUri: string;
  /** Worker threads (at least 1), each with its own model copy. */
  threads: number;
  /** URL of the handler module (exports `createHandler(model, data)`). */
  handler: string;
  /** Structured-cloneable data for `createHandler`. */
  handlerData?: unknown;
  /** Flavor modules each worker imports first (default: the modules of every plugin registered here). */
  flavorModules?: readonly string[];
  modelConfig?: Record<string, unknown>;
  /** V8 limits per worker (an out-of-memory worker is replaced; default: 2 GiB old generation). */
  resourceLimits?: ResourceLimits;
  /**
   * Tasks larger than this many bytes take the big lane: while small tasks keep coming (one in the last second)
   * at most `threads - 1` of them run at once (one with one thread), so small tasks have a thread of their own;
   * otherwise big tasks use every thread (default 64 KiB).
   */
  bigTaskBytes?: number;
  /**
   * How long a running task whose caller gave up (aborted with `ABANDONED`) may go on before its thread is
   * ended and replaced (default 1000 ms). Short tasks finish and keep their thread (and its loaded model);
   * an endless or very long one frees the thread after this grace.
   */
  abandonGraceMs?: number;
}

export interface PoolRunOptions {
  /** The task's size in bytes (for the lanes). */
  size?: number;
  /**
   * Aborting drops a queued task, or ends the worker running it (the pool starts another). With `ABANDONED`
   * as the reason, a running task is first given `abandonGraceMs` to finish. Either way the run rejects at once.
   */
  signal?: AbortSignal;
  transferList?: readonly unknown[];
}
