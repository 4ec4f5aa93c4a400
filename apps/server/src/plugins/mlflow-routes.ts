import type { FastifyInstance } from "fastify";
import type { PredictionEngine } from "../engine.js";
import type { StreamSink } from "../invocation.js";
import { toUint8 } from "./body.js";

export interface MlflowRoutesOptions {
  engine: PredictionEngine;
  version: string;
}

/** MLflow's scoring protocol: `/ping`, `/health`, `/version`, `POST /invocations` (streamed when asked). */
export async function mlflowRoutes(app: FastifyInstance, options: MlflowRoutesOptions): Promise<void> {
  const { engine, version } = options;
  const health = async (_req: unknown, reply: import("fastify").FastifyReply) =>
    reply.code(200).header("content-type", "application/json").send("\n");
  app.get("/ping", health);
  app.get("/health", health);
  app.get("/version", async (_req, reply) =>
    reply.code(200).header("content-type", "application/json").send(version),
  );

  /** Models that cannot stream never touch the sink: one shared no-op sink instead of one per request. */
  const noSink: StreamSink = { start() {}, event() {}, end() {} };
  const streamable = engine.info.isStreamable;

  app.post("/invocations", (request, reply) => {
    const body = toUint8(request.body);
    const contentType = request.headers["content-type"];
    if (!streamable) {
      return app.predictWithDeadline(request, reply, (signal) =>
        engine.invoke(body, contentType, noSink, signal),
      );
    }
    let started = false;
    return app.predictWithDeadline(request, reply, (signal, onStreamStart) => {
      const sink: StreamSink = {
        start() {
          started = true;
          onStreamStart();
          reply.hijack();
          reply.raw.writeHead(200, {
            "content-type": "text/event-stream",
            "cache-control": "no-cache",
            "x-request-id": request.id,
            ...(app.draining ? { connection: "close" } : {}),
          });
        },
        event(data) {
          if (started) reply.raw.write(`data: ${data}\n\n`);
        },
        end() {
          if (started) reply.raw.end();
        },
      };
      return engine.invoke(body, contentType, sink, signal);
    });
  });
}
