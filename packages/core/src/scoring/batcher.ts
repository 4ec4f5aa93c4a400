/**
 * Adaptive batching (MLServer's `max_batch_size` / `max_batch_time`, Triton's dynamic batcher with
 * `max_queue_delay_microseconds`): concurrent predictions with compatible inputs are merged along the first
 * dimension, predicted in one call and split back, each caller getting its own rows in order.
 *
 * - Compatible: the same kind of input (DataFrame, tensor, dict of tensors), the same column / tensor names in
 *   the same order, the same dtypes, the same trailing dimensions, and the same params.
 * - Each input is validated alone first (`validate`, signature enforcement): a request that fails is answered on
 *   its own with its error and never joins a batch.
 * - When a batch is released (the queueing policy of Triton's dynamic batcher, for a model that runs in this
 *   thread): at once when it holds `maxBatchSize` rows (or the next request would overflow it); when the model
 *   is idle (no call of this batcher in flight), at the end of the event-loop turn its requests arrived in
 *   (`setImmediate`: every request already received is queued by then, so a busy server forms large batches
 *   and an idle one adds no wait); while the model is busy, when that call settles, or `maxDelayMs` after the
 *   batch's first request, whichever comes first (then calls overlap, for models that predict asynchronously).
 *   `maxDelayMs` bounds the wait for a busy model only as far as the event loop lets timers run: a thread busy
 *   answering the previous batch delays them (the queue-delay metric shows it).
 *   A single input of `maxBatchSize` rows or more is predicted alone at once.
 * - When the merged call throws, or its output cannot be split into the batch's rows, every request of the batch
 *   is predicted again on its own, so each gets exactly the answer (or the error) it would have had unbatched:
 *   one bad row (a value the model itself refuses) never fails its neighbours.
 * - Everything else (lists of records, scalars, strings, sparse matrices …) is predicted directly.
 *
 * The model must treat rows independently (as with any server-side batching): a model whose answer for a row
 * depends on the other rows of its call must not be served with batching.
 */
import { DataFrame } from "../inputs/dataframe.js";
import { isTypedArray, type TypedArray } from "../inputs/dtype.js";
import type { Params, PyFuncInput, PyFuncOutput } from "../inputs/model-input.js";
import { isTensor, type Tensor, type TensorDict } from "../inputs/tensor.js";

export interface BatchingOptions {
  /** Most rows (first-dimension entries) in one merged call (≥ 2 to batch at all). */
  maxBatchSize: number;
  /**
   * Longest a request waits for a busy model (a call of this batcher in flight) before its batch is released
   * anyway, in ms (≥ 0). With an idle model a batch is released at the end of the event-loop turn.
   */
  maxDelayMs: number;
}

/** What one released batch was, for metrics. */
export interface BatchReport {
  /** Requests merged into the call. */
  requests: number;
  /** Rows of the merged input. */
  rows: number;
  /** How long each request waited in the queue, in ms, in arrival order. */
  queueDelaysMs: number[];
  /**
   * Why it was released: `size` (it reached maxBatchSize rows, or the next request would overflow it), `idle`
   * (the model had no call in flight: released at the end of the event-loop turn its requests arrived in),
   * `delay` (the model was busy and the first request had waited maxDelayMs), `close`.
   */
  trigger: "size" | "idle" | "delay" | "close";
  /** The merged call failed (or its output could not be split) and each request was predicted alone. */
  retriedIndividually: boolean;
}

export interface BatchTarget {
  /** The prediction itself (PyFuncModel.predictEager or predict). */
  predict(input: PyFuncInput, params?: Params): PyFuncOutput | Promise<PyFuncOutput>;
  /** Per-request validation before merging (throws the request's own error); default: none. */
  validate?(input: PyFuncInput, params?: Params): void;
}

interface Pending {
  input: PyFuncInput;
  params: Params | undefined;
  rows: number;
  enqueued: number;
  resolve: (out: PyFuncOutput) => void;
  reject: (error: unknown) => void;
}

