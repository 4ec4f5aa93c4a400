import { Worker } from "node:worker_threads";
import { type GenericForest, genericKernel, genericLeaf } from "./generic.js";
import { findLeafCat, heapKernel, marginKernel, marginKernelCat } from "./kernels.js";
import type { Forest, HeapForest } from "./layout.js";
import {
  type CompiledForestModule,
  instantiateWasmForest,
  type WasmForestImage,
  wasmMargins,
} from "./wasm-forest.js";

/** Work for one worker: rows [rowStart, rowEnd) of the shared input, written into the shared output. */
export interface Job {
  X: Float32Array | Float64Array;
  nCols: number;
  rowStart: number;
  rowEnd: number;
  treeStart: number;
  treeEnd: number;
  out: Float32Array | Float64Array;
  nGroups: number;
}

export interface PoolModel {
  forest: Forest | null;
  heap: HeapForest | null;
  wasm: { module: CompiledForestModule; image: WasmForestImage } | null;
  generic: GenericForest | null;
}

// The worker gets the kernels' source text, so it runs exactly the code the main thread runs.
const WORKER_SOURCE = `
"use strict";
const { parentPort, workerData } = require("node:worker_threads");
${marginKernel.toString()}
${findLeafCat.toString()}
${marginKernelCat.toString()}
${genericLeaf.toString()}
${genericKernel.toString()}
${heapKernel.toString()}
${instantiateWasmForest.toString()}
${wasmMargins.toString()}
const model = workerData;
const wasm = model.wasm === null ? null : instantiateWasmForest(model.wasm.module, model.wasm.image);
parentPort.on("message", (job) => {
  try {
    const fo = model.forest;
    const h = model.heap;
    if (wasm !== null) {
      wasmMargins(wasm, job.X, job.rowStart, job.rowEnd, job.treeStart, job.treeEnd, job.out, job.nGroups);
    } else if (h !== null && fo !== null) {
      heapKernel(h.feat, h.thr, h.missRight, h.leaf, h.nodeBase, h.leafBase, h.depth, fo.treeGroup, fo.treeWeight,
        job.X, job.nCols, job.rowStart, job.rowEnd, job.treeStart, job.treeEnd, job.out, job.nGroups);
    } else if (model.generic !== null) {
      genericKernel(model.generic, job.X, job.nCols, job.rowStart, job.rowEnd, job.treeStart, job.treeEnd, job.out,
        job.nGroups);
    } else if (fo.hasCategorical) {
      marginKernelCat(fo.I, fo.F, fo.roots, fo.treeGroup, fo.treeWeight, job.X, job.nCols, job.rowStart, job.rowEnd,
        job.treeStart, job.treeEnd, job.out, job.nGroups, fo.catStart, fo.catWords, fo.catBits);
    } else {
      marginKernel(fo.I, fo.F, fo.roots, fo.treeGroup, fo.treeWeight, job.X, job.nCols, job.rowStart, job.rowEnd,
        job.treeStart, job.treeEnd, job.out, job.nGroups);
    }
    parentPort.postMessage({ ok: true });
  } catch (e) {
    parentPort.postMessage({ ok: false, message: String(e && e.message || e) });
  }
});
`;

/**
 * A fixed set of worker threads that hold the model's flattened arrays (shared memory, sent once
 * at start) and compute margins for row ranges of a shared input matrix.
 */
export class WorkerPool {
  readonly size: number;
  readonly #workers: Worker[] = [];
  #closed = false;
  #tail: Promise<void> = Promise.resolve();

  constructor(model: PoolModel, size: number) {
    this.size = size;
    for (let i = 0; i < size; i++) {
      const w = new Worker(WORKER_SOURCE, { eval: true, workerData: model });
      w.unref();
      this.#workers.push(w);
    }
  }

  /** Runs up to `size` jobs at once (one per worker); calls are serialized. */
  run(jobs: Job[]): Promise<void> {
    if (this.#closed) return Promise.reject(new Error("worker pool is closed"));
    if (jobs.length > this.size) return Promise.reject(new Error("more jobs than workers"));
    const next = this.#tail.then(() => this.#runNow(jobs));
    this.#tail = next.catch(() => undefined);
    return next;
  }

  #runNow(jobs: Job[]): Promise<void> {
    return Promise.all(
      jobs.map(
        (job, i) =>
          new Promise<void>((resolve, reject) => {
            const w = this.#workers[i % this.#workers.length]!;
            const onMessage = (msg: { ok: boolean; message?: string }) => {
              w.off("error", onError);
              if (msg.ok) resolve();
              else reject(new Error(msg.message));
            };
            const onError = (err: Error) => {
              w.off("message", onMessage);
              reject(err);
            };
            w.once("message", onMessage);
            w.once("error", onError);
            w.postMessage(job);
          }),
      ),
    ).then(() => undefined);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }
}
