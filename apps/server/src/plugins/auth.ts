import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { sendError } from "./errors.js";

export interface AuthOptions {
  /** The bearer token every request must carry (`Authorization: Bearer <token>`). */
  token: string;
}

/** Paths that stay open without a token: liveness and readiness probes. */
const OPEN_PATHS = new Set(["/ping", "/health", "/v2/health/live", "/v2/health/ready"]);

const digest = (text: string): Buffer => createHash("sha256").update(text).digest();

/** `Authorization` header value → whether it carries the token (constant-time; shared with the gRPC service). */
export function bearerChecker(token: string): (header: string | undefined) => boolean {
  const expected = digest(token);
  return (header) => {
    const given = typeof header === "string" && /^bearer /i.test(header) ? header.slice(7).trim() : undefined;
    return given !== undefined && timingSafeEqual(digest(given), expected);
  };
}

/**
 * Bearer-token authentication for every route but the probes (and CORS preflights, which carry no
 * credentials). Tokens are compared as SHA-256 digests with `timingSafeEqual`: constant time whatever the
 * length or content of the guess.
 */
export const authPlugin = fp(
  async (app: FastifyInstance, options: AuthOptions) => {
    const matches = bearerChecker(options.token);
    app.addHook("onRequest", (request: FastifyRequest, reply: FastifyReply, done) => {
      const path = request.url.split("?", 1)[0]!;
      if (OPEN_PATHS.has(path) || request.method === "OPTIONS") {
        done();
        return;
      }
      if (matches(request.headers.authorization)) {
        done();
        return;
      }
      reply.header("www-authenticate", 'Bearer realm="pyfunc"');
      sendError(
        reply,
        401,
        "UNAUTHENTICATED",
        "A valid bearer token is required (Authorization: Bearer <token>).",
      );
    });
  },
  { name: "pyfunc-auth", fastify: "5.x" },
);
