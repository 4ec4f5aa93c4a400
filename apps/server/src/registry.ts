import type { PredictionEngine } from "./engine.js";
import type { InvocationResponse, StreamSink } from "./invocation.js";
import type { ServableModel } from "./model-types.js";
import { type ModelSpec, scanModelRepository } from "./repository.js";

/** A model's state in the repository index, as the Open Inference Protocol's repository extension names them. */
export type ModelState = "READY" | "UNAVAILABLE" | "LOADING" | "UNLOADING";

/** One item of `POST /v2/repository/index` (MLServer's and Triton's shape). */
export interface RepositoryIndexItem {
  name: string;
  version?: string;
  state: ModelState;
  reason: string;
}

/** Why a model is not loaded although nothing failed. */
export const NOT_LOADED = "not loaded";
export const UNLOADED = "unloaded";

/** A repository operation that cannot be done: `status` is its HTTP status (404 unknown model, 400 failed load). */
export class RepositoryError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "RepositoryError";
  }
}

/** One loaded copy of a model: its engine and the predictions still running on it. */
class Generation {
  readonly pending = new Set<Promise<unknown>>();
  constructor(
    readonly engine: PredictionEngine,
    readonly version: string | undefined,
  ) {}

  track<T>(result: T | Promise<T>): T | Promise<T> {
    if (!(result instanceof Promise)) return result;
    this.pending.add(result);
    const done = () => this.pending.delete(result);
    result.then(done, done);
    return result;
  }

  /** Let every prediction on this copy finish, then close it (worker pool, sessions). */
  async retire(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
    await this.engine.close();
  }
}

/** A model of the server: its spec, its state, and (when READY) the engine its predictions run on. */
export class ServedModel {
  state: ModelState = "UNAVAILABLE";
  reason = NOT_LOADED;
  /** Restarts of worker threads of copies already closed (the metric stays monotonic across reloads). */
  retiredRestarts = 0;
  #current: Generation | undefined;
  #op: Promise<unknown> = Promise.resolve();

  constructor(
    readonly name: string,
    public spec: ModelSpec & { broken?: string },
    /** Where it came from: configured (kept), the repository directory (follows the directory), an instance. */
    readonly source: "configured" | "repository" | "instance",
    readonly instance?: ServableModel,
  ) {}

  /** The engine of the loaded copy, while the model is READY. */
  get engine(): PredictionEngine | undefined {
    return this.state === "READY" ? this.#current?.engine : undefined;
  }

  /** The version of the copy being served (else the spec's). */
  get version(): string | undefined {
    return this.#current?.version ?? this.spec.version;
  }

  get loaded(): boolean {
    return this.#current !== undefined;
  }

  get queued(): number {
    return this.#current?.engine.queued ?? 0;
  }

  /** Predictions running or waiting on the loaded copy. */
  get inFlight(): number {
    return this.#current?.pending.size ?? 0;
  }

