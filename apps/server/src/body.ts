import type { Readable } from "node:stream";

/** A body-reading failure; fastify's error handler answers with `statusCode` (413 → MLflow's too-large answer). */
export class BodyError extends Error {
  constructor(
    message: string,
    readonly statusCode: number,
    readonly code: string,
  ) {
    super(message);
    this.name = "BodyError";
  }
}

/**
 * Reads a request body as bytes with the rules of fastify's own reader: 413 when Content-Length or the bytes
 * received pass `limit` (reading stops there), 400 when the bytes received differ from Content-Length, 400 on a
 * stream error. Unlike fastify's reader, a body that arrives in one chunk (every small request) is handed on as
 * that chunk instead of being copied into a new buffer: the chunk is a view of memory that the socket allocated
 * for this read alone, and the only consumer that keeps bytes past the request (the worker pool) copies them.
 */
export function readBody(
  payload: Readable,
  contentLength: string | undefined,
  limit: number,
  done: (error: Error | null, body?: Uint8Array) => void,
): void {
  const expected = contentLength === undefined ? Number.NaN : Number(contentLength);
  if (expected > limit) {
    done(tooLarge(limit));
    return;
  }
  let first: Buffer | undefined;
  let more: Buffer[] | undefined;
  let received = 0;
  const cleanup = () => {
    payload.removeListener("data", onData);
    payload.removeListener("end", onEnd);
    payload.removeListener("error", onError);
  };
  function onData(chunk: Buffer | string) {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    received += bytes.length;
    if (received > limit) {
      cleanup();
      done(tooLarge(limit));
      return;
    }
    if (first === undefined) first = bytes;
    else {
      if (more === undefined) more = [first];
      more.push(bytes);
    }
  }
  function onEnd() {
    cleanup();
    if (!Number.isNaN(expected) && received !== expected) {
      done(
        new BodyError(
          "Request body size did not match Content-Length",
          400,
          "FST_ERR_CTP_INVALID_CONTENT_LENGTH",
        ),
      );
      return;
    }
    done(null, more !== undefined ? Buffer.concat(more, received) : (first ?? Buffer.alloc(0)));
  }
  function onError(error: Error & { statusCode?: number }) {
    cleanup();
    if (!(typeof error.statusCode === "number" && error.statusCode >= 400)) error.statusCode = 400;
    done(error);
  }
  payload.on("data", onData);
  payload.on("end", onEnd);
  payload.on("error", onError);
  payload.resume();
}

function tooLarge(limit: number): BodyError {
  return new BodyError(`Request body is larger than ${limit} bytes`, 413, "FST_ERR_CTP_BODY_TOO_LARGE");
}
