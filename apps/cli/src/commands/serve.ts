import { readFileSync } from "node:fs";
import { isMlflowException } from "@pyfunc/core";
import { type Command, Option } from "commander";
import { CliError, messageOf } from "../errors.js";
import { EXIT_CODES } from "../exit-codes.js";
import { importedFlavorUrls } from "../flavors.js";
import { prepareFlavors, pyfuncLoaderModules, readLocalMLmodel, resolvesLoader } from "../model.js";
import { parseCount } from "./predict.js";

export interface ServeOptions {
  /** `-m` values: a bare URI (the default model, as before) or `name=uri`, repeatable. */
  modelUri?: string[];
  modelRepository?: string;
  defaultModel?: string;
  modelControl?: boolean;
  strictReadiness?: boolean;
  port: string;
  host: string;
  workers?: string;
  timeout: string;
  plugin?: string[];
  envManager?: string;
  logLevel?: string;
  authToken?: string;
  tlsCert?: string;
  tlsKey?: string;
  corsOrigin?: string[];
  allowedHosts?: string;
  maxBodySize?: string;
  maxConnections?: string;
  headersTimeout?: string;
  bodyTimeout?: string;
  keepAliveTimeout?: string;
  rateLimit?: string;
  drainTimeout?: string;
  maxBatchSize?: string;
  maxBatchDelayMs?: string;
  grpcPort?: string;
  metrics?: boolean;
  docs?: boolean;
}

const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"];
const list = (value: string, previous: string[] = []): string[] => [
  ...previous,
  ...value
    .split(",")
    .map((v) => v.trim())
    .filter((v) => v.length > 0),
];

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** `-m` for serve: repeatable, `name=uri` or a bare URI (the default model). */
export function modelUriOption(): Option {
  return new Option(
    "-m, --model-uri <uri>",
    "model directory or URI (file:, runs:/, models:/, mlflow-artifacts:/, s3://, https://); repeat as name=uri to serve several models",
  ).argParser(collect);
}

/** A named model: `name=uri`, the name as the server takes it (no '/', ':' or '=' in it). */
const NAMED = /^([A-Za-z0-9][A-Za-z0-9_.-]{0,127})=(.+)$/;

export interface ModelArguments {
  /** The bare `-m uri`: the default model, served as before. */
  modelUri?: string;
  models: { name: string; uri: string }[];
}

/** Split the `-m` values into the bare default model and the named ones. */
export function parseModelArguments(values: readonly string[]): ModelArguments {
  const out: ModelArguments = { models: [] };
  const names = new Set<string>();
  for (const value of values) {
    const named = NAMED.exec(value);
    if (named === null) {
      if (out.modelUri !== undefined) {
        throw new CliError(
          `Only one -m may be a bare URI (the default model); name the others: -m name=uri (got '${out.modelUri}' and '${value}').`,
          EXIT_CODES.USAGE,
        );
      }
      out.modelUri = value;
      continue;
    }
    const [, name, uri] = named as unknown as [string, string, string];
    if (names.has(name)) throw new CliError(`Two -m options name the model '${name}'.`, EXIT_CODES.USAGE);
    names.add(name);
    out.models.push({ name, uri });
  }
  return out;
}

/**
 * The options of `pyfunc serve` beyond MLflow's own (-m, -p, -h, -t, added by the program): the worker count,
 * MLflow's Python-environment flags (accepted and ignored with a note, listed so scripts can see them), and the
 * production controls, each with an environment variable and a documented default.
 */
