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
import { ABANDONED } from "@pyfunc/core/scoring";
import { bounded } from "../bounded.js";
import type { InvocationResponse } from "../invocation.js";
import { v2MetadataTensors } from "../v2.js";
import type { ModelResolver, OipModel } from "./models.js";
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

/** Where the service counts its calls (the server's Prometheus registry: `pyfunc_grpc_*`). */
export interface GrpcMetrics {
  /** A call started (the in-flight gauge goes up). */
  startGrpc(): void;
  /** A call ended with `code` (a gRPC status name: OK, NOT_FOUND, ...); `model` for the per-model calls. */
  finishGrpc(method: string, model: string | undefined, code: string, seconds: number): void;
}

export interface GrpcServerOptions {
  resolveModel: ModelResolver;
  metrics?: GrpcMetrics;
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
/** A call as the handlers see it: the model it was routed to is noted on it (the metrics' `model` label). */
type Tracked = { model?: string };

/** gRPC status code → its name (the `code` label). */
const CODE_NAMES: readonly string[] = Object.entries(grpc.status)
  .filter(([, v]) => typeof v === "number")
  .sort((a, b) => (a[1] as number) - (b[1] as number))
  .map(([k]) => k);

/**
 * The handlers, each call counted once it ends: answered (its status code), or cancelled by the client or
 * past its deadline (CANCELLED; grpc-js then drops the answer).
 */
function instrumented(
  handlers: grpc.UntypedServiceImplementation,
  metrics: GrpcMetrics | undefined,
): grpc.UntypedServiceImplementation {
  if (metrics === undefined) return handlers;
  const out: grpc.UntypedServiceImplementation = {};
  for (const [method, handler] of Object.entries(handlers)) {
    const unary = handler as (call: Call<unknown>, callback: Callback<unknown>) => void;
    out[method] = (call: Call<unknown> & Tracked, callback: Callback<unknown>) => {
      const start = performance.now();
      let done = false;
      const finish = (code: number) => {
        if (done) return;
        done = true;
        metrics.finishGrpc(
          method,
          call.model,
          CODE_NAMES[code] ?? String(code),
          (performance.now() - start) / 1000,
        );
      };
      metrics.startGrpc();
      call.once("cancelled", () => finish(grpc.status.CANCELLED));
      unary(call, (error, value) => {
        finish(error == null ? grpc.status.OK : (error.code ?? grpc.status.UNKNOWN));
        callback(error, value);
      });
    };
  }
  return out;
}

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
    // no channelz service is served: its per-call bookkeeping (call counts, timestamps per stream) is skipped
    "grpc.enable_channelz": 0,
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
  const lookUp = <T>(name: string, version: string, callback: Callback<T>, call: Call<unknown>) => {
    const model = resolveModel(name, version);
    if (model === undefined) {
      const what =
        version === "" ? name.slice(0, 200) : `${name.slice(0, 200)} version ${version.slice(0, 200)}`;
      fail(callback, grpc.status.NOT_FOUND, `Model ${what} not found`);
    } else (call as Call<unknown> & Tracked).model = model.name;
    return model;
  };
  /** The loaded copy of `model`, or undefined after answering UNAVAILABLE. */
  const loadedCopy = <T>(model: OipModel, callback: Callback<T>) => {
    const copy = model.loaded();
    if ("unavailable" in copy) {
      fail(callback, grpc.status.UNAVAILABLE, copy.unavailable);
      return undefined;
    }
    return copy;
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
    // a known model that is not loaded is not ready (as REST's 400 {ready: false}), not an error
    ModelReady(call: Call<{ name: string; version: string }>, callback: Callback<{ ready: boolean }>) {
      if (!authorized(call, callback)) return;
      const model = lookUp(call.request.name, call.request.version, callback, call);
      if (model !== undefined) callback(null, { ready: !closing && model.ready() });
    },
    ModelMetadata(call: Call<{ name: string; version: string }>, callback: Callback<object>) {
      if (!authorized(call, callback)) return;
      const model = lookUp(call.request.name, call.request.version, callback, call);
      if (model === undefined) return;
      const copy = loadedCopy(model, callback);
      if (copy === undefined) return;
      callback(null, {
        name: model.name,
        versions: [...model.versions],
        platform: copy.platform,
        inputs: v2MetadataTensors(copy.signature?.inputs, "input"),
        outputs: v2MetadataTensors(copy.signature?.outputs, "output"),
      });
    },
    ModelInfer(call: Call<GrpcInferRequest>, callback: Callback<GrpcInferResponse>) {
      if (!authorized(call, callback)) return;
      const request = call.request;
      const model = lookUp(request.model_name ?? "", request.model_version ?? "", callback, call);
      if (model === undefined) return;
      const copy = loadedCopy(model, callback);
      if (copy === undefined) return;
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
        controller?.abort(ABANDONED);
      });
      const answer = (result: InvocationResponse) => {
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
          // the engines answer values (`v2`); a JSON body is read for any other PredictionEngine
          const json = result.v2 ?? (JSON.parse(text) as { id?: string; outputs: V2JsonOutput[] });
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
        const running = copy.infer(converted.request, converted.size, signal);
        if (running instanceof Promise) running.then(answer, failed);
        else answer(running);
      } catch (error) {
        failed(error);
      }
    },
  };
  server.addService(inferenceServiceClient().service, instrumented(handlers, options.metrics));

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
