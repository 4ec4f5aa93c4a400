import { type CreateServerOptions, createServer, type PyfuncServer } from "./app.js";

export {
  type CreateServerOptions,
  createServer,
  DEFAULT_BODY_LIMIT,
  DEFAULT_MODEL_NAME,
  defaultTimeoutMs,
  type PyfuncServer,
  SERVER_VERSION,
} from "./app.js";
export type { PredictionEngine } from "./engine.js";
export type { InvocationResponse } from "./invocation.js";
export type { ModelInfo, RawSignature, ServableModel } from "./model-types.js";
export { buildOpenApiDocument } from "./openapi.js";
export { decodeV2Request, encodeV2Outputs } from "./v2.js";

export interface StartServerOptions extends Omit<CreateServerOptions, "timeoutMs"> {
  host?: string;
  port?: number;
  /** Per-request timeout in seconds (the CLI's `--timeout`); default MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT or 60. */
  timeoutSeconds?: number;
  /** Install SIGTERM/SIGINT handlers that drain and exit (default true). */
  handleSignals?: boolean;
  /** How long a drain may take before the process exits anyway, in ms (default 30 s). */
  drainTimeoutMs?: number;
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
  server: PyfuncServer;
}

/**
 * Start the scoring server (as `mlflow models serve`): load the model in the workers, listen, and on
 * SIGTERM/SIGINT stop accepting, finish in-flight requests, stop the workers and exit.
 */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const { host, port, timeoutSeconds, handleSignals, drainTimeoutMs, ...rest } = options;
  const server = await createServer({
    logger: true,
    ...rest,
    ...(timeoutSeconds !== undefined ? { timeoutMs: timeoutSeconds * 1000 } : {}),
  });
  let url: string;
  try {
    url = await server.listen({ host: host ?? "127.0.0.1", port: port ?? 5000 });
  } catch (error) {
    await server.close();
    throw error;
  }
  const signals: NodeJS.Signals[] = ["SIGTERM", "SIGINT"];
  const onSignal = (signal: NodeJS.Signals) => {
    server.app.log.info({ signal }, "draining: finishing in-flight requests before exit");
    const force = setTimeout(() => {
      server.app.log.error("drain timed out; exiting");
      process.exit(1);
    }, drainTimeoutMs ?? 30_000);
    force.unref();
    server.close().then(
      () => {
        server.app.log.info("server stopped");
        process.exit(0);
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
    async close() {
      for (const s of signals) process.removeListener(s, onSignal);
      await server.close();
    },
  };
}
