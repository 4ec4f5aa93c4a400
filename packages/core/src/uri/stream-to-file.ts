import { createWriteStream } from "node:fs";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { MlflowException } from "../errors/mlflow-exception.js";

/**
 * Stream a fetch body to a file and check its length against Content-Length and the listed size,
 * so a connection cut mid-transfer is an error rather than a silently short file.
 */
export async function writeResponseToFile(
  response: Response,
  localPath: string,
  expectedSize?: number,
): Promise<void> {
  if (!response.body) throw new MlflowException(`Empty response body for ${localPath}.`, "DATA_LOSS");
  let received = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      received += chunk.length;
      done(null, chunk);
    },
  });
  try {
    await pipeline(
      Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
      counter,
      createWriteStream(localPath),
    );
  } catch (error) {
    throw new MlflowException(
      `Download of ${response.url} was interrupted: ${(error as Error).message}`,
      "DATA_LOSS",
      {
        cause: error,
      },
    );
  }
  const header = response.headers.get("content-length");
  const expected = header !== null ? Number(header) : expectedSize;
  if (expected !== undefined && Number.isFinite(expected) && received !== expected) {
    throw new MlflowException(
      `Download of ${response.url} is truncated: received ${received} of ${expected} bytes.`,
      "DATA_LOSS",
    );
  }
}
