import { fileURLToPath } from "node:url";
import { Piscina } from "piscina";
import { type GenericForest, genericKernel, genericLeaf } from "./generic.js";
import { findLeafCat, heapKernel, marginKernel, marginKernelCat } from "./kernels.js";
import type { Forest, HeapForest } from "./layout.js";
import {
  type CompiledForestModule,
  instantiateWasmForest,
  type WasmForestImage,
  wasmMargins,
} from "./wasm-forest.js";

/** Work for one task: rows [rowStart, rowEnd) of the shared input, added into the shared output. */
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

// The kernels as source text, so workers run exactly the code the main thread runs (they are self-contained:
// no imports, no closures). The text returns a function from the model to a job runner.
const KERNEL_SOURCE = `
"use strict";
${marginKernel.toString()}
${findLeafCat.toString()}
${marginKernelCat.toString()}
${heapKernel.toString()}
${genericLeaf.toString()}
${genericKernel.toString()}
${instantiateWasmForest.toString()}
${wasmMargins.toString()}
return (model) => {
  const wasm = model.wasm === null ? null : instantiateWasmForest(model.wasm.module, model.wasm.image);
  const fo = model.forest;
  const h = model.heap;
  return (job) => {
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
  };
};
`;

/** The worker file (plain CommonJS, the same path from src/ and dist/). */
const WORKER_FILE = fileURLToPath(new URL("../worker/forest-worker.cjs", import.meta.url));

/**
 * A piscina pool of `size` threads that hold one model's layout (shared memory and the compiled wasm module,
 * sent once when each thread starts) and add tree sums for row ranges of a shared input into a shared output.
 * Idle threads do not keep the process alive.
 */
export class WorkerPool {
  readonly size: number;
  readonly #pool: Piscina;

  constructor(model: PoolModel, size: number) {
    this.size = size;
    this.#pool = new Piscina({
      filename: WORKER_FILE,
      workerData: { source: KERNEL_SOURCE, model },
      minThreads: size,
      maxThreads: size,
      idleTimeout: Number.POSITIVE_INFINITY,
      concurrentTasksPerWorker: 1,
    });
  }

  /** Runs the jobs (each writes its own rows of its output), resolving when all are done. */
  async run(jobs: Job[]): Promise<void> {
    await Promise.all(jobs.map((job) => this.#pool.run(job)));
  }

  async close(): Promise<void> {
    await this.#pool.destroy();
  }
}

/**
 * The worker-thread count a flavor reads from its environment variable (`PYFUNC_XGBOOST_WORKERS=n` …): n when it
 * is a whole number above 1 (at most 64), else 0, meaning predict on the calling thread.
 */
export function workerCountFromEnv(variable: string): number {
  const v = Number(process.env[variable] ?? 0);
  return Number.isSafeInteger(v) && v > 1 ? Math.min(v, 64) : 0;
}
