/**
 * Piscina worker: loads the model once when the thread starts, then answers tasks (MLflow invocations,
 * v2 inference, model info). Streamed answers go through a MessagePort passed with the task.
 */
import type { MessagePort } from "node:worker_threads";
import { workerData } from "node:worker_threads";
import {
  describeModel,
  errorResponse,
  handleInvocation,
  type InvocationResponse,
  type StreamSink,
} from "./invocation.js";
import { type LoadOptions, loadServableModel } from "./load.js";
import type { ModelInfo, ServableModel } from "./model-types.js";
import { handleV2Infer } from "./v2.js";

export interface WorkerInit extends LoadOptions {
  exposeStackTraces?: boolean;
  modelName: string;
}

export type WorkerTask =
  | { kind: "info" }
  | { kind: "invoke"; body: Uint8Array; contentType: string | undefined; port?: MessagePort }
  | { kind: "v2"; body: Uint8Array };

export type StreamMessage = { type: "start" } | { type: "event"; data: string } | { type: "end" };

const init = workerData as WorkerInit;
let collected: string[] = [];

/** A load failure, sent back to the main thread as data (errors lose their class crossing threads). */
export interface WorkerLoadError {
  loadError: { message: string; errorCode?: string; errorClass?: string };
}

let model: ServableModel | undefined;
let info: ModelInfo | undefined;
let loadError: WorkerLoadError | undefined;
try {
  model = await loadServableModel({
    ...init,
    onWarning: (message) => {
      collected.push(message);
    },
  });
  info = await describeModel(model);
} catch (error) {
  const e = error as { message?: unknown; errorCode?: unknown; errorClass?: unknown };
  loadError = {
    loadError: {
      message: typeof e?.message === "string" ? e.message : String(error),
      ...(typeof e?.errorCode === "string" ? { errorCode: e.errorCode } : {}),
      ...(typeof e?.errorClass === "string" ? { errorClass: e.errorClass } : {}),
    },
  };
}

function portSink(port: MessagePort): StreamSink {
  return {
    start: () => port.postMessage({ type: "start" } satisfies StreamMessage),
    event: (data) => port.postMessage({ type: "event", data } satisfies StreamMessage),
    end: () => port.postMessage({ type: "end" } satisfies StreamMessage),
  };
}

export default async function run(
  task: WorkerTask,
): Promise<InvocationResponse | ModelInfo | WorkerLoadError> {
  collected = [];
  if (model === undefined || info === undefined) {
    if (task.kind === "info") return loadError as WorkerLoadError;
    return errorResponse(500, "INTERNAL_ERROR", `The model failed to load: ${loadError?.loadError.message}`);
  }
  if (task.kind === "info") return info;
  const start = performance.now();
  let response: InvocationResponse;
  if (task.kind === "v2") response = await handleV2Infer(model, init.modelName, task.body);
  else {
    response = await handleInvocation(
      model,
      task.body,
      task.contentType,
      task.port === undefined ? undefined : portSink(task.port),
      { exposeStackTraces: init.exposeStackTraces === true },
    );
    task.port?.close();
  }
  response.computeMs = performance.now() - start;
  if (collected.length > 0) response.warnings = collected;
  return response;
}