  get restarts(): number {
    return this.retiredRestarts + (this.#current?.engine.restarts ?? 0);
  }

  /** MLflow invocation on the loaded copy (the caller checked `engine`), counted until it settles. */
  invoke(
    body: Uint8Array,
    contentType: string | undefined,
    sink: StreamSink,
    signal: () => AbortSignal,
    headerLength?: string,
  ): InvocationResponse | Promise<InvocationResponse> {
    const g = this.#current!;
    return g.track(g.engine.invoke(body, contentType, sink, signal, headerLength));
  }

  /** `headerLength`: the request's Inference-Header-Content-Length (a binary tensor body), when it has one. */
  v2Infer(
    body: Uint8Array,
    signal: () => AbortSignal,
    headerLength?: string,
  ): InvocationResponse | Promise<InvocationResponse> {
    const g = this.#current!;
    return g.track(g.engine.v2Infer(body, signal, headerLength));
  }

  /** A v2 request already read from its wire format (the gRPC service's) on the loaded copy, counted likewise. */
  v2InferRequest(
    request: unknown,
    size: number,
    signal: () => AbortSignal,
  ): InvocationResponse | Promise<InvocationResponse> {
    const g = this.#current!;
    return g.track(g.engine.v2InferRequest(request, size, signal));
  }

  /** Run `op` after every operation already asked for on this model (loads and unloads never interleave). */
  serialize<T>(op: () => Promise<T>): Promise<T> {
    const next = this.#op.then(op, op);
    this.#op = next.catch(() => {});
    return next;
  }

  /**
   * Load (or reload) the model. A reload loads the new copy while the old one serves, switches, then closes
   * the old one once its predictions have finished; a failed reload keeps the old copy serving.
   */
  async load(factory: (model: ServedModel) => Promise<PredictionEngine>): Promise<void> {
    const previous = this.#current;
    if (this.spec.broken !== undefined) {
      if (previous === undefined) {
        this.state = "UNAVAILABLE";
        this.reason = this.spec.broken;
      }
      throw new RepositoryError(400, `Failed to load model '${this.name}': ${this.spec.broken}`);
    }
    if (previous === undefined) {
      this.state = "LOADING";
      this.reason = "";
    }
    let engine: PredictionEngine;
    try {
      engine = await factory(this);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (previous === undefined) {
        this.state = "UNAVAILABLE";
        this.reason = message;
      }
      throw Object.assign(new RepositoryError(400, `Failed to load model '${this.name}': ${message}`), {
        cause: error,
      });
    }
    this.#current = new Generation(engine, this.spec.version);
    this.state = "READY";
    this.reason = "";
    if (previous !== undefined) await this.#retire(previous);
  }

  /** Stop taking requests, let the running ones finish, close the model's resources. */
  async unload(reason = UNLOADED): Promise<void> {
    const current = this.#current;
    if (current === undefined) {
      if (this.state !== "LOADING") this.reason = this.reason === NOT_LOADED ? NOT_LOADED : reason;
      return;
    }
    this.state = "UNLOADING";
    this.reason = "";
    try {
      await this.#retire(current);
    } finally {
      this.#current = undefined;
      this.state = "UNAVAILABLE";
      this.reason = reason;
    }
  }

  async #retire(g: Generation): Promise<void> {
    try {
      await g.retire();
    } finally {
      this.retiredRestarts += g.engine.restarts;
    }
  }
}

export interface RegistryInit {
  models: readonly ServedModel[];
  /** A model repository directory, rescanned by the index and by loads (as MLServer does). */
  repository?: string;
  defaultModel?: string;
  factory: (model: ServedModel) => Promise<PredictionEngine>;
  onWarning?: (message: string) => void;
}

/** The server's models by name: loading, unloading, readiness and the repository index. */
export class ModelRegistry {
  readonly #models = new Map<string, ServedModel>();
  readonly #repository: string | undefined;
  readonly #factory: (model: ServedModel) => Promise<PredictionEngine>;
  readonly #onWarning: (message: string) => void;
  /** The model `/invocations`, `/ping` and `/health` answer for (a single model, or the one named default). */
  readonly defaultModel: ServedModel | undefined;
  #closed = false;