export function serveOptions(): Option[] {
  return [
    new Option(
      "--model-repository <dir>",
      "serve every model in DIR: one sub-directory per model, named by the directory (MLServer's layout)",
    ).env("PYFUNC_MODEL_REPOSITORY"),
    new Option(
      "--default-model <name>",
      "the model POST /invocations and /ping answer for when several are served",
    ).env("PYFUNC_DEFAULT_MODEL"),
    new Option(
      "--model-control",
      "allow POST /v2/repository/models/{name}/load|unload (default: on with several models or a repository)",
    ),
    new Option("--no-model-control", "refuse load and unload through the repository API"),
    new Option(
      "--no-strict-readiness",
      "/v2/health/ready is 200 while the server is up, even if a model is not ready (Triton's --strict-readiness=false)",
    ),
    new Option("-w, --workers <n>", "worker threads per model, each with its own model copy")
      .env("MLFLOW_MODELS_WORKERS")
      .default("1"),
    new Option(
      "--log-level <level>",
      "log level of the JSON log on stdout (info keeps one access line per request)",
    )
      .choices(LOG_LEVELS)
      .env("PYFUNC_LOG_LEVEL")
      .default("info"),
    new Option("--auth-token <token>", "require Authorization: Bearer <token> (not on /ping, /health)").env(
      "PYFUNC_AUTH_TOKEN",
    ),
    new Option("--tls-cert <file>", "PEM certificate chain: serve HTTPS (with --tls-key)").env(
      "PYFUNC_TLS_CERT",
    ),
    new Option("--tls-key <file>", "PEM private key for --tls-cert").env("PYFUNC_TLS_KEY"),
    new Option("--cors-origin <origins>", "origins allowed by CORS, comma-separated or repeated; * for any")
      .env("PYFUNC_CORS_ORIGIN")
      .argParser(list),
    new Option(
      "--allowed-hosts <hosts>",
      "Host names the server answers for, comma-separated (*.example.com, * for any; default: loopback names when bound to loopback, else any)",
    ).env("PYFUNC_ALLOWED_HOSTS"),
    new Option("--max-body-size <bytes>", "largest request body; larger ones get 413")
      .env("PYFUNC_MAX_BODY_SIZE")
      .default("104857600"),
    new Option("--max-connections <n>", "open connections at most")
      .env("PYFUNC_MAX_CONNECTIONS")
      .default("4096"),
    new Option("--headers-timeout <seconds>", "time to receive a request's headers")
      .env("PYFUNC_HEADERS_TIMEOUT")
      .default("10"),
    new Option("--body-timeout <seconds>", "time to receive a whole request")
      .env("PYFUNC_BODY_TIMEOUT")
      .default("30"),
    new Option("--keep-alive-timeout <seconds>", "how long an idle keep-alive connection stays open")
      .env("PYFUNC_KEEP_ALIVE_TIMEOUT")
      .default("5"),
    new Option("--rate-limit <n>", "requests per minute per client address (default: no limit)").env(
      "PYFUNC_RATE_LIMIT",
    ),
    new Option("--drain-timeout <seconds>", "on SIGTERM/SIGINT, longest wait for in-flight requests")
      .env("PYFUNC_DRAIN_TIMEOUT")
      .default("30"),
    new Option(
      "--max-batch-size <n>",
      "adaptive batching: merge concurrent compatible requests into model calls of at most n rows (default: off)",
    ).env("PYFUNC_MAX_BATCH_SIZE"),
    new Option(
      "--max-batch-delay-ms <ms>",
      "adaptive batching: longest a request waits while a batch is in flight (an idle model runs at once; default 5)",
    ).env("PYFUNC_MAX_BATCH_DELAY_MS"),
    new Option(
      "--grpc-port <port>",
      "also serve the Open Inference Protocol over gRPC (inference.GRPCInferenceService) on this port (default: no gRPC)",
    ).env("PYFUNC_GRPC_PORT"),
    new Option("--no-metrics", "do not serve /metrics"),
    new Option("--no-docs", "do not serve /docs and /openapi.json"),
    new Option(
      "--env-manager <manager>",
      "accepted for compatibility with mlflow models serve; ignored (models run in this Node.js process)",
    ),
    new Option("--no-conda", "accepted for compatibility (= --env-manager local)"),
    new Option("--install-mlflow", "accepted for compatibility; ignored"),
    new Option(
      "--enable-mlserver",
      "accepted for compatibility; ignored (the Open Inference Protocol is always served)",
    ),
  ];
}

/** Add `serveOptions()` to the serve command. */
export function withServeOptions(command: Command): Command {
  for (const option of serveOptions()) command.addOption(option);
  return command;
}

