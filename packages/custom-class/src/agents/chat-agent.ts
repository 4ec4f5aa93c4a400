import { MlflowException } from "@pyfunc/core";
import { AGENT_KIND, type AgentKind, ORIGINAL_METHODS, PyFuncModelBase } from "../base.js";
import { formatIssues, isDictCall, streamNotImplemented, toAsyncIterable } from "./common.js";
import type {
  ChatAgentChunk,
  ChatAgentMessage,
  ChatAgentRequest,
  ChatAgentResponse,
  ChatContext,
  JsonObject,
} from "./types.js";
import { chatAgentRequestIssues } from "./validate.js";

/** Validate a dict as ChatAgentRequest (MLflow's dict adapter); returns it unchanged. */
export function parseChatAgentRequest(dict: Record<string, unknown>): ChatAgentRequest {
  const issues = chatAgentRequestIssues(dict);
  if (issues.length > 0) {
    throw new MlflowException(
      "Invalid dictionary input for a ChatAgent. Expected a dictionary with the ChatAgentRequest schema. " +
        `Pydantic validation error: ${formatIssues(issues)}`,
      "INTERNAL_ERROR",
    );
  }
  return dict as unknown as ChatAgentRequest;
}

type PredictFn = (messages: ChatAgentMessage[], context?: ChatContext, customInputs?: JsonObject) => unknown;

function spread(
  req: ChatAgentRequest,
): [ChatAgentMessage[], ChatContext | undefined, JsonObject | undefined] {
  return [req.messages ?? [], req.context ?? undefined, req.custom_inputs ?? undefined];
}

/**
 * MLflow's ChatAgent: `predict(messages, context?, customInputs?)` returns a ChatAgentResponse (several messages,
 * each with a unique `id`); optional `predictStream(...)` yields ChatAgentChunks. Both also accept one request dict
 * `{messages, context, custom_inputs}`. Saving applies MLflow's fixed signature, input example and
 * `metadata.task: agent/v2/chat`.
 */
export abstract class ChatAgent extends PyFuncModelBase {
  declare readonly [AGENT_KIND]: AgentKind;
  declare [ORIGINAL_METHODS]: { predict: PredictFn; predictStream: PredictFn | undefined };

  constructor() {
    super();
    const predict = this.predict as PredictFn;
    const stream =
      this.predictStream === ChatAgent.prototype.predictStream
        ? undefined
        : (this.predictStream as PredictFn);
    this[ORIGINAL_METHODS] = { predict, predictStream: stream };
    this.predict = ((...args: unknown[]) =>
      isDictCall(args)
        ? predict.apply(this, spread(parseChatAgentRequest(args[0])))
        : predict.apply(this, args as Parameters<PredictFn>)) as unknown as this["predict"];
    if (stream) {
      this.predictStream = ((...args: unknown[]) =>
        toAsyncIterable(
          (isDictCall(args)
            ? stream.apply(this, spread(parseChatAgentRequest(args[0])))
            : stream.apply(this, args as Parameters<PredictFn>)) as AsyncIterable<ChatAgentChunk>,
        )) as unknown as this["predictStream"];
    }
  }

  abstract override predict(
    messages: ChatAgentMessage[],
    context?: ChatContext,
    customInputs?: JsonObject,
  ): ChatAgentResponse | Promise<ChatAgentResponse>;

  override predictStream(
    _messages: ChatAgentMessage[],
    _context?: ChatContext,
    _customInputs?: JsonObject,
  ): AsyncIterable<ChatAgentChunk> | Iterable<ChatAgentChunk> {
    return streamNotImplemented("ChatAgent");
  }
}
Object.defineProperty(ChatAgent.prototype, AGENT_KIND, { value: "chat_agent" });
