import { isMlflowException } from "@pyfunc/core";
import { CliError, messageOf } from "../errors.js";
import { EXIT_CODES } from "../exit-codes.js";
import { importedFlavorUrls } from "../flavors.js";
import { prepareFlavors, pyfuncLoaderModules, readLocalMLmodel, resolvesLoader } from "../model.js";
import { parseCount } from "./predict.js";

export interface ServeOptions {
  modelUri: string;
  port: string;
  host: string;
  workers?: string;
  timeout: string;
  plugin?: string[];
  envManager?: string;
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
  const workers = parseCount("--workers", options.workers, 1, 1);
  const timeoutSeconds = Number(options.timeout);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
    throw new CliError(
      `--timeout must be a positive number of seconds, got '${options.timeout}'.`,
      EXIT_CODES.USAGE,
    );
  }
  const local = await readLocalMLmodel(options.modelUri);
  await prepareFlavors(local?.model, options.plugin);
  const { startServer } = await loadServer();
  const imports = await importedFlavorUrls();

  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer({
      modelUri: options.modelUri,
      host: options.host,
      port,
      workers,
      timeoutSeconds,
      imports,
      handleSignals: false,
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
        `Failed to load model '${options.modelUri}': ${messageOf(error)}`,
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
  await new Promise<void>((resolve) => {
    let closing = false;
    const stop = (signal: NodeJS.Signals) => {
      if (closing) {
        process.stderr.write(`pyfunc serve: ${signal} again, exiting now\n`);
        process.exit(130);
      }
      closing = true;
      process.stderr.write(`pyfunc serve: ${signal} received, draining in-flight requests\n`);
      server.close().then(resolve, (error: unknown) => {
        process.stderr.write(`pyfunc serve: error while closing: ${messageOf(error)}\n`);
        resolve();
      });
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
    process.stdout.write(`Serving ${options.modelUri} at ${server.url}\n`);
  });
}
