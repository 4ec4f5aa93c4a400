/**
 * The scoring server's handler inside core's pool workers (`@pyfunc/core/scoring`): MLflow invocations and
 * Open Inference Protocol inference on the worker's model copy. Streamed answers go through a MessagePort
 * passed with the task.
 */
import type { MessagePort } from "node:worker_threads";
import type { PyFuncModel } from "@pyfunc/core";
import type { ScoringHandler } from "@pyfunc/core/scoring";
import { describeModel, handleInvocation, type InvocationResponse, type StreamSink } from "./invocation.js";
import type { ServableModel } from "./model-types.js";
import { handleV2Infer, handleV2InferRequest } from "./v2.js";

export interface HandlerData {
  exposeStackTraces?: boolean;
  modelName: string;
}

export type WorkerTask =
  | {
      kind: "invoke";
      body: Uint8Array;
      contentType: string | undefined;
      headerLength?: string | undefined;
      port?: MessagePort;
    }
  | { kind: "v2"; body: Uint8Array; headerLength?: string | undefined }
  | { kind: "v2-request"; request: unknown };

export type StreamMessage = { type: "start" } | { type: "event"; data: string } | { type: "end" };

function portSink(port: MessagePort): StreamSink {
  return {
    start: () => port.postMessage({ type: "start" } satisfies StreamMessage),
    event: (data) => port.postMessage({ type: "event", data } satisfies StreamMessage),
    end: () => port.postMessage({ type: "end" } satisfies StreamMessage),
  };
}

export function createHandler(model: PyFuncModel, data: unknown): ScoringHandler {
  const { exposeStackTraces, modelName } = data as HandlerData;
  const servable = model as unknown as ServableModel;
  return {
    info: () => describeModel(servable),
    async handle(task: unknown): Promise<InvocationResponse> {
      const t = task as WorkerTask;
      if (t.kind === "v2") return handleV2Infer(servable, modelName, t.body, t.headerLength);
      if (t.kind === "v2-request") return handleV2InferRequest(servable, modelName, t.request, false, true);
      const sink = t.port === undefined ? undefined : portSink(t.port);
      try {
        return await handleInvocation(servable, t.body, t.contentType, sink, {
          exposeStackTraces: exposeStackTraces === true,
          ...(t.headerLength !== undefined ? { binaryHeaderLength: t.headerLength } : {}),
        });
      } finally {
        t.port?.close();
      }
    },
  };
}
