import type { PredictionEngine } from "../engine.js";
import type { InvocationResponse } from "../invocation.js";
import type { RawSignature } from "../model-types.js";

/**
 * A model the gRPC service can answer for: what its metadata needs, and its v2 inference entry point (the
 * request the REST body stands for in, the REST answer out; it runs the engine's worker pool / fast path).
 */
export interface OipModel {
  readonly name: string;
  readonly versions: readonly string[];
  readonly platform: string;
  readonly signature: RawSignature | undefined;
  ready(): boolean;
  infer(
    request: unknown,
    size: number,
    signal: () => AbortSignal,
  ): InvocationResponse | Promise<InvocationResponse>;
}

/** Name (and version, "" for the server's choice) → the model, or undefined (NOT_FOUND). */
export type ModelResolver = (name: string, version: string) => OipModel | undefined;

/**
 * The resolver for a server with one model (today's server): that model under its name, whatever version is
 * asked for (as the REST routes `/v2/models/{name}/versions/{version}` answer).
 */
export function singleModelResolver(
  engine: PredictionEngine,
  modelName: string,
  ready: () => boolean,
): ModelResolver {
  const model: OipModel = {
    name: modelName,
    versions: [],
    get platform() {
      return engine.info.loaderModule ?? "pyfunc";
    },
    get signature() {
      return engine.info.signature;
    },
    ready,
    infer: (request, size, signal) => engine.v2InferRequest(request, size, signal),
  };
  return (name) => (name === modelName ? model : undefined);
}