function seconds(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback * 1000;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) {
    throw new CliError(`${name} must be a positive number of seconds, got '${text}'.`, EXIT_CODES.USAGE);
  }
  return n * 1000;
}

function readPem(name: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new CliError(`Cannot read ${name} '${file}': ${messageOf(error)}`, EXIT_CODES.USAGE, {
      cause: error,
    });
  }
}

/** The server options the production-control flags give. */
export function controlsOf(options: ServeOptions) {
  if ((options.tlsCert === undefined) !== (options.tlsKey === undefined)) {
    throw new CliError("--tls-cert and --tls-key go together.", EXIT_CODES.USAGE);
  }
  const rate =
    options.rateLimit === undefined ? undefined : parseCount("--rate-limit", options.rateLimit, 0, 1);
  const hosts = options.allowedHosts
    ?.split(",")
    .map((h) => h.trim())
    .filter((h) => h.length > 0);
  return {
    logger: { level: options.logLevel ?? "info" },
    ...(options.authToken !== undefined && options.authToken !== "" ? { authToken: options.authToken } : {}),
    ...(options.tlsCert !== undefined && options.tlsKey !== undefined
      ? { tls: { cert: readPem("--tls-cert", options.tlsCert), key: readPem("--tls-key", options.tlsKey) } }
      : {}),
    ...(options.corsOrigin !== undefined ? { corsOrigins: options.corsOrigin } : {}),
    ...(hosts !== undefined && hosts.length > 0 ? { allowedHosts: hosts } : {}),
    bodyLimit: parseCount("--max-body-size", options.maxBodySize, 100 * 1024 * 1024, 1),
    maxConnections: parseCount("--max-connections", options.maxConnections, 4096, 1),
    headersTimeoutMs: seconds("--headers-timeout", options.headersTimeout, 10),
    bodyTimeoutMs: seconds("--body-timeout", options.bodyTimeout, 30),
    keepAliveTimeoutMs: seconds("--keep-alive-timeout", options.keepAliveTimeout, 5),
    ...(rate !== undefined ? { rateLimit: { max: rate, windowMs: 60_000 } } : {}),
    drainTimeoutMs: seconds("--drain-timeout", options.drainTimeout, 30),
    ...(options.maxBatchSize !== undefined
      ? {
          maxBatchSize: parseCount("--max-batch-size", options.maxBatchSize, 0, 0),
          maxBatchDelayMs: parseCount("--max-batch-delay-ms", options.maxBatchDelayMs, 5, 0),
        }
      : {}),
    metrics: options.metrics !== false,
    docs: options.docs !== false,
  };
}

async function loadServer(): Promise<typeof import("@pyfunc/server")> {
  try {
    return await import("@pyfunc/server");
  } catch (error) {
    throw new CliError(
      `Cannot load the scoring server (@pyfunc/server): ${messageOf(error)}`,
      EXIT_CODES.SERVE_FAILED,
      {
        cause: error,
      },
    );
  }
}

