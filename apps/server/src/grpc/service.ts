/**
 * The Open Inference Protocol's gRPC service (`inference.GRPCInferenceService`, as KServe, Triton and MLServer
 * serve it) on @grpc/grpc-js, from the `.proto` in ../../proto loaded by @grpc/proto-loader. ModelInfer turns
 * the request into the REST v2 request body (tensors.ts) and runs it through the model's REST v2 entry point:
 * the same decoder, signature enforcement, worker pool, fast path and isolation as `POST /v2/models/{name}/infer`,
 * under the same request timeout (or the client's deadline, if sooner).
 */
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { bounded } from "../bounded.js";
import { v2MetadataTensors } from "../v2.js";
import type { ModelResolver } from "./models.js";
import {
  type GrpcInferRequest,
  type GrpcInferResponse,
  grpcOutputsOf,
  type V2JsonOutput,
  v2RequestOf,
} from "./tensors.js";

/** The protocol's `.proto` (grpc_predict_v2.proto), shipped with the package. */
export const PROTO_PATH = fileURLToPath(new URL("../../proto/grpc_predict_v2.proto", import.meta.url));

/** How the service and its clients load the `.proto`: field names as written, int64 as decimal strings. */
export const PROTO_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  arrays: true,
  oneofs: true,
};

/** The package definition grpc-js builds servers and clients from. */
export function loadInferenceProto(): grpc.GrpcObject {
  return grpc.loadPackageDefinition(protoLoader.loadSync(PROTO_PATH, PROTO_LOADER_OPTIONS));
}

/** The service's constructor (a client class; `.service` is its definition). */
export function inferenceServiceClient(): grpc.ServiceClientConstructor {
  const inference = loadInferenceProto().inference as grpc.GrpcObject;
  return inference.GRPCInferenceService as grpc.ServiceClientConstructor;
}

/** Longest status message sent (it travels in an HTTP/2 header). */
const MAX_DETAILS_CHARS = 2048;

export interface GrpcLog {
  info(obj: object, msg: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object, msg: string): void;
}

export interface GrpcServerOptions {
  resolveModel: ModelResolver;
  /** Whether the server as a whole is ready (false while the HTTP server drains). */
  serverReady: () => boolean;
  host: string;
  /** 0: any free port. */
  port: number;
  /** Largest request message in bytes (the HTTP body limit). */
  maxMessageBytes: number;
  /** Per-request timeout in ms; a client deadline that comes sooner wins. */
  timeoutMs: number;
  version: string;
  /** Require `authorization: Bearer <token>` metadata on every call but ServerLive and ServerReady. */
  checkAuthorization?: (header: string | undefined) => boolean;
  tls?: { cert: string | Buffer; key: string | Buffer };
  log?: GrpcLog;
}

export interface RunningGrpcServer {
  /** The bound port. */
  readonly port: number;
  /** `host:port`, as a gRPC client dials it. */
  readonly address: string;
  /** Stop taking calls, let the ones in flight finish, then stop. Idempotent. */
  close(): Promise<void>;
  /** Cancel the calls still running and stop at once. */
  forceClose(): void;
}

/** HTTP status of a REST v2 answer → gRPC status code. */
export function grpcCodeOfHttpStatus(status: number): grpc.status {
  if (status === 404) return grpc.status.NOT_FOUND;
  if (status === 401) return grpc.status.UNAUTHENTICATED;
  if (status === 403) return grpc.status.PERMISSION_DENIED;
  if (status === 413) return grpc.status.RESOURCE_EXHAUSTED;
  if (status === 429) return grpc.status.RESOURCE_EXHAUSTED;
  if (status === 501) return grpc.status.UNIMPLEMENTED;
  if (status === 503) return grpc.status.UNAVAILABLE;
  if (status === 504) return grpc.status.DEADLINE_EXCEEDED;
  if (status >= 400 && status < 500) return grpc.status.INVALID_ARGUMENT;
  return grpc.status.INTERNAL;
}

type Callback<T> = grpc.sendUnaryData<T>;
type Call<T> = grpc.ServerUnaryCall<T, unknown>;

const fail = <T>(callback: Callback<T>, code: grpc.status, message: string): void =>
  callback({ code, details: bounded(message, MAX_DETAILS_CHARS) }, null);

function errorMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown; message?: unknown };
    const m = parsed.error ?? parsed.message;
    if (typeof m === "string") return m;
  } catch {
    // not JSON: the text itself
  }
  return body;
}

/** Milliseconds left to the call's deadline (Infinity when it has none). */
function deadlineLeft(call: Call<unknown>): number {
  const deadline = call.getDeadline();
  const at = deadline instanceof Date ? deadline.getTime() : deadline;
  return Number.isFinite(at) ? at - Date.now() : Number.POSITIVE_INFINITY;
}

