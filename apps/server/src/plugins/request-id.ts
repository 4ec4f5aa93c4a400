import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";

const REQUEST_ID = /^[\w.:@/+=-]{1,200}$/;

/**
 * Generated request ids: a random prefix per server process and a counter, e.g. `5f0c2a9e-1k3`: unique across
 * processes in practice, and far cheaper per request than a random UUID each (measured ~2 µs of the ~28 µs
 * a small request costs the server).
 */
const REQUEST_ID_PREFIX = `${randomUUID().slice(0, 8)}-`;
let requestSeq = 0;

/** fastify's `genReqId`: the client's `X-Request-Id` when it is a sane token, else a generated one. */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers["x-request-id"];
  if (typeof given === "string" && REQUEST_ID.test(given)) return given;
  requestSeq = (requestSeq + 1) % Number.MAX_SAFE_INTEGER;
  return REQUEST_ID_PREFIX + requestSeq.toString(36);
}
