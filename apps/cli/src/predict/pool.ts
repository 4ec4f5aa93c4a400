import { Worker } from "node:worker_threads";
import type { Params } from "@pyfunc/core";
import { CliError, deserializeCliError, type SerializedCliError } from "../errors.js";
import { EXIT_CODES } from "../exit-codes.js";

export interface WorkerInit {
  modelUri: string;
  params: Params | undefined;
  plugins: string[];
  modelConfig: Record<string, unknown> | undefined;
}

export type WorkerRequest =
  | { type: "predict"; id: number; body: Uint8Array; contentType: string }
  | { type: "close"; id: number };

export type WorkerReply =
  | { type: "ready"; id: number }
  | { type: "result"; id: number; json: string }
  | { type: "error"; id: number; error: SerializedCliError };

interface Slot {
  worker: Worker;
  busy: boolean;
}

interface Job {
  id: number;
  body: Uint8Array;
  contentType: string;
  resolve: (json: string) => void;
  reject: (e: CliError) => void;
}

/** A fixed set of worker threads, each with its own copy of the model; jobs go to the next idle worker. */
export class WorkerPool {
  readonly #slots: Slot[];
  readonly #queue: Job[] = [];
  readonly #pending = new Map<number, { job: Job; slot: Slot }>();
  #nextId = 0;
  #fatal: CliError | undefined;

  private constructor(slots: Slot[]) {
    this.#slots = slots;
    for (const slot of slots) {
      slot.worker.on("message", (msg: WorkerReply) => this.#onReply(slot, msg));
      slot.worker.on("error", (e: Error) =>
        this.#fail(new CliError(`Worker crashed: ${e.message}`, EXIT_CODES.INTERNAL)),
      );
      slot.worker.on("exit", (code) => {
        if (this.#pending.size > 0 || code !== 0) {
          this.#fail(new CliError(`Worker exited unexpectedly (code ${code}).`, EXIT_CODES.INTERNAL));
        }
      });
    }
  }

  static async start(count: number, init: WorkerInit): Promise<WorkerPool> {
    const url = new URL("./worker.js", import.meta.url);
    const workers = Array.from({ length: count }, () => new Worker(url, { workerData: init }));
    const ready = workers.map(
      (w) =>
        new Promise<void>((resolve, reject) => {
          const onMessage = (msg: WorkerReply) => {
            if (msg.type === "ready") {
              w.off("message", onMessage);
              resolve();
            } else if (msg.type === "error" && msg.id === -1) {
              w.off("message", onMessage);
              reject(deserializeCliError(msg.error));
            }
          };
          w.on("message", onMessage);
          w.once("error", (e) =>
            reject(new CliError(`Worker failed to start: ${e.message}`, EXIT_CODES.INTERNAL)),
          );
        }),
    );
    try {
      await Promise.all(ready);
    } catch (error) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw error;
    }
    return new WorkerPool(workers.map((worker) => ({ worker, busy: false })));
  }

  submit(body: Uint8Array, contentType: string): Promise<string> {
    if (this.#fatal) return Promise.reject(this.#fatal);
    return new Promise<string>((resolve, reject) => {
      this.#queue.push({ id: this.#nextId++, body, contentType, resolve, reject });
      this.#dispatch();
    });
  }

  #dispatch(): void {
    for (const slot of this.#slots) {
      if (this.#queue.length === 0) return;
      if (slot.busy) continue;
      const job = this.#queue.shift()!;
      slot.busy = true;
      this.#pending.set(job.id, { job, slot });
      slot.worker.postMessage({
        type: "predict",
        id: job.id,
        body: job.body,
        contentType: job.contentType,
      } satisfies WorkerRequest);
    }
  }

  #onReply(slot: Slot, msg: WorkerReply): void {
    const entry = this.#pending.get(msg.id);
    if (!entry) return;
    this.#pending.delete(msg.id);
    slot.busy = false;
    if (msg.type === "result") entry.job.resolve(msg.json);
    else if (msg.type === "error") entry.job.reject(deserializeCliError(msg.error));
    this.#dispatch();
  }

  #fail(error: CliError): void {
    if (this.#fatal) return;
    this.#fatal = error;
    for (const { job } of this.#pending.values()) job.reject(error);
    for (const job of this.#queue) job.reject(error);
    this.#pending.clear();
    this.#queue.length = 0;
  }

  async close(): Promise<void> {
    this.#fatal ??= new CliError("Worker pool closed.", EXIT_CODES.INTERNAL);
    await Promise.all(
      this.#slots.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.worker.once("exit", () => resolve());
            s.worker.postMessage({ type: "close", id: -1 } satisfies WorkerRequest);
            setTimeout(() => void s.worker.terminate(), 2000).unref();
          }),
      ),
    );
  }
}