interface Queue {
  key: string;
  items: Pending[];
  rows: number;
  /** When its first request arrived (performance.now()). */
  first: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** The merge key of an input's structure (undefined: not batchable), and its number of rows. */
export function batchKeyOf(input: PyFuncInput): { key: string; rows: number } | undefined {
  if (input instanceof DataFrame) {
    if (input.numColumns === 0) return undefined;
    let key = "df";
    for (const c of input.columnList) key += `\u0000${c.name}\u0001${c.dtype}\u0001${valuesKind(c.values)}`;
    return { key, rows: input.numRows };
  }
  if (isTensor(input)) {
    const k = tensorKey(input);
    return k === undefined ? undefined : { key: `t${k}`, rows: input.shape[0]! };
  }
  if (typeof input === "object" && input !== null && !Array.isArray(input)) {
    const names = Object.keys(input);
    if (names.length === 0) return undefined;
    let key = "d";
    let rows = -1;
    for (const name of names) {
      const t = (input as Record<string, unknown>)[name];
      if (!isTensor(t)) return undefined;
      const k = tensorKey(t);
      if (k === undefined) return undefined;
      if (rows === -1) rows = t.shape[0]!;
      else if (t.shape[0] !== rows) return undefined;
      key += `\u0000${name}\u0001${k}`;
    }
    return { key, rows };
  }
  return undefined;
}

function valuesKind(v: unknown): string {
  return Array.isArray(v) ? "array" : (v as object).constructor.name;
}

function tensorKey(t: Tensor): string | undefined {
  if (t.shape.length === 0) return undefined;
  const rows = t.shape[0]!;
  let inner = 1;
  for (let i = 1; i < t.shape.length; i++) inner *= t.shape[i]!;
  if (!Number.isSafeInteger(rows) || rows < 0 || t.data.length !== rows * inner) return undefined;
  return `${t.dtype}\u0001${t.shape.slice(1).join(",")}\u0001${valuesKind(t.data)}`;
}

/** Params as part of the key: their JSON (undefined: params JSON cannot express, never merged). */
function paramsKey(params: Params | undefined): string | undefined {
  if (params === undefined || params === null) return "";
  try {
    return JSON.stringify(params, (_k, v: unknown) => {
      if (typeof v === "bigint") throw new Error("bigint");
      if (typeof v === "object" && v !== null && !Array.isArray(v)) {
        // key order does not change what params mean
        return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
      }
      return v;
    });
  } catch {
    return undefined;
  }
}

function concatValues(parts: readonly (TypedArray | unknown[])[]): TypedArray | unknown[] {
  const first = parts[0]!;
  if (!isTypedArray(first)) return ([] as unknown[]).concat(...(parts as unknown[][]));
  let n = 0;
  for (const p of parts) n += p.length;
  const Ctor = first.constructor as new (n: number) => TypedArray;
  const out = new Ctor(n);
  let o = 0;
  for (const p of parts) {
    (out as { set(a: ArrayLike<unknown>, o: number): void }).set(p as ArrayLike<unknown>, o);
    o += p.length;
  }
  return out;
}

function concatTensors(ts: readonly Tensor[]): Tensor {
  let rows = 0;
  for (const t of ts) rows += t.shape[0]!;
  return {
    dtype: ts[0]!.dtype,
    shape: [rows, ...ts[0]!.shape.slice(1)],
    data: concatValues(ts.map((t) => t.data)),
  };
}

/** Inputs of one key merged along the first dimension. */
export function mergeInputs(inputs: readonly PyFuncInput[]): PyFuncInput {
  const first = inputs[0]!;
  if (first instanceof DataFrame) {
    const frames = inputs as DataFrame[];
    return new DataFrame(
      first.columnList.map((c, i) => ({
        name: c.name,
        dtype: c.dtype,
        values: concatValues(frames.map((f) => f.columnList[i]!.values)),
      })),
    );
  }
  if (isTensor(first)) return concatTensors(inputs as Tensor[]);
  const out: TensorDict = {};
  for (const name of Object.keys(first))
    out[name] = concatTensors(inputs.map((d) => (d as TensorDict)[name]!));
  return out;
}

function sliceValues(v: TypedArray | unknown[], start: number, end: number): TypedArray | unknown[] {
  return v.slice(start, end);
}

function rowsOfOutput(out: PyFuncOutput): number | undefined {
  if (out instanceof DataFrame) return out.numRows;
  if (isTensor(out)) {
    if (out.shape.length === 0) return undefined;
    let inner = 1;
    for (let i = 1; i < out.shape.length; i++) inner *= out.shape[i]!;
    return out.data.length === out.shape[0]! * inner ? out.shape[0] : undefined;
  }
  if (Array.isArray(out)) return out.length;
  if (isTypedArray(out)) return (out as TypedArray).length;
  if (typeof out === "object" && out !== null) {
    let rows: number | undefined;
    const values = Object.values(out);
    if (values.length === 0) return undefined;
    for (const v of values) {
      if (!isTensor(v) && !Array.isArray(v) && !isTypedArray(v)) return undefined;
      const r = rowsOfOutput(v as PyFuncOutput);
      if (r === undefined || (rows !== undefined && r !== rows)) return undefined;
      rows = r;
    }
    return rows;
  }
  return undefined;
}

function sliceTensor(t: Tensor, start: number, end: number): Tensor {
  let inner = 1;
  for (let i = 1; i < t.shape.length; i++) inner *= t.shape[i]!;
  return {
    dtype: t.dtype,
    shape: [end - start, ...t.shape.slice(1)],
    data: sliceValues(t.data, start * inner, end * inner),
  };
}

/** Rows [start, end) of a merged output (its form is one rowsOfOutput accepted). */
function sliceOutput(out: PyFuncOutput, start: number, end: number): PyFuncOutput {
  if (out instanceof DataFrame) {
    return new DataFrame(
      out.columnList.map((c) => ({
        name: c.name,
        dtype: c.dtype,
        values: sliceValues(c.values, start, end),
      })),
    );
  }
  if (isTensor(out)) return sliceTensor(out, start, end);
  if (Array.isArray(out) || isTypedArray(out)) return (out as unknown[]).slice(start, end);
  const dict: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(out as Record<string, unknown>)) {
    dict[k] = isTensor(v) ? sliceTensor(v, start, end) : (v as unknown[]).slice(start, end);
  }
  return dict as PyFuncOutput;
}

