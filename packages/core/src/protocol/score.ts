/**
 * The scoring pipeline shared by the scoring server's `/invocations` and `pyfunc predict`: parse the body with
 * the model's input and params schemas, predict, serialize. Each caller presents the outcome its own way (an
 * HTTP answer, a CLI error); the pipeline itself never throws.
 */
import type { Params, PyFuncInput, PyFuncOutput } from "../inputs/model-input.js";
import { type ParsedScoringRequest, parseScoringRequest, parseScoringRequestAsync } from "./parse.js";
import type { ScoringSchemas } from "./schema-view.js";
import { serializePredictions } from "./serialize.js";

/** What the pipeline needs from a model: core's PyFuncModel satisfies it. */
export interface ScorableModel {
  predict(input: PyFuncInput, params?: Params): Promise<PyFuncOutput>;
  /** The output itself when the model computes synchronously (PyFuncModel.predictEager). */
  predictEager?(input: PyFuncInput, params?: Params): PyFuncOutput | Promise<PyFuncOutput>;
  readonly isStreamable?: boolean;
  readonly metadata?: {
    readonly signature?: { inputs?: string | null; params?: string | null } | null;
  };
}

export interface ScoreOptions {
  /** Params merged over the request's own (`pyfunc predict --params`). */
  params?: Params;
  /** The bare predictions instead of the `{"predictions": ...}` document (chunks of a streamed CLI output). */
  unwrapped?: boolean;
  /** Hand streaming requests (`"stream": true` for a streamable model) back to the caller instead of predicting. */
  allowStream?: boolean;
  /** The request's `Inference-Header-Content-Length` (an `application/octet-stream` binary tensor body). */
  binaryHeaderLength?: string | number;
}

export type ScoreStage = "parse" | "predict" | "serialize";

export type ScoreOutcome =
  | { readonly kind: "ok"; readonly json: string; readonly unifiedLlm: boolean }
  /** The request asked to stream and the model can: the caller runs `predictStream` on `parsed`. */
  | { readonly kind: "stream"; readonly parsed: ParsedScoringRequest }
  | {
      readonly kind: "error";
      readonly stage: ScoreStage;
      readonly error: unknown;
      /** The parsed input, for predict-stage errors (MLflow's "Failed to predict data '...'"). */
      readonly input?: PyFuncInput;
    };

const schemaCache = new WeakMap<object, ScoringSchemas | undefined>();

/** The schemas the parser casts with, from the model's raw signature block (computed once per model). */
export function scoringSchemasOf(model: ScorableModel): ScoringSchemas | undefined {
  if (schemaCache.has(model)) return schemaCache.get(model);
  const sig = model.metadata?.signature;
  const schemas = sig ? { inputs: sig.inputs ?? null, params: sig.params ?? null } : undefined;
  schemaCache.set(model, schemas);
  return schemas;
}

function isPromise<T>(value: unknown): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}

/**
 * Score one request body. A JSON body for a model that predicts synchronously is answered synchronously (no
 * promise at all: that is most of a small request's cost on a fast model); everything else returns a promise.
 * Never throws and never rejects: failures come back as `{ kind: "error", stage }`.
 */
export function scoreRequest(
  model: ScorableModel,
  body: string | Uint8Array,
  contentType: string | undefined,
  options: ScoreOptions = {},
): ScoreOutcome | Promise<ScoreOutcome> {
  const schemas = scoringSchemasOf(model);
  // JSON (the common case) is parsed synchronously; Parquet needs the async parser
  const parseOptions =
    options.binaryHeaderLength !== undefined ? { binaryHeaderLength: options.binaryHeaderLength } : {};
  if (contentType !== "application/json" || options.binaryHeaderLength !== undefined) {
    return parseScoringRequestAsync(body, contentType, schemas, parseOptions).then(
      (parsed) => predictParsed(model, parsed, options),
      (error: unknown): ScoreOutcome => ({ kind: "error", stage: "parse", error }),
    );
  }
  let parsed: ParsedScoringRequest;
  try {
    parsed = parseScoringRequest(body, contentType, schemas);
  } catch (error) {
    return { kind: "error", stage: "parse", error };
  }
  return predictParsed(model, parsed, options);
}

/** The predict and serialize steps for an already parsed request. */
export function predictParsed(
  model: ScorableModel,
  parsed: ParsedScoringRequest,
  options: ScoreOptions = {},
): ScoreOutcome | Promise<ScoreOutcome> {
  if (options.allowStream === true && parsed.stream && model.isStreamable === true) {
    return { kind: "stream", parsed };
  }
  const params =
    options.params === undefined ? parsed.params : { ...(parsed.params ?? {}), ...options.params };
  let output: PyFuncOutput | Promise<PyFuncOutput>;
  try {
    output =
      model.predictEager !== undefined
        ? model.predictEager(parsed.input, params)
        : model.predict(parsed.input, params);
  } catch (error) {
    return { kind: "error", stage: "predict", error, input: parsed.input };
  }
  if (isPromise<PyFuncOutput>(output)) {
    return output.then(
      (value) => serialize(value, parsed, options),
      (error: unknown): ScoreOutcome => ({ kind: "error", stage: "predict", error, input: parsed.input }),
    );
  }
  return serialize(output, parsed, options);
}

function serialize(output: PyFuncOutput, parsed: ParsedScoringRequest, options: ScoreOptions): ScoreOutcome {
  try {
    const json = serializePredictions(output, { unwrapped: options.unwrapped === true || parsed.unifiedLlm });
    return { kind: "ok", json, unifiedLlm: parsed.unifiedLlm };
  } catch (error) {
    return { kind: "error", stage: "serialize", error };
  }
}
