import type { Socket } from "node:net";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { bounded } from "../bounded.js";

/** Send MLflow's error shape, `{"error_code", "message"}`. */
export function sendError(
  reply: FastifyReply,
  status: number,
  errorCode: string,
  message: string,
): FastifyReply {
  return reply
    .code(status)
    .header("content-type", "application/json")
    .send(JSON.stringify({ error_code: errorCode, message: bounded(message) }));
}

/** Paths with fixed routes, for 405 answers with an `Allow` header. */
const KNOWN_ROUTES: Record<string, string[]> = {
  "/ping": ["GET", "HEAD"],
  "/health": ["GET", "HEAD"],
  "/version": ["GET", "HEAD"],
  "/invocations": ["POST"],
  "/metrics": ["GET", "HEAD"],
  "/v2": ["GET", "HEAD"],
  "/v2/health/live": ["GET", "HEAD"],
  "/v2/health/ready": ["GET", "HEAD"],
  "/v2/repository/index": ["POST"],
};

const CODE_FOR_STATUS: Record<number, string> = {
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "ENDPOINT_NOT_FOUND",
  408: "DEADLINE_EXCEEDED",
  413: "BAD_REQUEST",
  414: "BAD_REQUEST",
  429: "REQUEST_LIMIT_EXCEEDED",
  431: "BAD_REQUEST",
  503: "TEMPORARILY_UNAVAILABLE",
};

export interface ErrorsOptions {
  bodyLimit: number;
  /** Longest request target (path and query) in bytes; longer ones get 414. */
  maxUrlLength: number;
  /** Called for 404s, so they are counted (the not-found handler runs outside any route's hooks). */
  onNotFound?: (request: FastifyRequest, reply: FastifyReply) => void;
}

/**
 * Every HTTP-level error in MLflow's shape with its status: fastify's own errors (bad Content-Length, a body
 * over the limit, unsupported media type), 404 and 405 (with `Allow`), 414 for long URLs, 5xx without the
 * exception's text (it is logged with the request id instead).
 */
export const errorsPlugin = fp(
  async (app: FastifyInstance, options: ErrorsOptions) => {
    app.addHook("onRequest", (request, reply, done) => {
      if (request.url.length > options.maxUrlLength) {
        sendError(reply, 414, "BAD_REQUEST", `The request URL is longer than ${options.maxUrlLength} bytes.`);
        return;
      }
      done();
    });

    app.setErrorHandler((error: FastifyError, request, reply) => {
      const status = typeof error.statusCode === "number" && error.statusCode >= 400 ? error.statusCode : 500;
      if (status === 413) {
        return sendError(
          reply,
          413,
          "BAD_REQUEST",
          `Request body is larger than the server's limit of ${options.bodyLimit} bytes.`,
        );
      }
      if (status === 403) {
        // only the static file server raises 403 (a path outside its root): to a client, that file does not exist
        return sendError(
          reply,
          404,
          "ENDPOINT_NOT_FOUND",
          `No endpoint ${request.method} ${bounded(request.url.split("?", 1)[0]!, 200)}.`,
        );
      }
      if (status >= 500) {
        request.log.error({ err: error }, "unhandled error");
        return sendError(
          reply,
          status,
          "INTERNAL_ERROR",
          "Internal server error (see the server log for this request id).",
        );
      }
      return sendError(reply, status, CODE_FOR_STATUS[status] ?? "BAD_REQUEST", error.message);
    });

    app.setNotFoundHandler((request, reply) => {
      options.onNotFound?.(request, reply);
      const path = request.url.split("?", 1)[0]!;
      const allowed = KNOWN_ROUTES[path];
      if (allowed !== undefined && !allowed.includes(request.method)) {
        reply.header("allow", allowed.join(", "));
        return sendError(reply, 405, "BAD_REQUEST", `Method ${request.method} is not allowed for ${path}.`);
      }
      return sendError(
        reply,
        404,
        "ENDPOINT_NOT_FOUND",
        `No endpoint ${request.method} ${bounded(path, 200)}.`,
      );
    });
  },
  { name: "pyfunc-errors", fastify: "5.x" },
);

/**
 * fastify's `clientErrorHandler`: malformed requests that never reach routing, answered in MLflow's shape.
 * A request line that alone fills the header buffer is a long URL (414); other header overflows are 431.
 */
export function clientErrorHandler(maxUrlLength: number) {
  return (error: Error & { code?: string; rawPacket?: Buffer }, socket: Socket): void => {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    let status = 400;
    let message = "Malformed HTTP request.";
    if (error.code === "HPE_HEADER_OVERFLOW" || error.code === "HPE_HEADERS_OVERFLOW") {
      const packet = error.rawPacket;
      const lineEnd = packet === undefined ? -1 : packet.indexOf("\r\n");
      if (lineEnd < 0 || lineEnd > maxUrlLength) {
        status = 414;
        message = `The request URL is longer than ${maxUrlLength} bytes.`;
      } else {
        status = 431;
        message = "The request headers are too large.";
      }
    } else if (error.code === "ERR_HTTP_REQUEST_TIMEOUT") {
      status = 408;
      message = "The request was not received in time.";
    }
    const body = JSON.stringify({ error_code: CODE_FOR_STATUS[status] ?? "BAD_REQUEST", message });
    socket.end(
      `HTTP/1.1 ${status} ${status === 414 ? "URI Too Long" : status === 431 ? "Request Header Fields Too Large" : status === 408 ? "Request Timeout" : "Bad Request"}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  };
}
