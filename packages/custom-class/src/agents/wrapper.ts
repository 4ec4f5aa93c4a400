import {
  MlflowException,
  type PyFuncImplementation,
  type PyFuncInput,
  type PyFuncOutput,
} from "@pyfunc/core";
import { isFrameLike } from "@pyfunc/core/schema";
import { type AgentKind, type ModelLike, ORIGINAL_METHODS, type PythonModelContext } from "../base.js";
import { normalizeChatCompletion, parseChatCompletionRequest } from "./chat-model.js";
import { formatIssues, toAsyncIterable } from "./common.js";
import {
  chatAgentChunkIssues,
  chatAgentRequestIssues,
  chatAgentResponseIssues,
  chatCompletionResponseIssues,
  isPlainObject,
  responsesRequestIssues,
  responsesResponseIssues,
  responsesStreamEventIssues,
} from "./validate.js";

type Fn = (...args: unknown[]) => unknown;
interface Originals {
  predict: Fn;
  predictStream: Fn | undefined;
  withContext?: boolean;
}

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (isFrameLike(v)) return "DataFrame";
  return typeof v === "object" ? (v.constructor?.name ?? "object") : typeof v;
}

function stripNullKeys(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row))
    if (v !== null && v !== undefined && !(typeof v === "number" && Number.isNaN(v))) out[k] = v;
  return out;
}

/** The request dict of an agent call: a dict, or a one-row DataFrame / one-record list turned back into a dict. */
export function requestDictOf(input: PyFuncInput): Record<string, unknown> {
  if (isPlainObject(input)) return input;
  if (isFrameLike(input) && input.numRows === 1)
    return stripNullKeys(input.toRecords()[0] as Record<string, unknown>);
  if (Array.isArray(input) && input.length === 1 && isPlainObject(input[0])) return stripNullKeys(input[0]);
  throw new MlflowException(
    `Unsupported model input type. Expected a dict or pandas.DataFrame, but got ${typeName(input)} instead.`,
    "INTERNAL_ERROR",
  );
}

const EXPECTED: Record<AgentKind, string> = {
  responses: "ResponsesAgentResponse",
  chat_agent: "ChatAgentResponse",
  chat_model: "ChatCompletionResponse",
};

function invalidResponse(kind: AgentKind, issues: string[]): MlflowException {
  return new MlflowException(
    `Model returned an invalid response. Expected a ${EXPECTED[kind]} object or dictionary with the same schema. ` +
      `Pydantic validation error: ${formatIssues(issues)}`,
    "INTERNAL_ERROR",
  );
}

function badRequest(kind: AgentKind, issues: string[]): MlflowException {
  const type = {
    responses: "ResponsesAgentRequest",
    chat_agent: "ChatAgentRequest",
    chat_model: "ChatCompletionRequest",
  }[kind];
  return MlflowException.badRequest(`Invalid ${type}: ${formatIssues(issues)}`);
}

/** Build the call arguments of the agent's own predict/predictStream from a request dict. */
function callArgs(
  kind: AgentKind,
  req: Record<string, unknown>,
  originals: Originals,
  context: PythonModelContext,
): unknown[] {
  if (kind === "responses") {
    const issues = responsesRequestIssues(req);
    if (issues.length > 0) throw badRequest(kind, issues);
    return [req];
  }
  if (kind === "chat_agent") {
    if ("context" in req && req.context === null)
      throw badRequest(kind, ["context: Input should be a valid dictionary"]);
    const issues = chatAgentRequestIssues({ messages: [], ...req });
    if (issues.length > 0) throw badRequest(kind, issues);
    return [req.messages ?? [], req.context, req.custom_inputs];
  }
  const { messages, params } = parseChatCompletionRequest(req);
  return originals.withContext ? [context, messages, params] : [messages, params];
}

/** The pyfunc implementation of a loaded ResponsesAgent / ChatAgent / ChatModel (MLflow's loader wrappers). */
export function agentImplementation(
  instance: ModelLike,
  kind: AgentKind,
  context: PythonModelContext,
): PyFuncImplementation {
  const originals = ((instance as unknown as Record<symbol, unknown>)[ORIGINAL_METHODS] as
    | Originals
    | undefined) ?? {
    predict: instance.predict as Fn,
    predictStream: instance.predictStream as Fn | undefined,
  };
  const checkOutput = (value: unknown): unknown => {
    if (kind === "responses") {
      const issues = responsesResponseIssues(value);
      if (issues.length > 0) throw invalidResponse(kind, issues);
      return value;
    }
    if (kind === "chat_agent") {
      const issues = chatAgentResponseIssues(value);
      if (issues.length > 0) throw invalidResponse(kind, issues);
      return value;
    }
    const issues = chatCompletionResponseIssues(value, false);
    if (issues.length > 0) throw invalidResponse(kind, issues);
    return normalizeChatCompletion(value as Record<string, unknown>, false);
  };
  const checkEvent = (value: unknown): unknown => {
    const issues =
      kind === "responses"
        ? responsesStreamEventIssues(value)
        : kind === "chat_agent"
          ? chatAgentChunkIssues(value)
          : chatCompletionResponseIssues(value, true);
    if (issues.length > 0) {
      const type = {
        responses: "ResponsesAgentStreamEvent",
        chat_agent: "ChatAgentChunk",
        chat_model: "ChatCompletionChunk",
      }[kind];
      throw new MlflowException(
        `Model returned an invalid response. Expected a ${type} object or dictionary with the same schema. ` +
          `Pydantic validation error: ${formatIssues(issues)}`,
        "INTERNAL_ERROR",
      );
    }
    return kind === "chat_model" ? normalizeChatCompletion(value as Record<string, unknown>, true) : value;
  };
  return {
    acceptsParams: true,
    async predict(input: PyFuncInput): Promise<PyFuncOutput> {
      const args = callArgs(kind, requestDictOf(input), originals, context);
      return checkOutput(await originals.predict.apply(instance, args)) as PyFuncOutput;
    },
    predictStream(input: PyFuncInput): AsyncIterable<unknown> {
      return (async function* () {
        const args = callArgs(kind, requestDictOf(input), originals, context);
        const stream = originals.predictStream ?? (instance.predictStream as Fn | undefined);
        if (!stream) {
          throw new MlflowException(
            "Streaming implementation not provided. Please override the `predictStream` method.",
            "NOT_IMPLEMENTED",
          );
        }
        for await (const ev of toAsyncIterable(stream.apply(instance, args) as AsyncIterable<unknown>))
          yield checkEvent(ev);
      })();
    },
    unwrap: () => instance,
    unwrapPythonModel: () => instance,
  };
}
