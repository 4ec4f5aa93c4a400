import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { StreamSink } from "../invocation.js";
import type { ModelRegistry, ServedModel } from "../registry.js";
import { inferenceHeaderLengthOf, toUint8 } from "./body.js";
import { sendError } from "./errors.js";

export interface MlflowRoutesOptions {
  registry: ModelRegistry;
  version: string;
}

/** Models that cannot stream never touch the sink: one shared no-op sink instead of one per request. */
const noSink: StreamSink = { start() {}, event() {}, end() {} };

/**
 * The MLflow error for a model that cannot answer: 404 `RESOURCE_DOES_NOT_EXIST` for a name the server does not
 * know, 503 `TEMPORARILY_UNAVAILABLE` (with the reason) for one that is not loaded, loading or unloading.
 */
export function sendModelUnavailable(
  reply: FastifyReply,
  registry: ModelRegistry,
  name: string,
  model: ServedModel | undefined,
): FastifyReply {
  if (model === undefined) {
    return sendError(
      reply,
      404,
      "RESOURCE_DOES_NOT_EXIST",
      `Model '${name.slice(0, 200)}' not found. Served models: ${registry.names().join(", ") || "none"}.`,
    );
  }
  const why =
    model.state === "LOADING"
      ? "it is loading"
      : model.state === "UNLOADING"
        ? "it is being unloaded"
        : model.reason === ""
          ? "it is not loaded"
          : model.reason;
  return sendError(
    reply,
    503,
    "TEMPORARILY_UNAVAILABLE",
    `Model '${model.name}' is not available (${model.state}): ${why}`,
  );
}

/**
 * MLflow's scoring protocol: `/ping`, `/health`, `/version`, `POST /invocations` for the default model (streamed
 * when asked), and `POST /models/{name}/invocations`, `GET /models/{name}/ping` for every model.
 */
export async function mlflowRoutes(app: FastifyInstance, options: MlflowRoutesOptions): Promise<void> {
  const { registry, version } = options;
  const fallback = registry.defaultModel;

  const ok = (reply: FastifyReply) => reply.code(200).header("content-type", "application/json").send("\n");
  // with a default model, the probes answer for it (as MLflow's: the model is loaded); without, for the server
  const health = async (_req: unknown, reply: FastifyReply) =>
    fallback === undefined || fallback.engine !== undefined
      ? ok(reply)
      : sendModelUnavailable(reply, registry, fallback.name, fallback);
  app.get("/ping", health);
  app.get("/health", health);
  app.get("/version", async (_req, reply) =>
    reply.code(200).header("content-type", "application/json").send(version),
  );
  app.get("/models/:name/ping", async (request, reply) => {
    const { name } = request.params as { name: string };
    const model = registry.get(name);
    return model?.engine !== undefined ? ok(reply) : sendModelUnavailable(reply, registry, name, model);
  });

  const invoke = (request: FastifyRequest, reply: FastifyReply, model: ServedModel) => {
    request.pyfuncModel = model.name;
    const engine = model.engine;
    if (engine === undefined) return sendModelUnavailable(reply, registry, model.name, model);
    const body = toUint8(request.body);
    const contentType = request.headers["content-type"];
    const headerLength = inferenceHeaderLengthOf(request);
    if (!engine.info.isStreamable) {
      return app.predictWithDeadline(request, reply, (signal) =>
        model.invoke(body, contentType, noSink, signal, headerLength),
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
      return model.invoke(body, contentType, sink, signal, headerLength);
    });
  };

  app.post("/invocations", (request, reply) => {
    if (fallback === undefined) {
      return sendError(
        reply,
        404,
        "ENDPOINT_NOT_FOUND",
        `This server has no default model: POST /models/{name}/invocations, with one of ${registry.names().join(", ") || "no models"} (or start it with a default model).`,
      );
    }
    return invoke(request, reply, fallback);
  });
  app.post("/models/:name/invocations", (request, reply) => {
    const { name } = request.params as { name: string };
    const model = registry.get(name);
    if (model === undefined) return sendModelUnavailable(reply, registry, name, model);
    return invoke(request, reply, model);
  });
}