/** Split a merged output into one output per request (undefined: the output does not have the batch's rows). */
export function splitOutput(out: PyFuncOutput, rows: readonly number[]): PyFuncOutput[] | undefined {
  let total = 0;
  for (const r of rows) total += r;
  if (rowsOfOutput(out) !== total) return undefined;
  const parts: PyFuncOutput[] = [];
  let start = 0;
  for (const r of rows) {
    parts.push(sliceOutput(out, start, start + r));
    start += r;
  }
  return parts;
}

function isPromise<T>(v: unknown): v is Promise<T> {
  return typeof (v as { then?: unknown } | null)?.then === "function";
}

/** Queues compatible predictions and runs them as merged calls (see the module comment). */
export class AdaptiveBatcher {
  readonly #target: BatchTarget;
  readonly #maxBatchSize: number;
  readonly #maxDelayMs: number;
  readonly #onBatch: ((report: BatchReport) => void) | undefined;
  readonly #queues = new Map<string, Queue>();
  readonly #running = new Set<Promise<void>>();
  /** Merged (or single) calls released and not yet settled: the model is busy while this is above 0. */
  #inFlight = 0;
  /** A flush is scheduled for the end of this event-loop turn (setImmediate). */
  #flushScheduled = false;
  readonly #flush = (): void => {
    this.#flushScheduled = false;
    const now = performance.now();
    for (const q of [...this.#queues.values()]) {
      if (this.#inFlight === 0) this.#release(q, "idle");
      else if (now - q.first >= this.#maxDelayMs) this.#release(q, "delay");
      else this.#arm(q, now);
    }
  };
  #closed = false;

  constructor(target: BatchTarget, options: BatchingOptions, onBatch?: (report: BatchReport) => void) {
    if (!Number.isSafeInteger(options.maxBatchSize) || options.maxBatchSize < 1) {
      throw new RangeError(`maxBatchSize must be a positive integer, got ${options.maxBatchSize}`);
    }
    if (!Number.isFinite(options.maxDelayMs) || options.maxDelayMs < 0) {
      throw new RangeError(`maxDelayMs must be a number ≥ 0, got ${options.maxDelayMs}`);
    }
    this.#target = target;
    this.#maxBatchSize = options.maxBatchSize;
    this.#maxDelayMs = options.maxDelayMs;
    this.#onBatch = onBatch;
  }

  /** Requests waiting in a queue now. */
  get queued(): number {
    let n = 0;
    for (const q of this.#queues.values()) n += q.items.length;
    return n;
  }

  /**
   * Predict `input`, merged with concurrent compatible calls. Validation errors are thrown at once (not
   * queued); unbatchable inputs are predicted directly.
   */
  predict(input: PyFuncInput, params?: Params): PyFuncOutput | Promise<PyFuncOutput> {
    this.#target.validate?.(input, params);
    const shape = this.#maxBatchSize > 1 && !this.#closed ? batchKeyOf(input) : undefined;
    const pk = shape === undefined ? undefined : paramsKey(params);
    if (shape === undefined || pk === undefined || shape.rows === 0 || shape.rows >= this.#maxBatchSize) {
      return this.#target.predict(input, params);
    }
    const key = pk === "" ? shape.key : `${shape.key}\u0002${pk}`;
    return new Promise<PyFuncOutput>((resolve, reject) => {
      const now = performance.now();
      let q = this.#queues.get(key);
      // a request that would overflow the waiting batch releases it first
      if (q !== undefined && q.rows + shape.rows > this.#maxBatchSize) {
        this.#release(q, "size");
        q = undefined;
      }
      if (q === undefined) {
        q = { key, items: [], rows: 0, first: now, timer: undefined };
        this.#queues.set(key, q);
      }
      q.items.push({ input, params, rows: shape.rows, enqueued: now, resolve, reject });
      q.rows += shape.rows;
      if (q.rows >= this.#maxBatchSize) this.#release(q, "size");
      else if (this.#inFlight === 0) this.#scheduleFlush();
      // the model is busy: wait for it, at most maxDelayMs (checked here too: a busy loop delays timers)
      else if (now - q.first >= this.#maxDelayMs) this.#scheduleFlush();
      else this.#arm(q, now);
    });
  }

  /** Flush at the end of this event-loop turn, once every request already received has been queued. */
  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(this.#flush);
  }

  /** The queue's delay timer (while the model is busy): releases it maxDelayMs after its first request. */
  #arm(q: Queue, now: number): void {
    if (q.timer !== undefined) return;
    q.timer = setTimeout(
      () => {
        q.timer = undefined;
        if (this.#queues.get(q.key) !== q) return;
        // Node starts a timer from the event loop's cached time, which lags performance.now() after a long
        // turn: the timer can fire before maxDelayMs has passed since the first request. Wait out the rest.
        const at = performance.now();
        if (at - q.first < this.#maxDelayMs) this.#arm(q, at);
        else this.#release(q, "delay");
      },
      Math.max(0, this.#maxDelayMs - (now - q.first)),
    );
  }

  #release(q: Queue, trigger: BatchReport["trigger"]): void {
    if (this.#queues.get(q.key) === q) this.#queues.delete(q.key);
    if (q.timer !== undefined) clearTimeout(q.timer);
    q.timer = undefined;
    if (q.items.length === 0) return;
    this.#inFlight++;
    const run = this.#run(q.items, q.rows, trigger);
    this.#running.add(run);
    const done = (): void => {
      this.#running.delete(run);
      // the model is free again: what queued up while it was busy goes now (as Triton's dynamic batcher
      // takes the queue when a model instance becomes available)
      if (--this.#inFlight === 0 && this.#queues.size > 0)
        for (const waiting of [...this.#queues.values()]) this.#release(waiting, "idle");
    };
    run.then(done, done);
  }

  async #run(items: Pending[], rows: number, trigger: BatchReport["trigger"]): Promise<void> {
    const now = performance.now();
    const queueDelaysMs = items.map((p) => now - p.enqueued);
    let retried = false;
    if (items.length === 1) {
      const p = items[0]!;
      await this.#single(p);
    } else {
      let parts: PyFuncOutput[] | undefined;
      try {
        const merged = mergeInputs(items.map((p) => p.input));
        const out = this.#target.predict(merged, items[0]!.params);
        parts = splitOutput(
          isPromise<PyFuncOutput>(out) ? await out : out,
          items.map((p) => p.rows),
        );
      } catch {
        parts = undefined;
      }
      if (parts === undefined) {
        retried = true;
        for (const p of items) await this.#single(p);
      } else {
        for (let i = 0; i < items.length; i++) items[i]!.resolve(parts[i]);
      }
    }
    try {
      this.#onBatch?.({ requests: items.length, rows, queueDelaysMs, trigger, retriedIndividually: retried });
    } catch {
      // a failing metrics callback must not fail the predictions (they are answered already)
    }
  }

  async #single(p: Pending): Promise<void> {
    try {
      p.resolve(await this.#target.predict(p.input, p.params));
    } catch (error) {
      p.reject(error);
    }
  }

  /** Release every waiting batch now and wait for the running ones; later calls predict directly. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const q of [...this.#queues.values()]) this.#release(q, "close");
    await Promise.allSettled([...this.#running]);
  }
}
