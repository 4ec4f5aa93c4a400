import { ABANDONED } from "@pyfunc/core/scoring";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import type { InvocationResponse } from "../invocation.js";
import { sendError } from "./errors.js";

/** One prediction as the deadline runner sees it: given the request's abort signal (made on demand). */
export type PredictionRun = (
  signal: () => AbortSignal,
  onStreamStart: () => void,
) => InvocationResponse | Promise<InvocationResponse>;

declare module "fastify" {
  interface FastifyInstance {
    /**
     * Run a prediction under the request timeout and answer it: 504 when the time passes (the worker task is
     * abandoned and its thread replaced), nothing when the client has gone (its task is dropped from the queue
     * or abandoned), 500 when the worker died. `undefined` when the answer was sent synchronously.
     */
    predictWithDeadline(
      request: FastifyRequest,
      reply: FastifyReply,
      run: PredictionRun,
    ): Promise<FastifyReply | undefined> | undefined;
  }
}

export interface DeadlineOptions {
  timeoutMs: number;
}

const send = (reply: FastifyReply, r: InvocationResponse): FastifyReply => {
  reply.code(r.status).header("content-type", r.contentType);
  if (r.headers !== undefined) reply.headers(r.headers);
  // (a binary answer computed in a worker arrives as a plain Uint8Array: sent as a Buffer over its bytes)
  const body =
    typeof r.body === "string" ? r.body : Buffer.from(r.body.buffer, r.body.byteOffset, r.body.byteLength);
  return reply.send(body);
};

export const deadlinePlugin = fp(
  async (app: FastifyInstance, options: DeadlineOptions) => {
    const { timeoutMs } = options;
    /** Timers not armed yet: armed together once the current I/O batch has been handled. */
    let toArm: (() => void)[] = [];
    const armAll = () => {
      const list = toArm;
      toArm = [];
      for (const arm of list) arm();
    };
    const armLater = (arm: () => void) => {
      if (toArm.push(arm) === 1) setImmediate(armAll);
    };
    const answer = (request: FastifyRequest, reply: FastifyReply, result: InvocationResponse) => {
      if (result.warnings !== undefined) for (const w of result.warnings) request.log.warn(w);
      if (result.workerDied === true)
        request.log.error({ failure: result.failure }, "the model's worker thread died");
      return result.streamed ? undefined : send(reply, result);
    };

    // (one promise settled by whichever comes first, the answer, the timer or the client leaving: no
    // Promise.race, no async layers per request; synchronous answers are sent at once)
    app.decorate(
      "predictWithDeadline",
      (request: FastifyRequest, reply: FastifyReply, run: PredictionRun) => {
        let controller: AbortController | undefined;
        const signal = () => {
          controller ??= new AbortController();
          return controller.signal;
        };
        let finished = false;
        let timer: NodeJS.Timeout | undefined;
        const stop = () => {
          finished = true;
          clearTimeout(timer);
        };
        const start = performance.now();
        let running: InvocationResponse | Promise<InvocationResponse>;
        try {
          running = run(signal, stop);
        } catch (error) {
          request.log.error({ err: error }, "prediction failed");
          sendError(
            reply,
            500,
            "INTERNAL_ERROR",
            "Prediction failed (see the server log for this request id).",
          );
          return undefined;
        }
        if (!(running instanceof Promise)) {
          answer(request, reply, running);
          return undefined;
        }
        return new Promise<FastifyReply | undefined>((resolve, reject) => {
          let settled = false;
          const fire = () => {
            if (settled) return;
            settled = true;
            controller?.abort();
            request.log.warn({ timeoutMs }, "request timed out");
            resolve(
              sendError(
                reply,
                504,
                "DEADLINE_EXCEEDED",
                `Request processing time exceeded limit (${timeoutMs / 1000} s)`,
              ),
            );
          };
          // a client that leaves cancels its work: dropped from the queue, or its worker task abandoned (a
          // running one is given the pool's grace to finish first: ending its thread costs a model load)
          const onGone = () => {
            if (settled || reply.raw.writableFinished) return;
            settled = true;
            stop();
            controller?.abort(ABANDONED);
            request.log.info("client went away: prediction cancelled");
            resolve(undefined);
          };
          // (left on after the answer, where it returns at once: cheaper than once() and removeListener())
          reply.raw.on("close", onGone);
          // armed after this I/O batch, and only if the prediction is still running then (most in-thread ones
          // have been answered by then), for the time left to the same deadline
          armLater(() => {
            if (!finished && !settled)
              timer = setTimeout(fire, Math.max(0, timeoutMs - (performance.now() - start)));
          });
          running.then(
            (result) => {
              stop();
              if (settled) return;
              settled = true;
              try {
                resolve(answer(request, reply, result));
              } catch (error) {
                reject(error); // to fastify's error handler, as from an async route
              }
            },
            (error: unknown) => {
              stop();
              if (settled) return;
              settled = true;
              request.log.error({ err: error }, "prediction failed");
              resolve(
                sendError(
                  reply,
                  500,
                  "INTERNAL_ERROR",
                  "Prediction failed (see the server log for this request id).",
                ),
              );
            },
          );
        });
      },
    );
  },
  { name: "pyfunc-deadline", fastify: "5.x" },
);