/** Start the gRPC server; resolves once it is bound. */
export async function startGrpcServer(options: GrpcServerOptions): Promise<RunningGrpcServer> {
  const { resolveModel, serverReady, timeoutMs, log } = options;
  const server = new grpc.Server({
    "grpc.max_receive_message_length": options.maxMessageBytes,
  });
  let closing = false;
  const authorized = <T>(call: Call<unknown>, callback: Callback<T>): boolean => {
    if (options.checkAuthorization === undefined) return true;
    const value = call.metadata.get("authorization")[0];
    if (options.checkAuthorization(typeof value === "string" ? value : undefined)) return true;
    fail(
      callback,
      grpc.status.UNAUTHENTICATED,
      "A valid bearer token is required (authorization: Bearer <token>).",
    );
    return false;
  };
  const lookUp = <T>(name: string, version: string, callback: Callback<T>) => {
    const model = resolveModel(name, version);
    if (model === undefined) fail(callback, grpc.status.NOT_FOUND, `Model ${name.slice(0, 200)} not found`);
    return model;
  };

  const handlers: grpc.UntypedServiceImplementation = {
    ServerLive(_call: Call<unknown>, callback: Callback<{ live: boolean }>) {
      callback(null, { live: true });
    },
    ServerReady(_call: Call<unknown>, callback: Callback<{ ready: boolean }>) {
      callback(null, { ready: !closing && serverReady() });
    },
    ServerMetadata(call: Call<unknown>, callback: Callback<object>) {
      if (!authorized(call, callback)) return;
      callback(null, { name: "pyfunc-server", version: options.version, extensions: [] });
    },
    ModelReady(call: Call<{ name: string; version: string }>, callback: Callback<{ ready: boolean }>) {
      if (!authorized(call, callback)) return;
      const model = lookUp(call.request.name, call.request.version, callback);
      if (model !== undefined) callback(null, { ready: !closing && model.ready() });
    },
    ModelMetadata(call: Call<{ name: string; version: string }>, callback: Callback<object>) {
      if (!authorized(call, callback)) return;
      const model = lookUp(call.request.name, call.request.version, callback);
      if (model === undefined) return;
      callback(null, {
        name: model.name,
        versions: [...model.versions],
        platform: model.platform,
        inputs: v2MetadataTensors(model.signature?.inputs, "input"),
        outputs: v2MetadataTensors(model.signature?.outputs, "output"),
      });
    },
    ModelInfer(call: Call<GrpcInferRequest>, callback: Callback<GrpcInferResponse>) {
      if (!authorized(call, callback)) return;
      const request = call.request;
      const model = lookUp(request.model_name ?? "", request.model_version ?? "", callback);
      if (model === undefined) return;
      let converted: ReturnType<typeof v2RequestOf>;
      try {
        converted = v2RequestOf(request);
      } catch (error) {
        fail(callback, grpc.status.INVALID_ARGUMENT, error instanceof Error ? error.message : String(error));
        return;
      }
      let controller: AbortController | undefined;
      const signal = () => {
        controller ??= new AbortController();
        return controller.signal;
      };
      let settled = false;
      const budget = Math.min(timeoutMs, deadlineLeft(call));
      const timer = setTimeout(
        () => {
          if (settled) return;
          settled = true;
          controller?.abort();
          log?.warn({ timeoutMs: budget, model: model.name }, "gRPC request timed out");
          fail(
            callback,
            grpc.status.DEADLINE_EXCEEDED,
            `Request processing time exceeded limit (${Math.max(0, budget) / 1000} s)`,
          );
        },
        Math.max(0, budget),
      );
      // a client that cancels (or whose deadline passed) cancels its work, as a REST client that leaves
      call.once("cancelled", () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        controller?.abort();
      });
      const answer = (result: {
        status: number;
        /** (always JSON text: the gRPC path never asks for a binary tensor answer) */
        body: string | Uint8Array;
        warnings?: string[];
        workerDied?: boolean;
        failure?: string;
      }) => {
        clearTimeout(timer);
        if (settled) return;
        settled = true;
        const text =
          typeof result.body === "string" ? result.body : Buffer.from(result.body).toString("utf8");
        if (result.warnings !== undefined) for (const w of result.warnings) log?.warn(w);
        if (result.workerDied === true)
          log?.error({ failure: result.failure }, "the model's worker thread died (gRPC request)");
        if (result.status !== 200) {
          fail(callback, grpcCodeOfHttpStatus(result.status), errorMessage(text));
          return;
        }
        let response: GrpcInferResponse;
        try {
          const json = JSON.parse(text) as { id?: string; outputs: V2JsonOutput[] };
          response = {
            model_name: model.name,
            model_version: request.model_version ?? "",
            id: json.id ?? "",
            ...grpcOutputsOf(json.outputs, converted.raw),
          };
        } catch (error) {
          log?.error({ err: error }, "gRPC answer encoding failed");
          fail(callback, grpc.status.INTERNAL, "Encoding the answer failed (see the server log).");
          return;
        }
        callback(null, response);
      };
      const failed = (error: unknown) => {
        clearTimeout(timer);
        if (settled) return;
        settled = true;
        log?.error({ err: error }, "gRPC prediction failed");
        fail(callback, grpc.status.INTERNAL, "Prediction failed (see the server log).");
      };
      try {
        const running = model.infer(converted.request, converted.size, signal);
        if (running instanceof Promise) running.then(answer, failed);
        else answer(running);
      } catch (error) {
        failed(error);
      }
    },
  };
  server.addService(inferenceServiceClient().service, handlers);

  const credentials =
    options.tls !== undefined
      ? grpc.ServerCredentials.createSsl(
          null,
          [{ cert_chain: Buffer.from(options.tls.cert), private_key: Buffer.from(options.tls.key) }],
          false,
        )
      : grpc.ServerCredentials.createInsecure();
  const host =
    options.host.includes(":") && !options.host.startsWith("[") ? `[${options.host}]` : options.host;
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:${options.port}`, credentials, (error, bound) => {
      if (error) reject(error);
      else resolve(bound);
    });
  });
  let closed: Promise<void> | undefined;
  return {
    port,
    address: `${host === "0.0.0.0" || host === "[::]" ? "127.0.0.1" : host}:${port}`,
    close() {
      closing = true;
      closed ??= new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
      });
      return closed;
    },
    forceClose() {
      closing = true;
      server.forceShutdown();
    },
  };
}
