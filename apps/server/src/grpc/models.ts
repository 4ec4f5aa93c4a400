import type { InvocationResponse } from "../invocation.js";
import type { RawSignature } from "../model-types.js";
import type { ModelRegistry, ServedModel } from "../registry.js";

/**
 * A model the gRPC service can answer for: its name and versions, and, while a copy of it is loaded, what its
 * metadata needs and its v2 inference entry point (the request the REST body stands for in, the REST answer
 * out; it runs the engine's worker pool / fast path).
 */
export interface OipModel {
  readonly name: string;
  readonly versions: readonly string[];
  /** The loaded copy, or why there is none (`UNAVAILABLE`, as the REST routes answer 503). */
  loaded(): LoadedOipModel | { unavailable: string };
  /** Ready for inference (ModelReady): loaded, and the server not draining. */
  ready(): boolean;
}

export interface LoadedOipModel {
  readonly platform: string;
  readonly signature: RawSignature | undefined;
  infer(
    request: unknown,
    size: number,
    signal: () => AbortSignal,
  ): InvocationResponse | Promise<InvocationResponse>;
}

/** Name (and version, "" for the server's choice) → the model, or undefined (NOT_FOUND). */
export type ModelResolver = (name: string, version: string) => OipModel | undefined;

/**
 * The server's models as the gRPC service sees them: every model of the registry by name, looked up per call,
 * so load and unload through the repository API (REST) show at once. As the REST routes
 * `/v2/models/{name}/versions/{version}`: a model without a version answers for any version asked for, one
 * with a version only for it (else NOT_FOUND); a known model that is not loaded is UNAVAILABLE with its
 * state and reason; predictions run on the loaded copy and are counted on it, so an unload waits for them.
 */
export function registryResolver(registry: ModelRegistry, serverReady: () => boolean): ModelResolver {
  const views = new WeakMap<ServedModel, OipModel>();
  const viewOf = (m: ServedModel): OipModel => {
    const loaded: LoadedOipModel = {
      get platform() {
        return m.engine?.info.loaderModule ?? "pyfunc";
      },
      get signature() {
        return m.engine?.info.signature;
      },
      infer: (request, size, signal) => m.v2InferRequest(request, size, signal),
    };
    return {
      name: m.name,
      get versions() {
        return m.version !== undefined ? [m.version] : [];
      },
      loaded: () =>
        m.engine !== undefined
          ? loaded
          : {
              unavailable: `Model ${m.name} is not available (${m.state})${m.reason !== "" ? `: ${m.reason}` : ""}`,
            },
      ready: () => serverReady() && m.engine !== undefined,
    };
  };
  return (name, version) => {
    const m = registry.get(name);
    if (m === undefined) return undefined;
    if (version !== "" && m.version !== undefined && version !== m.version) return undefined;
    let view = views.get(m);
    if (view === undefined) {
      view = viewOf(m);
      views.set(m, view);
    }
    return view;
  };
}