  constructor(init: RegistryInit) {
    for (const m of init.models) {
      if (this.#models.has(m.name)) throw new TypeError(`Two models are named '${m.name}'.`);
      this.#models.set(m.name, m);
    }
    this.#repository = init.repository;
    this.#factory = init.factory;
    this.#onWarning = init.onWarning ?? (() => {});
    if (init.defaultModel !== undefined) {
      this.defaultModel = this.#models.get(init.defaultModel);
      if (this.defaultModel === undefined)
        throw new TypeError(
          `The default model '${init.defaultModel}' is not one of the served models (${this.names().join(", ")}).`,
        );
    } else if (this.#models.size === 1) {
      this.defaultModel = [...this.#models.values()][0];
    }
  }

  /** Models from a repository directory, with its broken entries. */
  static scan(root: string, onWarning: (m: string) => void = () => {}): ServedModel[] {
    const scan = scanModelRepository(root);
    for (const w of scan.warnings) onWarning(w);
    return [
      ...scan.models.map((spec) => new ServedModel(spec.name, spec, "repository")),
      ...scan.broken.map(
        (b) =>
          new ServedModel(
            b.name,
            {
              name: b.name,
              uri: b.uri,
              broken: b.reason,
              ...(b.version !== undefined ? { version: b.version } : {}),
            },
            "repository",
          ),
      ),
    ];
  }

  get(name: string): ServedModel | undefined {
    return this.#models.get(name);
  }

  names(): string[] {
    return [...this.#models.keys()];
  }

  models(): IterableIterator<ServedModel> {
    return this.#models.values();
  }

  get queued(): number {
    let n = 0;
    for (const m of this.#models.values()) n += m.queued;
    return n;
  }

  get restarts(): number {
    let n = 0;
    for (const m of this.#models.values()) n += m.restarts;
    return n;
  }

  /**
   * `/v2/health/ready`. Strict (Triton's default `--strict-readiness`): every model is READY, except those
   * unloaded through the repository API or never asked to load; a model that failed to load or is still
   * loading keeps the server not ready. Not strict: ready whenever the server is up.
   */
  ready(strict: boolean): boolean {
    if (!strict) return true;
    for (const m of this.#models.values()) {
      if (m.state === "READY") continue;
      if (m.state === "UNAVAILABLE" && (m.reason === UNLOADED || m.reason === NOT_LOADED)) continue;
      return false;
    }
    return true;
  }

  /** Load every model at once; a failure leaves that model UNAVAILABLE with its reason and is returned. */
  async loadAll(): Promise<Map<string, unknown>> {
    const failures = new Map<string, unknown>();
    await Promise.all(
      [...this.#models.values()].map((m) =>
        m
          .serialize(() => m.load(this.#factory))
          .catch((error: unknown) => {
            failures.set(m.name, (error as { cause?: unknown }).cause ?? error);
          }),
      ),
    );
    return failures;
  }

  /** Follow the repository directory: new sub-directories appear (not loaded), removed unloaded ones go. */
  refresh(): void {
    if (this.#repository === undefined || this.#closed) return;
    let scanned: ServedModel[];
    try {
      scanned = ModelRegistry.scan(this.#repository);
    } catch (error) {
      this.#onWarning(
        `Cannot read the model repository '${this.#repository}': ${error instanceof Error ? error.message : String(error)}`,
      );
      return;
    }
    const names = new Set(scanned.map((m) => m.name));
    for (const fresh of scanned) {
      const known = this.#models.get(fresh.name);
      if (known === undefined) this.#models.set(fresh.name, fresh);
      else if (known.source === "repository") known.spec = fresh.spec;
    }
    for (const [name, m] of this.#models) {
      if (m.source === "repository" && !names.has(name) && !m.loaded && m.state !== "LOADING")
        this.#models.delete(name);
    }
  }

  index(readyOnly = false): RepositoryIndexItem[] {
    this.refresh();
    const items: RepositoryIndexItem[] = [];
    for (const m of this.#models.values()) {
      if (readyOnly && m.state !== "READY") continue;
      const version = m.version;
      items.push({
        name: m.name,
        ...(version !== undefined ? { version } : {}),
        state: m.state,
        reason: m.reason,
      });
    }
    return items;
  }

  #find(name: string): ServedModel {
    const m = this.#models.get(name);
    if (m === undefined) throw new RepositoryError(404, `Model ${name.slice(0, 200)} not found`);
    return m;
  }

  /** `POST /v2/repository/models/{name}/load`: load, or reload a loaded model without dropping requests. */
  load(name: string): Promise<void> {
    this.refresh();
    const m = this.#find(name);
    if (this.#closed) return Promise.reject(new RepositoryError(400, "The server is shutting down"));
    return m.serialize(() => m.load(this.#factory));
  }

  /** `POST /v2/repository/models/{name}/unload`: resolves once its in-flight requests finished and it closed. */
  unload(name: string): Promise<void> {
    const m = this.#find(name);
    return m.serialize(() => m.unload());
  }

  /** Unload every model (the server is stopping). */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#models.values()].map((m) => m.serialize(() => m.unload())));
  }
}
