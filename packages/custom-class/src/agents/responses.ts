import { MlflowException } from "@pyfunc/core";
import { AGENT_KIND, type AgentKind, ORIGINAL_METHODS, PyFuncModelBase } from "../base.js";
import { formatIssues, isDictCall, streamNotImplemented, toAsyncIterable } from "./common.js";
import type {
  Annotation,
  FunctionCallOutput,
  McpApprovalRequest,
  McpApprovalResponse,
  ResponseFunctionToolCall,
  ResponseOutputMessage,
  ResponseReasoningItem,
  ResponsesAgentRequest,
  ResponsesAgentResponse,
  ResponsesAgentStreamEvent,
} from "./types.js";
import { responsesRequestIssues } from "./validate.js";

/** Validate a dict as ResponsesAgentRequest (MLflow's dict adapter); returns it unchanged. */
export function parseResponsesAgentRequest(dict: Record<string, unknown>): ResponsesAgentRequest {
  const issues = responsesRequestIssues(dict);
  if (issues.length > 0) {
    throw new MlflowException(
      "Invalid dictionary input for a ResponsesAgent. Expected a dictionary with the ResponsesRequest schema. " +
        `Pydantic validation error: ${formatIssues(issues)}`,
      "INTERNAL_ERROR",
    );
  }
  return dict as ResponsesAgentRequest;
}

type PredictFn = (request: ResponsesAgentRequest) => unknown;
type StreamFn = (request: ResponsesAgentRequest) => unknown;

/**
 * MLflow's recommended agent interface (OpenAI Responses API shaped). Subclasses implement
 * `predict(request)` and optionally `predictStream(request)` (an async generator of stream events).
 * Both also accept the request as a plain dict, validated against ResponsesAgentRequest.
 * Saving applies MLflow's fixed signature, the default input example and `metadata.task: agent/v1/responses`.
 */
export abstract class ResponsesAgent extends PyFuncModelBase {
  declare readonly [AGENT_KIND]: AgentKind;
  declare [ORIGINAL_METHODS]: { predict: PredictFn; predictStream: StreamFn | undefined };

  constructor() {
    super();
    const predict = this.predict as PredictFn;
    const stream =
      this.predictStream === ResponsesAgent.prototype.predictStream
        ? undefined
        : (this.predictStream as StreamFn);
    this[ORIGINAL_METHODS] = { predict, predictStream: stream };
    this.predict = ((...args: unknown[]) =>
      isDictCall(args)
        ? predict.call(this, parseResponsesAgentRequest(args[0]))
        : predict.apply(this, args as [ResponsesAgentRequest])) as unknown as this["predict"];
    if (stream) {
      this.predictStream = ((...args: unknown[]) =>
        toAsyncIterable(
          (isDictCall(args)
            ? stream.call(this, parseResponsesAgentRequest(args[0]))
            : stream.apply(
                this,
                args as [ResponsesAgentRequest],
              )) as AsyncIterable<ResponsesAgentStreamEvent>,
        )) as unknown as this["predictStream"];
    }
  }

  abstract override predict(
    request: ResponsesAgentRequest,
  ):
    | ResponsesAgentResponse
    | Record<string, unknown>
    | Promise<ResponsesAgentResponse | Record<string, unknown>>;

  override predictStream(
    _request: ResponsesAgentRequest,
  ):
    | AsyncIterable<ResponsesAgentStreamEvent | Record<string, unknown>>
    | Iterable<ResponsesAgentStreamEvent> {
    return streamNotImplemented("ResponsesAgent");
  }

  static createTextOutputItem = createTextOutputItem;
  static createFunctionCallItem = createFunctionCallItem;
  static createFunctionCallOutputItem = createFunctionCallOutputItem;
  static createReasoningItem = createReasoningItem;
  static createTextDelta = createTextDelta;
  static createAnnotationAdded = createAnnotationAdded;
  static createMcpApprovalRequestItem = createMcpApprovalRequestItem;
  static createMcpApprovalResponseItem = createMcpApprovalResponseItem;
  static responsesAgentOutputReducer = responsesAgentOutputReducer;

