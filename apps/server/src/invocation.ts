import { readFile } from "node:fs/promises";
import { isTensor, MlflowException, type Params, type PyFuncInput } from "@pyfunc/core";
import { resolveInsideModelDir } from "@pyfunc/core/paths";
import {
  isDataFrameInstance,
  type ParsedScoringRequest,
  predictionsToJsonable,
  predictParsed,
  type ScoreOutcome,
  scoreRequest,
  UnsupportedContentTypeError,
} from "@pyfunc/core/protocol";
import { bounded } from "./bounded.js";
import type { ModelInfo, ServableModel } from "./model-types.js";

/** An HTTP answer computed away from the HTTP layer (possibly in a worker thread). */
export interface InvocationResponse {
  status: number;
  contentType: string;
  /** The answer's bytes: JSON text, or a binary tensor body (`headers` then carries its header length). */
  body: string | Uint8Array;
  /** Further response headers (a binary tensor answer's `inference-header-content-length`). */
  headers?: Record<string, string>;
  /** Warnings the model or the enforcement emitted while answering (logged with the request id). */
  warnings?: string[];
  /** Set when the answer was streamed through the sink instead. */
  streamed?: boolean;
  /** Time spent parsing, predicting and serializing (set by worker threads, for the fast-path policy). */
  computeMs?: number;
  /**
   * A v2 answer asked for as values rather than JSON (the gRPC service's, which encodes it as protobuf):
   * the outputs of a 200 answer, `body` then empty.
   */
  v2?: { id?: string; outputs: { name: string; shape: number[]; datatype: string; data: unknown[] }[] };
  /** The worker thread running the request died (crash, exit, out of memory): logged as an error. */
  workerDied?: boolean;
  /** What ended it (for the log only). */
  failure?: string;
}

/** Where a streamed answer goes: `start` before the first event, `event` per `data:` line, then `end`. */
export interface StreamSink {
  start(): void;
  event(data: string): void;
  end(): void;
}

export interface InvocationOptions {
  /** Include `stack_trace` in error bodies for model exceptions (MLflow always does; here it is opt-in). */
  exposeStackTraces?: boolean;
  /** The request's Inference-Header-Content-Length (an `application/octet-stream` binary tensor body). */
  binaryHeaderLength?: string;
}

const JSON_TYPE = "application/json";

export function errorResponse(
  status: number,
  errorCode: string,
  message: string,
  stackTrace?: string,
): InvocationResponse {
  const body: Record<string, string> = { error_code: errorCode, message: bounded(message) };
  if (stackTrace !== undefined) body.stack_trace = stackTrace;
  return { status, contentType: JSON_TYPE, body: JSON.stringify(body) };
}

/** A short description of the data for "Failed to predict data '...'" (MLflow prints the pandas repr). */
export function describeData(input: PyFuncInput): string {
  try {
    if (isDataFrameInstance(input)) {
      return `DataFrame with ${input.numRows} rows and columns [${input.columns.map((c) => `'${c}'`).join(", ")}]`;
    }
    if (isTensor(input)) return `ndarray of dtype ${input.dtype} and shape (${input.shape.join(", ")})`;
    const text = JSON.stringify(predictionsToJsonable(input));
    return text.length > 200 ? `${text.slice(0, 200)}...` : text;
  } catch {
    return String(input);
  }
}

/** Map an error thrown by the model (or by enforcement inside predict) to MLflow's answer. */
export function modelErrorResponse(
  error: unknown,
  input: PyFuncInput,
  options: InvocationOptions,
): InvocationResponse {
  if (error instanceof MlflowException) {
    return errorResponse(
      error.httpStatus,
      error.errorCode,
      `Failed to predict data '${describeData(input)}'. \nError: ${error.message}`,
    );
  }
  const err = error instanceof Error ? error : new Error(String(error));
  return errorResponse(
    400,
    "BAD_REQUEST",
    "Encountered an unexpected error while evaluating the model. Verify that the serialized input Dataframe is " +
      `compatible with the model for inference. Error: ${err.message}`,
    options.exposeStackTraces ? (err.stack ?? String(err)) : undefined,
  );
}

/** Map a request-parsing error to MLflow's answer (415 plain text, or the MlflowException's JSON). */
export function parseErrorResponse(error: unknown): InvocationResponse {
  if (error instanceof UnsupportedContentTypeError) {
    return { status: 415, contentType: error.responseContentType, body: error.message };
  }
  if (error instanceof MlflowException)
    return errorResponse(error.httpStatus, error.errorCode, error.message);
  // a TypeError or RangeError from a parser is an internal failure: its text is not for the client
  const internal = !(error instanceof Error) || error instanceof TypeError || error instanceof RangeError;
  const message = internal ? "The request body could not be parsed." : (error as Error).message;
  return errorResponse(400, "BAD_REQUEST", `Invalid input. ${message}`);
}

