import { defaultFlavorRegistry, isMlflowException, type Params } from "@pyfunc/core";
import { flavorModuleUrls } from "@pyfunc/core/flavor";
import { ScoringPool } from "@pyfunc/core/scoring";
import { CliError, deserializeCliError, messageOf } from "../errors.js";
import { EXIT_CODES } from "../exit-codes.js";
import { importedFlavorUrls } from "../flavors.js";
import { prepareFlavors, pyfuncLoaderModules, readLocalMLmodel, resolvesLoader } from "../model.js";
import type { ChunkReply, ChunkTask } from "./worker.js";

export interface WorkerInit {
  modelUri: string;
  params: Params | undefined;
  plugins: string[];
  modelConfig: Record<string, unknown> | undefined;
}

/**
 * `pyfunc predict --workers N`: core's scoring pool (the one the scoring server runs on), each worker with its
 * own copy of the model, answering chunks through this package's handler (./worker.js).
 */
export class WorkerPool {
  readonly #pool: ScoringPool;
  #fatal: CliError | undefined;

  private constructor(pool: ScoringPool) {
    this.#pool = pool;
  }

  static async start(count: number, init: WorkerInit): Promise<WorkerPool> {
    // the flavors are imported here first, so the workers import the same modules (core records their URLs)
    const local = await readLocalMLmodel(init.modelUri);
    await prepareFlavors(local?.model, init.plugins);
    const flavorModules = [
      ...new Set([...(await importedFlavorUrls()), ...flavorModuleUrls(defaultFlavorRegistry)]),
    ];
    try {
      const pool = await ScoringPool.create({
        modelUri: init.modelUri,
        threads: count,
        handler: new URL("./worker.js", import.meta.url).href,
        handlerData: { params: init.params },
        flavorModules,
        ...(init.modelConfig !== undefined ? { modelConfig: init.modelConfig } : {}),
      });
      return new WorkerPool(pool);
    } catch (error) {
      throw loadFailure(error, init.modelUri, local);
    }
  }

  /** Predict one chunk; resolves to its bare predictions JSON. */
  async submit(body: Uint8Array, contentType: string): Promise<string> {
    if (this.#fatal) throw this.#fatal;
    let reply: ChunkReply;
    try {
      reply = (
        await this.#pool.run<ChunkReply>({ body, contentType } satisfies ChunkTask, { size: body.byteLength })
      ).result;
    } catch (error) {
      this.#fatal ??= new CliError(`Worker crashed: ${messageOf(error)}`, EXIT_CODES.INTERNAL, {
        cause: error,
      });
      throw this.#fatal;
    }
    if ("error" in reply) throw deserializeCliError(reply.error);
    return reply.json;
  }

  async close(): Promise<void> {
    this.#fatal ??= new CliError("Worker pool closed.", EXIT_CODES.INTERNAL);
    await this.#pool.close();
  }
}

/** A load failure in the workers, with the exit code `openModel` gives the same failure in this thread. */
function loadFailure(
  error: unknown,
  uri: string,
  local: Awaited<ReturnType<typeof readLocalMLmodel>>,
): CliError {
  if (isMlflowException(error)) {
    if (error.errorCode === "RESOURCE_DOES_NOT_EXIST" && !local)
      return new CliError(messageOf(error), EXIT_CODES.MODEL_NOT_FOUND, { cause: error });
    const cls = error.errorClass;
    if (
      cls === "FLAVOR_NOT_INSTALLED" ||
      cls === "PYTHON_ONLY_FLAVOR" ||
      (local && !resolvesLoader(pyfuncLoaderModules(local.model)))
    ) {
      return new CliError(messageOf(error), EXIT_CODES.FLAVOR_MISSING, { cause: error });
    }
  }
  return new CliError(`Failed to load model '${uri}': ${messageOf(error)}`, EXIT_CODES.MODEL_LOAD_FAILED, {
    cause: error,
  });
}
