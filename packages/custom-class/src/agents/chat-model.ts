import { MlflowException } from "@pyfunc/core";
import {
  AGENT_KIND,
  type AgentKind,
  methodTakesContext,
  ORIGINAL_METHODS,
  PyFuncModelBase,
  type PythonModelContext,
} from "../base.js";
import { formatIssues, isDictCall, streamNotImplemented, toAsyncIterable } from "./common.js";
import type { ChatCompletionChunk, ChatCompletionResponse, ChatMessage, ChatParams } from "./types.js";
import { chatMessageIssues, each, isPlainObject } from "./validate.js";

const PARAM_KEYS = [
  "temperature",
  "max_tokens",
  "stop",
  "n",
  "stream",
  "top_p",
  "top_k",
  "frequency_penalty",
  "presence_penalty",
  "custom_inputs",
  "tools",
] as const;

/**
 * Split a ChatCompletionRequest dict as MLflow's ChatModel wrapper does: `messages` (default `[]`, each checked) and
 * every other known ChatParams key (unknown keys dropped), with the dataclass defaults temperature 1.0, n 1,
 * stream false.
 */
export function parseChatCompletionRequest(dict: Record<string, unknown>): {
  messages: ChatMessage[];
  params: ChatParams;
} {
  const rawMessages = dict.messages ?? [];
  const issues: string[] = [];
  if (!Array.isArray(rawMessages)) issues.push("`messages` must be a list");
  else each(rawMessages, (m, i) => issues.push(...chatMessageIssues(`messages.${i}`, m)));
  const params: Record<string, unknown> = { temperature: 1.0, n: 1, stream: false };
  for (const k of PARAM_KEYS) if (dict[k] !== undefined && dict[k] !== null) params[k] = dict[k];
  for (const k of ["temperature", "top_p", "frequency_penalty", "presence_penalty"])
    if (params[k] !== undefined && typeof params[k] !== "number")
      issues.push(`\`${k}\` must be of type float, got ${typeof params[k]}`);
  for (const k of ["max_tokens", "n", "top_k"])
    if (params[k] !== undefined && !Number.isInteger(params[k])) issues.push(`\`${k}\` must be of type int`);
  if (typeof params.stream !== "boolean") issues.push("`stream` must be of type bool");
  if (
    params.stop !== undefined &&
    !(Array.isArray(params.stop) && params.stop.every((x) => typeof x === "string"))
  )
    issues.push("`stop` must be a list of str");
  if (params.custom_inputs !== undefined && !isPlainObject(params.custom_inputs))
    issues.push("`custom_inputs` must be a dict");
  if (issues.length > 0)
    throw MlflowException.badRequest(`Invalid ChatCompletionRequest: ${formatIssues(issues)}`);
  return { messages: (rawMessages as ChatMessage[]).map((m) => ({ ...m })), params: params as ChatParams };
}

type PredictFn = (...args: unknown[]) => unknown;

/**
 * MLflow's (deprecated) ChatModel, OpenAI Chat Completions shaped: `predict(messages, params)` — or
 * `predict(context, messages, params)`, told apart like PyFuncModelBase.predict — returns a ChatCompletionResponse;
 * optional `predictStream` yields ChatCompletionChunks. Both also accept one request dict `{messages, ...params}`.
 * Saving applies MLflow's signature, input example and `metadata.task: agent/v1/chat`.
 */
export abstract class ChatModel extends PyFuncModelBase {
  declare readonly [AGENT_KIND]: AgentKind;
  declare [ORIGINAL_METHODS]: {
    predict: PredictFn;
    predictStream: PredictFn | undefined;
    withContext: boolean;
  };

  constructor() {
    super();
    const predict = this.predict as PredictFn;
    const stream =
      this.predictStream === ChatModel.prototype.predictStream
        ? undefined
        : (this.predictStream as PredictFn);
    const withContext = methodTakesContext(this, predict);
    this[ORIGINAL_METHODS] = { predict, predictStream: stream, withContext };
    const adapt = (fn: PredictFn, args: unknown[]): unknown => {
      if (isDictCall(args)) {
        const { messages, params } = parseChatCompletionRequest(args[0]);
        return withContext ? fn.call(this, this.context, messages, params) : fn.call(this, messages, params);
      }
      return fn.apply(this, args);
    };
    this.predict = ((...args: unknown[]) => adapt(predict, args)) as unknown as this["predict"];
    if (stream) {
      this.predictStream = ((...args: unknown[]) =>
        toAsyncIterable(
          adapt(stream, args) as AsyncIterable<ChatCompletionChunk>,
        )) as unknown as this["predictStream"];
    }
  }

  abstract override predict(
    ...args: [ChatMessage[], ChatParams] | [PythonModelContext | undefined, ChatMessage[], ChatParams]
  ): ChatCompletionResponse | Promise<ChatCompletionResponse>;

  override predictStream(
    ..._args: [ChatMessage[], ChatParams] | [PythonModelContext | undefined, ChatMessage[], ChatParams]
  ): AsyncIterable<ChatCompletionChunk> | Iterable<ChatCompletionChunk> {
    return streamNotImplemented("ChatModel");
  }
}
Object.defineProperty(ChatModel.prototype, AGENT_KIND, { value: "chat_model" });

function dropNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropNulls);
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== null && x !== undefined) out[k] = dropNulls(x);
    return out;
  }
  return v;
}

/**
 * A ChatCompletionResponse/Chunk as MLflow's dataclass `to_dict()` writes it: defaults filled in
 * (`object`, `created`, choice `index` and `finish_reason`), keys in declaration order, nulls dropped.
 */
export function normalizeChatCompletion(
  value: Record<string, unknown>,
  chunk: boolean,
): Record<string, unknown> {
  const choices = (value.choices as Record<string, unknown>[]).map((c, i) => {
    const out: Record<string, unknown> = {};
    if (chunk) out.delta = { role: "assistant", ...(c.delta as object) };
    else out.message = c.message;
    out.index = c.index ?? i;
    out.finish_reason = c.finish_reason ?? (chunk ? undefined : "stop");
    out.logprobs = c.logprobs;
    return out;
  });
  const ordered: Record<string, unknown> = {
    choices,
    usage: value.usage,
    id: value.id,
    model: value.model,
    object: value.object ?? (chunk ? "chat.completion.chunk" : "chat.completion"),
    created: value.created ?? Math.floor(Date.now() / 1000),
    custom_outputs: value.custom_outputs,
  };
  return dropNulls(ordered) as Record<string, unknown>;
}
