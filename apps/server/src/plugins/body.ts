import type { Readable } from "node:stream";
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import { readBody } from "../body.js";

export function toUint8(body: unknown): Uint8Array {
  if (body instanceof Uint8Array) return body;
  if (typeof body === "string") return Buffer.from(body);
  return new Uint8Array(0);
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
