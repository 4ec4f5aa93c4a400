/**
 * A scoring pool's worker thread (run by piscina): imports the flavor modules the parent registered, loads
 * the model once through `loadModel`, then hands each task to the caller's handler module. Model code runs
 * here, never in the parent's thread; a crash, `process.exit`, an endless loop or running out of memory ends
 * this thread only, and the pool starts another.
 */
import { workerData } from "node:worker_threads";
import { registerModuleExports } from "../flavor/discovery.js";
import { defaultFlavorRegistry } from "../flavor/registry.js";
import { loadModel } from "../model/load-model.js";
import type { PyFuncModel } from "../model/pyfunc-model.js";
import {
  INFO_TASK,
  type PoolInfo,
  type PoolTaskEnvelope,
  type PoolTaskResult,
  type PoolWorkerInit,
  type ScoringHandler,
  type ScoringHandlerModule,
  SKIPPED,
  SLOT_CANCELLED,
  SLOT_QUEUED,
  SLOT_STARTED,
  type WorkerLoadFailure,
} from "./types.js";

const init = workerData as PoolWorkerInit;
const started = new Int32Array(init.started);
let collected: string[] = [];

let handler: ScoringHandler | undefined;
let info: PoolInfo | undefined;
let failure: WorkerLoadFailure | undefined;
try {
  for (const url of init.flavorModules) {
    registerModuleExports((await import(url)) as Record<string, unknown>, defaultFlavorRegistry, url);
  }
  const model: PyFuncModel = await loadModel(init.modelUri, {
    ...(init.modelConfig !== undefined ? { modelConfig: init.modelConfig } : {}),
    onWarning: (message) => {
      collected.push(message);
    },
  });
  const mod = (await import(init.handler)) as ScoringHandlerModule;
  handler = await mod.createHandler(model, init.handlerData);
  info = {
    safeInThread: defaultFlavorRegistry.resolve(model.loaderModule)?.safeInThread === true,
    modelDir: model.modelDir,
    loaderModule: model.loaderModule,
    handlerInfo: handler.info === undefined ? undefined : await handler.info(),
    loadWarnings: collected,
  };
} catch (error) {
  const e = error as { message?: unknown; errorCode?: unknown; errorClass?: unknown } | null;
  failure = {
    loadError: {
      message: typeof e?.message === "string" ? e.message : String(error),
      ...(typeof e?.errorCode === "string" ? { errorCode: e.errorCode } : {}),
      ...(typeof e?.errorClass === "string" ? { errorClass: e.errorClass } : {}),
    },
  };
}

export default async function run(
  envelope: PoolTaskEnvelope | typeof INFO_TASK,
): Promise<PoolTaskResult | PoolInfo | WorkerLoadFailure | typeof SKIPPED> {
  if (envelope === INFO_TASK) return info ?? (failure as WorkerLoadFailure);
  const { task, slot } = envelope;
  // tells the parent this task is running, not queued (an abandoned running task gets a grace period), or
  // finds that its caller gave up while it waited
  if (slot >= 0 && Atomics.compareExchange(started, slot, SLOT_QUEUED, SLOT_STARTED) === SLOT_CANCELLED)
    return SKIPPED;
  if (handler === undefined) return failure as WorkerLoadFailure;
  collected = [];
  const start = performance.now();
  const result = await handler.handle(task);
  return { result, warnings: collected, computeMs: performance.now() - start };
}