  // MLflow's helpers are methods, so agent code calls them as `self.create_text_output_item(...)`.
  createTextOutputItem(...args: Parameters<typeof createTextOutputItem>): ResponseOutputMessage {
    return createTextOutputItem(...args);
  }
  createFunctionCallItem(...args: Parameters<typeof createFunctionCallItem>): ResponseFunctionToolCall {
    return createFunctionCallItem(...args);
  }
  createFunctionCallOutputItem(...args: Parameters<typeof createFunctionCallOutputItem>): FunctionCallOutput {
    return createFunctionCallOutputItem(...args);
  }
  createReasoningItem(...args: Parameters<typeof createReasoningItem>): ResponseReasoningItem {
    return createReasoningItem(...args);
  }
  createTextDelta(...args: Parameters<typeof createTextDelta>): ResponsesAgentStreamEvent {
    return createTextDelta(...args);
  }
  createAnnotationAdded(...args: Parameters<typeof createAnnotationAdded>): ResponsesAgentStreamEvent {
    return createAnnotationAdded(...args);
  }
  createMcpApprovalRequestItem(...args: Parameters<typeof createMcpApprovalRequestItem>): McpApprovalRequest {
    return createMcpApprovalRequestItem(...args);
  }
  createMcpApprovalResponseItem(
    ...args: Parameters<typeof createMcpApprovalResponseItem>
  ): McpApprovalResponse {
    return createMcpApprovalResponseItem(...args);
  }
}
Object.defineProperty(ResponsesAgent.prototype, AGENT_KIND, { value: "responses" });

// ------------------------------------------------------------------- helper constructors (MLflow's exact dicts)

/** `create_text_output_item(text, id, annotations=None)`. */
export function createTextOutputItem(
  text: string,
  id: string,
  annotations?: Annotation[] | null,
): ResponseOutputMessage {
  return {
    id,
    content: [{ text, type: "output_text", annotations: annotations ?? [] } as never],
    role: "assistant",
    type: "message",
  };
}

/** `create_function_call_item(id, call_id, name, arguments)`. */
export function createFunctionCallItem(
  id: string,
  callId: string,
  name: string,
  args: string,
): ResponseFunctionToolCall {
  return { type: "function_call", id, call_id: callId, name, arguments: args };
}

/** `create_function_call_output_item(call_id, output)`. */
export function createFunctionCallOutputItem(callId: string, output: string): FunctionCallOutput {
  return { type: "function_call_output", call_id: callId, output };
}

/** `create_reasoning_item(id, reasoning_text)`. */
export function createReasoningItem(id: string, reasoningText: string): ResponseReasoningItem {
  return { type: "reasoning", summary: [{ type: "summary_text", text: reasoningText }], id };
}

/** `create_text_delta(delta, item_id)`. */
export function createTextDelta(delta: string, itemId: string): ResponsesAgentStreamEvent {
  return { type: "response.output_text.delta", item_id: itemId, delta };
}

/** `create_annotation_added(item_id, annotation, annotation_index=0)`. */
export function createAnnotationAdded(
  itemId: string,
  annotation: Annotation,
  annotationIndex = 0,
): ResponsesAgentStreamEvent {
  return {
    type: "response.output_text.annotation.added",
    item_id: itemId,
    annotation_index: annotationIndex,
    annotation,
  };
}

/** `create_mcp_approval_request_item(id, arguments, name, server_label)`. */
export function createMcpApprovalRequestItem(
  id: string,
  args: string,
  name: string,
  serverLabel: string,
): McpApprovalRequest {
  return { type: "mcp_approval_request", id, arguments: args, name, server_label: serverLabel };
}

/** `create_mcp_approval_response_item(id, approval_request_id, approve, reason=None)`: `reason` is always present. */
export function createMcpApprovalResponseItem(
  id: string,
  approvalRequestId: string,
  approve: boolean,
  reason: string | null = null,
): McpApprovalResponse {
  return { type: "mcp_approval_response", id, approval_request_id: approvalRequestId, approve, reason };
}

/** `responses_agent_output_reducer(events)`: the items of every `response.output_item.done` event, in order. */
export function responsesAgentOutputReducer(
  events: Iterable<ResponsesAgentStreamEvent | Record<string, unknown>>,
): {
  object: "response";
  output: unknown[];
} {
  const output: unknown[] = [];
  for (const e of events) if (e.type === "response.output_item.done") output.push(e.item);
  return { object: "response", output };
}
