/**
 * Adaptive batching for the scoring server (`--max-batch-size N --max-batch-delay-ms D`, off by default): the
 * model the HTTP thread predicts with is wrapped in core's AdaptiveBatcher, so concurrent requests with
 * compatible inputs are merged into one call (see @pyfunc/core/scoring's batcher for the rules). Each request
 * is validated alone first, through PyFuncModel.validate (a bad one gets its own 400); the deadline plugin's
 * timeout still holds for a request waiting in a batch. Batch sizes and queue delays are Prometheus metrics.
 */
import type { Params, PyFuncInput, PyFuncOutput } from "@pyfunc/core";
import { AdaptiveBatcher, type BatchingOptions, type BatchReport } from "@pyfunc/core/scoring";
import { Counter, Histogram, type Registry } from "prom-client";
import type { ServableModel } from "../model-types.js";

export type { BatchingOptions };

/** The server options that turn batching on (both from `pyfunc serve` flags or their environment variables). */
export interface BatchingServerOptions {
  /** Most rows in one merged call; batching is on when this is 2 or more and `maxBatchDelayMs` is set. */
  maxBatchSize?: number;
  /**
   * Longest a request waits for a busy model (one batch in flight) before its batch goes anyway, in ms (default
   * 5 when `maxBatchSize` is set). An idle model takes a batch at the end of the event-loop turn, without waiting.
   */
  maxBatchDelayMs?: number;
}

export const DEFAULT_MAX_BATCH_DELAY_MS = 5;

/** The batching a server runs with, or undefined when it is off. Throws RangeError for invalid values. */
export function batchingOptionsOf(options: BatchingServerOptions): BatchingOptions | undefined {
  const size = options.maxBatchSize;
  if (size === undefined || size <= 1) {
    if (size !== undefined && !(Number.isSafeInteger(size) && size >= 0)) {
      throw new RangeError(`maxBatchSize must be a whole number, got ${size}`);
    }
    return undefined;
  }
  if (!Number.isSafeInteger(size)) throw new RangeError(`maxBatchSize must be a whole number, got ${size}`);
  const delay = options.maxBatchDelayMs ?? DEFAULT_MAX_BATCH_DELAY_MS;
  if (!Number.isFinite(delay) || delay < 0) {
    throw new RangeError(`maxBatchDelayMs must be a number of milliseconds ≥ 0, got ${delay}`);
  }
  return { maxBatchSize: size, maxDelayMs: delay };
}

const SIZE_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];
const DELAY_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1, 0.25, 1,
];

/** The batching metric families (created unregistered: the server's registry is made after the engine). */
export class BatchingMetrics {
  readonly requests = new Histogram({
    name: "pyfunc_batch_requests",
    help: "Requests merged into one model call by adaptive batching",
    buckets: SIZE_BUCKETS,
    registers: [],
  });
  readonly rows = new Histogram({
    name: "pyfunc_batch_rows",
    help: "Rows (first-dimension entries) of the merged input of one model call",
    buckets: SIZE_BUCKETS,
    registers: [],
  });
  readonly queueDelay = new Histogram({
    name: "pyfunc_batch_queue_delay_seconds",
    help: "Time a request waited in the batching queue before its batch was released",
    buckets: DELAY_BUCKETS,
    registers: [],
  });
  readonly released = new Counter({
    name: "pyfunc_batch_released_total",
    help: "Batches released, by trigger: size (full), idle (the model had no call in flight), delay (the model was busy for the longest delay), close",
    labelNames: ["trigger"] as const,
    registers: [],
  });
  readonly retries = new Counter({
    name: "pyfunc_batch_retries_total",
    help: "Batches whose merged call failed (or whose output could not be split) and were predicted one request at a time",
    registers: [],
  });

  record(report: BatchReport): void {
    this.requests.observe(report.requests);
    this.rows.observe(report.rows);
    this.released.inc({ trigger: report.trigger });
    for (const ms of report.queueDelaysMs) this.queueDelay.observe(ms / 1000);
    if (report.retriedIndividually) this.retries.inc();
  }

  register(registry: Registry): void {
    for (const m of [this.requests, this.rows, this.queueDelay, this.released, this.retries])
      registry.registerMetric(m);
  }
}

/** A model with core's PyFuncModel.validate (per-request enforcement without predicting). */
type Validating = ServableModel & { validate?(input: PyFuncInput, params?: Params): void };

/** `model` behind an AdaptiveBatcher: predict/predictEager batch, everything else is the model's own. */
export function withBatching(
  model: ServableModel,
  options: BatchingOptions,
  metrics: BatchingMetrics,
): ServableModel {
  const m = model as Validating;
  const batcher = new AdaptiveBatcher(
    {
      predict: (input, params) =>
        m.predictEager !== undefined ? m.predictEager(input, params) : m.predict(input, params),
      ...(typeof m.validate === "function"
        ? { validate: (input: PyFuncInput, params?: Params) => m.validate?.(input, params) }
        : {}),
    },
    options,
    (report) => metrics.record(report),
  );
  const predictEager = (input: PyFuncInput, params?: Params): PyFuncOutput | Promise<PyFuncOutput> =>
    batcher.predict(input, params);
  const wrapped: ServableModel = {
    predictEager,
    predict(input, params) {
      try {
        return Promise.resolve(batcher.predict(input, params));
      } catch (error) {
        return Promise.reject(error);
      }
    },
    get isStreamable() {
      return model.isStreamable;
    },
    get loaderModule() {
      return model.loaderModule;
    },
    get modelDir() {
      return model.modelDir;
    },
    get metadata() {
      return model.metadata;
    },
    ...(model.predictStream !== undefined
      ? { predictStream: (input: PyFuncInput, params?: Params) => model.predictStream!(input, params) }
      : {}),
    async close() {
      await batcher.close();
      await model.close?.();
    },
  };
  return wrapped;
}
