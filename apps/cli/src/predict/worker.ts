/**
 * Worker thread for `pyfunc predict --workers N`: loads its own copy of the model, then answers
 * `{id, body, contentType}` messages with the chunk's bare predictions JSON (or a serialized CliError).
 */
import { parentPort, workerData } from "node:worker_threads";
import { CliError, messageOf, serializeCliError } from "../errors.js";
import { EXIT_CODES } from "../exit-codes.js";
import { openModel } from "../model.js";
import { PayloadPredictor } from "./engine.js";
import type { WorkerInit, WorkerReply, WorkerRequest } from "./pool.js";

function toCliError(error: unknown): CliError {
  if (error instanceof CliError) return error;
  const e = new CliError(messageOf(error), EXIT_CODES.INTERNAL, { cause: error });
  if (error instanceof Error && error.stack) e.stack = error.stack;
  return e;
}

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const init = workerData as WorkerInit;
  let predictor: PayloadPredictor;
  try {
    const model = await openModel(init.modelUri, { plugins: init.plugins, modelConfig: init.modelConfig });
    predictor = new PayloadPredictor(model, init.params);
  } catch (error) {
    port.postMessage({
      type: "error",
      id: -1,
      error: serializeCliError(toCliError(error)),
    } satisfies WorkerReply);
    return;
  }
  port.on("message", (msg: WorkerRequest) => {
    if (msg.type === "close") {
      void predictor.model.close().finally(() => port.close());
      return;
    }
    predictor.run(msg.body, msg.contentType, false).then(
      (r) => port.postMessage({ type: "result", id: msg.id, json: r.json } satisfies WorkerReply),
      (error: unknown) =>
        port.postMessage({
          type: "error",
          id: msg.id,
          error: serializeCliError(toCliError(error)),
        } satisfies WorkerReply),
    );
  });
  port.postMessage({ type: "ready", id: -1 } satisfies WorkerReply);
}

void main();