/** An outcome of core's scoring pipeline as the HTTP answer MLflow's server gives. */
function toResponse(outcome: ScoreOutcome, options: InvocationOptions): InvocationResponse {
  if (outcome.kind === "ok") return { status: 200, contentType: JSON_TYPE, body: outcome.json };
  if (outcome.kind === "stream") throw new Error("unreachable: streaming outcome without a sink");
  if (outcome.stage === "parse") return parseErrorResponse(outcome.error);
  if (outcome.stage === "predict")
    return modelErrorResponse(outcome.error, outcome.input as PyFuncInput, options);
  const error = outcome.error;
  return errorResponse(
    500,
    "INTERNAL_ERROR",
    `Failed to serialize the model output: ${bounded(error instanceof Error ? error.message : String(error))}`,
  );
}

/**
 * Answer one `POST /invocations` through core's `scoreRequest` (parse, predict, serialize), streaming through
 * `sink` when the body asks for it and the model can. Never throws, never rejects. A JSON body for a model that
 * predicts synchronously is answered synchronously (no promise at all).
 */
export function handleInvocation(
  model: ServableModel,
  body: Uint8Array,
  contentType: string | undefined,
  sink: StreamSink | undefined,
  options: InvocationOptions = {},
): InvocationResponse | Promise<InvocationResponse> {
  const outcome = scoreRequest(model, body, contentType, {
    allowStream: sink !== undefined,
    ...(options.binaryHeaderLength !== undefined ? { binaryHeaderLength: options.binaryHeaderLength } : {}),
  });
  if (!(outcome instanceof Promise)) return present(model, outcome, sink, options);
  return outcome.then((o) => present(model, o, sink, options));
}

function present(
  model: ServableModel,
  outcome: ScoreOutcome,
  sink: StreamSink | undefined,
  options: InvocationOptions,
): InvocationResponse | Promise<InvocationResponse> {
  if (outcome.kind === "stream" && sink !== undefined && model.predictStream !== undefined) {
    return streamInvocation(model, outcome.parsed, sink);
  }
  if (outcome.kind === "stream") {
    return present(model, predictParsed(model, outcome.parsed) as ScoreOutcome, sink, options);
  }
  return toResponse(outcome, options);
}

async function streamInvocation(
  model: ServableModel,
  parsed: ParsedScoringRequest,
  sink: StreamSink,
): Promise<InvocationResponse> {
  let input = parsed.input;
  if (parsed.unifiedLlm && typeof input === "object" && input !== null && !Array.isArray(input)) {
    const { stream: _drop, ...rest } = input as Record<string, unknown>;
    input = rest;
  }
  let iterator: AsyncIterator<unknown>;
  try {
    // errors raised before the first chunk (schema, params, not streamable) get a normal error answer
    iterator = (model.predictStream as (i: PyFuncInput, p?: Params) => AsyncIterable<unknown>)
      .call(model, input, parsed.params)
      [Symbol.asyncIterator]();
  } catch (error) {
    return modelErrorResponse(error, input, {});
  }
  let first: IteratorResult<unknown>;
  try {
    first = await iterator.next();
  } catch (error) {
    return modelErrorResponse(error, input, {});
  }
  sink.start();
  try {
    let step = first;
    while (!step.done) {
      sink.event(JSON.stringify(predictionsToJsonable(step.value as never)));
      step = await iterator.next();
    }
  } catch (error) {
    sink.event(JSON.stringify({ error: error instanceof Error ? error.message : String(error) }));
  }
  sink.event("[DONE]");
  sink.end();
  return { status: 200, contentType: "text/event-stream", body: "", streamed: true };
}

/** Facts about a loaded model for the HTTP layer (health, OpenAPI, v2 metadata). */
export async function describeModel(model: ServableModel): Promise<Omit<ModelInfo, "safeInThread">> {
  let servingInputExample: unknown;
  const info = model.metadata?.savedInputExampleInfo;
  const rel = info && typeof info.serving_input_path === "string" ? info.serving_input_path : undefined;
  if (rel !== undefined && model.modelDir !== undefined) {
    try {
      const file = resolveInsideModelDir(model.modelDir, rel, "serving input example");
      servingInputExample = JSON.parse(await readFile(file, "utf8"));
    } catch {
      servingInputExample = undefined;
    }
  }
  return {
    isStreamable: model.isStreamable === true,
    loaderModule: model.loaderModule,
    modelDir: model.modelDir,
    signature: model.metadata?.signature ?? undefined,
    servingInputExample,
    mlflowVersion: model.metadata?.mlflowVersion ?? undefined,
  };
}
