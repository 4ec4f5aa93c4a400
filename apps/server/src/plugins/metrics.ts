import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import type { ServerMetrics } from "../metrics.js";

export interface ObservabilityOptions {
  metrics: ServerMetrics;
  /** Serve `GET /metrics` (default true). */
  route: boolean;
  /** One access-log line per request at info level (`false` when the logger's level is above info). */
  accessLog: boolean;
}

declare module "fastify" {
  interface FastifyRequest {
    /** The model a request was routed to (the `model` label of the per-model metrics). */
    pyfuncModel: string | undefined;
  }
  interface FastifyInstance {
    /** Count a request (and log its access line) under `route`; done per route, and by the 404 handler. */
    trackRequest(request: FastifyRequest, reply: FastifyReply, route: string): void;
  }
}

/**
 * Request metrics, `X-Request-Id` on every answer and the access log, from one `close` listener per request
 * ("close", not fastify's onResponse, so aborted and timed-out requests are counted and leave the gauge too).
 * The hook is added to each route as it is registered, so the route label is a captured string (not
 * `request.routeOptions`, which builds an object per access).
 */
export const observabilityPlugin = fp(
  async (app: FastifyInstance, options: ObservabilityOptions) => {
    const { metrics, accessLog } = options;
    const track = (request: FastifyRequest, reply: FastifyReply, route: string) => {
      reply.header("x-request-id", request.id);
      const start = performance.now();
      metrics.start();
      reply.raw.on("close", () => {
        const ms = performance.now() - start;
        const status = reply.raw.statusCode;
        metrics.finish(request.method, route, status, ms / 1000);
        const model = request.pyfuncModel;
        if (model !== undefined) metrics.finishModel(model, route, status, ms / 1000);
        if (accessLog) {
          request.log.info(
            { method: request.method, url: request.url, statusCode: status, ms: Math.round(ms * 100) / 100 },
            reply.raw.writableFinished ? "request" : "request aborted by the client",
          );
        }
      });
    };
    app.decorate("trackRequest", track);
    app.decorateRequest("pyfuncModel", undefined);
    app.addHook("onRoute", (route) => {
      const label = route.url;
      const hook = (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
        track(request, reply, label);
        done();
      };
      const existing = route.onRequest;
      route.onRequest =
        existing === undefined ? [hook] : [...(Array.isArray(existing) ? existing : [existing]), hook];
    });
    if (options.route) {
      app.get("/metrics", async (_req, reply) =>
        reply
          .code(200)
          .header("content-type", metrics.registry.contentType)
          .send(await metrics.registry.metrics()),
      );
    }
  },
  { name: "pyfunc-observability", fastify: "5.x" },
);
