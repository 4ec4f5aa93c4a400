import * as grpc from "@grpc/grpc-js";
import { inferenceServiceClient } from "../src/grpc/index.js";

type UnaryMethod = (
  request: unknown,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: (error: grpc.ServiceError | null, response: unknown) => void,
) => grpc.ClientUnaryCall;

/** A grpc-js client of inference.GRPCInferenceService generated (proto-loader) from the server's `.proto`. */
export class OipClient {
  readonly client: grpc.Client;

  constructor(address: string, credentials = grpc.credentials.createInsecure()) {
    const Client = inferenceServiceClient();
    this.client = new Client(address, credentials);
  }

  call<T>(
    method: string,
    request: unknown,
    options: { token?: string; deadlineMs?: number } = {},
  ): Promise<T> {
    const metadata = new grpc.Metadata();
    if (options.token !== undefined) metadata.set("authorization", `Bearer ${options.token}`);
    const callOptions: grpc.CallOptions =
      options.deadlineMs !== undefined ? { deadline: Date.now() + options.deadlineMs } : {};
    const fn = (this.client as unknown as Record<string, UnaryMethod>)[method]!.bind(this.client);
    return new Promise<T>((resolve, reject) => {
      fn(request, metadata, callOptions, (error, response) => {
        if (error) reject(error);
        else resolve(response as T);
      });
    });
  }

  /** The call's failure (rejects if it succeeded). */
  async failure(method: string, request: unknown, options: { token?: string; deadlineMs?: number } = {}) {
    try {
      await this.call(method, request, options);
    } catch (error) {
      return error as grpc.ServiceError;
    }
    throw new Error(`${method} succeeded`);
  }

  close(): void {
    this.client.close();
  }
}

/** Raw little-endian contents of float32 values. */
export const rawFloat32 = (values: readonly number[]): Buffer =>
  Buffer.from(Float32Array.from(values).buffer);

/** Raw BYTES contents: each element a 4-byte little-endian length then its UTF-8 bytes. */
export function rawStrings(values: readonly string[]): Buffer {
  return Buffer.concat(
    values.flatMap((v) => {
      const b = Buffer.from(v, "utf8");
      const length = Buffer.alloc(4);
      length.writeUInt32LE(b.byteLength);
      return [length, b];
    }),
  );
}

/** Raw BYTES contents → strings. */
export function stringsOfRaw(raw: Buffer): string[] {
  const out: string[] = [];
  for (let at = 0; at < raw.byteLength; ) {
    const n = raw.readUInt32LE(at);
    out.push(raw.subarray(at + 4, at + 4 + n).toString("utf8"));
    at += 4 + n;
  }
  return out;
}

export const float32sOfRaw = (raw: Buffer): number[] =>
  Array.from(new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength)));
