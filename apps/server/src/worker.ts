/**
 * Piscina worker: loads the model once when the thread starts, then answers tasks (MLflow invocations,
 * v2 inference, model info). Streamed answers go through a MessagePort passed with the task.
 */
import type { MessagePort } from "node:worker_threads";
import { workerData } from "node:worker_threads";
import { describeModel, handleInvocation, type InvocationResponse, type StreamSink } from "./invocation.js";
import { type LoadOptions, loadServableModel } from "./load.js";
import type { ModelInfo } from "./model-types.js";
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

const model = await loadServableModel({
  ...init,
  onWarning: (message) => {
    collected.push(message);
  },
});
const info = await describeModel(model);

function portSink(port: MessagePort): StreamSink {
  return {
    start: () => port.postMessage({ type: "start" } satisfies StreamMessage),
    event: (data) => port.postMessage({ type: "event", data } satisfies StreamMessage),
    end: () => port.postMessage({ type: "end" } satisfies StreamMessage),
  };
}

export default async function run(task: WorkerTask): Promise<InvocationResponse | ModelInfo> {
  collected = [];
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
