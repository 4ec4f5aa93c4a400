import { isIP } from "node:net";
import {
  type CreateServerOptions,
  createServer,
  DEFAULT_BODY_LIMIT,
  defaultTimeoutMs,
  type PyfuncServer,
  SERVER_VERSION,
} from "./app.js";
import { type RunningGrpcServer, registryResolver, startGrpcServer } from "./grpc/index.js";
import { bearerChecker } from "./plugins/auth.js";

export {
  type CreateServerOptions,
  createServer,
  DEFAULT_BODY_LIMIT,
  DEFAULT_BODY_TIMEOUT_MS,
  DEFAULT_HEADERS_TIMEOUT_MS,
  DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_URL_LENGTH,
  DEFAULT_MODEL_NAME,
  defaultTimeoutMs,
  type PyfuncServer,
  type RateLimitOptions,
  SERVER_VERSION,
} from "./app.js";
export type { PredictionEngine } from "./engine.js";
export {
  inferenceServiceClient,
  type LoadedOipModel,
  loadInferenceProto,
  type ModelResolver,
  type OipModel,
  PROTO_LOADER_OPTIONS,
  PROTO_PATH,
  type RunningGrpcServer,
} from "./grpc/index.js";
export type { InvocationResponse } from "./invocation.js";
export type { ModelInfo, RawSignature, ServableModel } from "./model-types.js";
export { buildOpenApiDocument } from "./openapi.js";
export {
  type ModelRegistry,
  type ModelState,
  RepositoryError,
  type RepositoryIndexItem,
  type ServedModel,
} from "./registry.js";
export { type ModelSpec, type RepositoryScan, scanModelRepository } from "./repository.js";
export { decodeV2Request, encodeV2Outputs } from "./v2.js";

export const DEFAULT_DRAIN_TIMEOUT_MS = 30_000;

export interface StartServerOptions extends Omit<CreateServerOptions, "timeoutMs"> {
  host?: string;
  port?: number;
  /** Per-request timeout in seconds (the CLI's `--timeout`); default MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT or 60. */
  timeoutSeconds?: number;
  /** Install SIGTERM/SIGINT handlers that drain and exit (default true). */
  handleSignals?: boolean;
  /** How long a drain may take before the process exits anyway, in ms (default 30 s). */
  drainTimeoutMs?: number;
  /**
   * Also serve the Open Inference Protocol's gRPC service (`inference.GRPCInferenceService`) on this port of
   * the same host (0: any free port); default: no gRPC. Same models, limits, timeout, token and TLS as HTTP.
   */
  grpcPort?: number;
}

export interface RunningServer {
  url: string;
  /** Drain (see PyfuncServer.close) and stop; past `drainTimeoutMs` the remaining connections are cut. */
  close(): Promise<void>;
  server: PyfuncServer;
  /** The gRPC server, when `grpcPort` was given. */
  grpc?: RunningGrpcServer;
}

const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "[::1]", "::1"];

/** The Host names a server bound to `host` answers for by default: loopback names for a loopback bind, else any. */
export function defaultAllowedHosts(host: string): string[] | undefined {
  const h = host.toLowerCase();
  const loopback = h === "localhost" || h === "::1" || (isIP(h) === 4 && h.startsWith("127."));
  return loopback ? [...new Set([...LOOPBACK_NAMES, h.includes(":") ? `[${h}]` : h])] : undefined;
}

/**
 * Start the scoring server (as `mlflow models serve`): load the model in the workers, listen, and on
 * SIGTERM/SIGINT drain (stop accepting, answer every request already received, close idle connections), stop
 * the workers and exit, at the latest after `drainTimeoutMs`.
 */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const { host, port, timeoutSeconds, handleSignals, drainTimeoutMs, grpcPort, ...rest } = options;
  const bindHost = host ?? "127.0.0.1";
  const server = await createServer({
    logger: true,
    ...rest,
    allowedHosts: rest.allowedHosts ?? defaultAllowedHosts(bindHost),
    ...(timeoutSeconds !== undefined ? { timeoutMs: timeoutSeconds * 1000 } : {}),
  });
  let url: string;
  try {
    url = await server.listen({ host: bindHost, port: port ?? 5000 });
  } catch (error) {
    await server.close();
    throw error;
  }
  let grpc: RunningGrpcServer | undefined;
  if (grpcPort !== undefined) {
    try {
      grpc = await startGrpcServer({
        resolveModel: registryResolver(server.registry, () => !server.app.draining),
        metrics: server.metrics,
        serverReady: () => !server.app.draining,
        host: bindHost,
        port: grpcPort,
        maxMessageBytes: rest.bodyLimit ?? DEFAULT_BODY_LIMIT,
        timeoutMs: timeoutSeconds !== undefined ? timeoutSeconds * 1000 : defaultTimeoutMs(),
        version: SERVER_VERSION,
        ...(rest.authToken !== undefined && rest.authToken.length > 0
          ? { checkAuthorization: bearerChecker(rest.authToken) }
          : {}),
        ...(rest.tls !== undefined ? { tls: rest.tls } : {}),
        log: server.app.log,
      });
      server.app.log.info({ address: grpc.address }, "gRPC (Open Inference Protocol) listening");
    } catch (error) {
      await server.close();
      throw error;
    }
  }
  const deadline = drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
  let closing: Promise<void> | undefined;
  let cut = false;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve, reject) => {
      const force = setTimeout(() => {
        cut = true;
        server.app.log.error(
          { drainTimeoutMs: deadline },
          "drain deadline passed: closing remaining connections",
        );
        server.app.server.closeAllConnections();
        grpc?.forceClose();
      }, deadline);
      force.unref();
      // both drain together; the engine stops (server.close) once no gRPC call is left either
      Promise.all([grpc?.close(), server.app.drain()])
        .then(() => server.close())
        .then(
          () => {
            clearTimeout(force);
            resolve();
          },
          (error: unknown) => {
            clearTimeout(force);
            reject(error);
          },
        );
    });
    return closing;
  };
  const signals: NodeJS.Signals[] = ["SIGTERM", "SIGINT"];
  const onSignal = (signal: NodeJS.Signals) => {
    server.app.log.info({ signal }, "draining: answering requests already received before exit");
    // past the deadline (and the cut connections' last answers) the process exits, whatever still runs
    setTimeout(() => process.exit(1), deadline + 2000).unref();
    close().then(
      () => {
        server.app.log.info("server stopped");
        process.exit(cut ? 1 : 0);
      },
      (error: unknown) => {
        server.app.log.error({ err: error }, "error while stopping");
        process.exit(1);
      },
    );
  };
  if (handleSignals !== false) for (const s of signals) process.once(s, onSignal);
  return {
    url,
    server,
    ...(grpc !== undefined ? { grpc } : {}),
    async close() {
      for (const s of signals) process.removeListener(s, onSignal);
      await close();
    },
  };
}
