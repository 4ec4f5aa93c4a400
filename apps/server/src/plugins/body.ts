import type { Readable } from "node:stream";
import { INFERENCE_HEADER_CONTENT_LENGTH } from "@pyfunc/core/protocol";
import type { FastifyInstance, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { readBody } from "../body.js";

export function toUint8(body: unknown): Uint8Array {
  if (body instanceof Uint8Array) return body;
  if (typeof body === "string") return Buffer.from(body);
  return new Uint8Array(0);
}

/**
 * The request's `Inference-Header-Content-Length` (the binary tensor framing's JSON header length), as sent;
 * the protocol decoder checks it against the body. A repeated header is refused there (Node joins it with ",").
 */
export function inferenceHeaderLengthOf(request: FastifyRequest): string | undefined {
  const value = request.headers[INFERENCE_HEADER_CONTENT_LENGTH];
  return Array.isArray(value) ? value.join(",") : value;
}

/** Bodies reach the protocol parsers as raw bytes, whatever the content type (the parser decides 415 itself). */
export const rawBodyPlugin = fp(
  async (app: FastifyInstance, options: { bodyLimit: number }) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser("*", (request, payload, done) =>
      readBody(payload as Readable, request.headers["content-length"], options.bodyLimit, done),
    );
  },
  { name: "pyfunc-raw-body", fastify: "5.x" },
);