/** `pyfunc serve`: start the scoring server (as `mlflow models serve`) and print its URL. Resolves on shutdown. */
export async function runServe(options: ServeOptions): Promise<void> {
  const port = parseCount("--port", options.port, 5000, 0);
  if (port > 65535) throw new CliError(`--port must be at most 65535, got ${port}.`, EXIT_CODES.USAGE);
  const grpcPort =
    options.grpcPort === undefined ? undefined : parseCount("--grpc-port", options.grpcPort, 0, 0);
  if (grpcPort !== undefined && (grpcPort > 65535 || (grpcPort !== 0 && grpcPort === port)))
    throw new CliError(
      `--grpc-port must be at most 65535 and differ from --port, got ${grpcPort}.`,
      EXIT_CODES.USAGE,
    );
  const workers = parseCount("--workers", options.workers, 1, 1);
  const timeoutSeconds = Number(options.timeout);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
    throw new CliError(
      `--timeout must be a positive number of seconds, got '${options.timeout}'.`,
      EXIT_CODES.USAGE,
    );
  }
  const controls = controlsOf(options);
  const { modelUri, models } = parseModelArguments(options.modelUri ?? []);
  if (modelUri === undefined && models.length === 0 && options.modelRepository === undefined) {
    throw new CliError(
      "serve needs a model: -m MODEL_URI, -m name=uri (repeatable) or --model-repository DIR.",
      EXIT_CODES.USAGE,
    );
  }
  const single = modelUri !== undefined && models.length === 0 && options.modelRepository === undefined;
  // one model as before: its local MLmodel is checked first (exit codes 3, 4, 5); several: each on its own
  const local = single ? await readLocalMLmodel(modelUri) : undefined;
  await prepareFlavors(local?.model, options.plugin);
  const { startServer } = await loadServer();
  const imports = await importedFlavorUrls();

  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer({
      ...(modelUri !== undefined ? { modelUri } : {}),
      ...(models.length > 0 ? { models } : {}),
      ...(options.modelRepository !== undefined ? { modelRepository: options.modelRepository } : {}),
      ...(options.defaultModel !== undefined ? { defaultModel: options.defaultModel } : {}),
      ...(options.modelControl !== undefined ? { modelControl: options.modelControl } : {}),
      ...(options.strictReadiness === false ? { strictReadiness: false } : {}),
      host: options.host,
      port,
      workers,
      timeoutSeconds,
      imports,
      handleSignals: false,
      ...(grpcPort !== undefined ? { grpcPort } : {}),
      ...controls,
    });
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code === "EADDRINUSE" || code === "EACCES" || code === "EADDRNOTAVAIL") {
      throw new CliError(
        `Cannot listen on ${options.host}:${port}: ${messageOf(error)}`,
        EXIT_CODES.SERVE_FAILED,
        { cause: error },
      );
    }
    if (error instanceof TypeError || code === "ENOENT" || code === "ENOTDIR") {
      // a bad name, a duplicate, an unknown --default-model, an unreadable --model-repository
      throw new CliError(messageOf(error), EXIT_CODES.USAGE, { cause: error });
    }
    if (isMlflowException(error)) {
      const cls = error.errorClass;
      if (
        cls === "FLAVOR_NOT_INSTALLED" ||
        cls === "PYTHON_ONLY_FLAVOR" ||
        (local && !resolvesLoader(pyfuncLoaderModules(local.model)))
      ) {
        throw new CliError(messageOf(error), EXIT_CODES.FLAVOR_MISSING, { cause: error });
      }
      throw new CliError(
        `Failed to load model '${modelUri ?? ""}': ${messageOf(error)}`,
        EXIT_CODES.MODEL_LOAD_FAILED,
        {
          cause: error,
        },
      );
    }
    throw new CliError(`The scoring server failed to start: ${messageOf(error)}`, EXIT_CODES.SERVE_FAILED, {
      cause: error,
    });
  }
  const registry = server.server.registry;
  for (const m of registry.models()) {
    if (m.state !== "READY")
      process.stderr.write(`pyfunc serve: model '${m.name}' is ${m.state}: ${m.reason}\n`);
  }
  const served = single
    ? modelUri
    : `${registry.names().length} models (${registry.names().join(", ")}${
        registry.defaultModel !== undefined ? `; default ${registry.defaultModel.name}` : ""
      })`;
  await new Promise<void>((resolve) => {
    let closing = false;
    const stop = (signal: NodeJS.Signals) => {
      if (closing) {
        process.stderr.write(`pyfunc serve: ${signal} again, exiting now\n`);
        process.exit(130);
      }
      closing = true;
      process.stderr.write(`pyfunc serve: ${signal} received, draining in-flight requests\n`);
      // the drain deadline cuts the remaining connections; past it (and a moment for their answers) exit anyway
      setTimeout(() => process.exit(1), controls.drainTimeoutMs + 2000).unref();
      server.close().then(resolve, (error: unknown) => {
        process.stderr.write(`pyfunc serve: error while closing: ${messageOf(error)}\n`);
        resolve();
      });
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
    // on stderr, apart from the JSON log on stdout
    process.stderr.write(`Serving ${served} at ${server.url}\n`);
    if (server.grpc !== undefined)
      process.stderr.write(`Serving the Open Inference Protocol over gRPC at ${server.grpc.address}\n`);
  });
}
