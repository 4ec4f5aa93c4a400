import type { ResourceLimits } from "node:worker_threads";
import type { PyFuncModel } from "../model/pyfunc-model.js";

/** The task that asks a worker for its PoolInfo. */
export const INFO_TASK = "@pyfunc/core/scoring:info";

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
}

export interface PoolRunOptions {
  /** The task's size in bytes (for the lanes). */
  size?: number;
  /** Aborting drops a queued task, or ends the worker running it (the pool starts another). */
  signal?: AbortSignal;
  transferList?: readonly unknown[];
}
