/**
 * Request, response and stream types of MLflow's agent interfaces, field for field as in
 * `mlflow/types/responses.py`, `mlflow/types/agent.py` and `mlflow/types/llm.py`. Optional fields may be omitted;
 * as in MLflow's dumps, absent values are omitted rather than written as null.
 */

export type JsonObject = Record<string, unknown>;

// ---------------------------------------------------------------- ResponsesAgent (OpenAI Responses API)
export type ItemStatus = "in_progress" | "completed" | "incomplete";

export interface ChatContext {
  conversation_id?: string;
  user_id?: string;
}

export interface ResponsesInputTextPart {
  type: string;
  text: string;
}
export interface ResponsesMessage {
  role: "user" | "assistant" | "system" | "developer";
  content: string | (ResponsesInputTextPart | JsonObject)[];
  type?: "message";
  status?: ItemStatus;
  [extra: string]: unknown;
}

export interface UrlCitation {
  type: "url_citation";
  url: string;
  title: string;
  start_index?: number;
  end_index?: number;
}
export interface FileCitation {
  type: "file_citation";
  file_id: string;
  index: number;
}
export interface FilePath {
  type: "file_path";
  file_id: string;
  index: number;
}
export type Annotation = UrlCitation | FileCitation | FilePath;

export interface ResponseOutputText {
  type: "output_text";
  text: string;
  annotations?: Annotation[];
}
export interface ResponseRefusal {
  type: "refusal";
  refusal: string;
}

export interface ResponseOutputMessage {
  type: "message";
  id: string;
  content: (ResponseOutputText | ResponseRefusal)[];
  role?: "assistant";
  status?: ItemStatus;
  [extra: string]: unknown;
}
export interface ResponseFunctionToolCall {
  type: "function_call";
  call_id: string;
  name: string;
  arguments: string;
  id?: string;
  status?: ItemStatus;
  [extra: string]: unknown;
}
export interface FunctionCallOutput {
  type: "function_call_output";
  call_id: string;
  output: string | JsonObject[];
  status?: ItemStatus;
  [extra: string]: unknown;
}
export interface ResponseReasoningItem {
  type: "reasoning";
  id: string;
  summary: { type: "summary_text"; text: string }[];
  status?: ItemStatus;
  [extra: string]: unknown;
}
export interface McpApprovalRequest {
  type: "mcp_approval_request";
  id: string;
  arguments: string;
  name: string;
  server_label: string;
  status?: ItemStatus;
  [extra: string]: unknown;
}
export interface McpApprovalResponse {
  type: "mcp_approval_response";
  approval_request_id: string;
  approve: boolean;
  id?: string;
  reason?: string | null;
  status?: ItemStatus;
  [extra: string]: unknown;
}
export interface OtherOutputItem {
  type: "file_search_call" | "computer_call" | "web_search_call";
  [extra: string]: unknown;
}
export type OutputItem =
  | ResponseOutputMessage
  | ResponseFunctionToolCall
  | FunctionCallOutput
  | ResponseReasoningItem
  | McpApprovalRequest
  | McpApprovalResponse
  | OtherOutputItem;

export type ResponsesInputItem = ResponsesMessage | OutputItem;

export interface ResponsesTool {
  type: string;
  name?: string;
  parameters?: JsonObject;
  strict?: boolean;
  description?: string;
  [extra: string]: unknown;
}
export type ToolChoice = "none" | "auto" | "required" | { type: "function"; name: string } | string;
export interface Reasoning {
  effort?: "low" | "medium" | "high";
  generate_summary?: "concise" | "detailed";
}

export interface ResponsesAgentRequest {
  input: ResponsesInputItem[];
  custom_inputs?: JsonObject;
  context?: ChatContext;
  tool_choice?: ToolChoice;
  truncation?: string;
  max_output_tokens?: number;
  metadata?: Record<string, string>;
  parallel_tool_calls?: boolean;
  tools?: ResponsesTool[];
  reasoning?: Reasoning;
  store?: boolean;
  stream?: boolean;
  background?: boolean;
  temperature?: number;
  top_p?: number;
  text?: unknown;
  user?: string;
  [extra: string]: unknown;
}

export interface ResponseUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

export interface ResponsesAgentResponse {
  output: OutputItem[];
  object?: string;
  custom_outputs?: JsonObject;
  id?: string;
  model?: string;
  instructions?: string;
  previous_response_id?: string;
  user?: string;
  created_at?: number;
  status?: string;
  error?: { code?: string; message: string };
  incomplete_details?: { reason?: string };
  usage?: ResponseUsage;
  metadata?: Record<string, string>;
  tools?: ResponsesTool[];
  tool_choice?: ToolChoice;
  truncation?: string;
  reasoning?: Reasoning;
  temperature?: number;
  top_p?: number;
  max_output_tokens?: number;
  parallel_tool_calls?: boolean;
  text?: unknown;
  [extra: string]: unknown;
}

export interface ResponsesAgentStreamEvent {
  type: string;
  custom_outputs?: JsonObject;
  [extra: string]: unknown;
}

// ---------------------------------------------------------------- ChatAgent (mlflow/types/agent.py)
export interface ToolCall {
  id: string;
  type?: string;
  function: { name?: string; arguments?: string };
}
export interface ChatAgentMessage {
  role: string;
  content?: string | null;
  name?: string;
  id?: string;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
  attachments?: Record<string, string>;
}
export interface ChatUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number };
  [extra: string]: unknown;
}
export interface ChatAgentRequest {
  messages: ChatAgentMessage[];
  context?: ChatContext;
  custom_inputs?: JsonObject;
  stream?: boolean;
}
export interface ChatAgentResponse {
  messages: ChatAgentMessage[];
  finish_reason?: string;
  custom_outputs?: JsonObject;
  usage?: ChatUsage;
}
export interface ChatAgentChunk {
  delta: ChatAgentMessage;
  finish_reason?: string;
  custom_outputs?: JsonObject;
  usage?: ChatUsage;
}

// ---------------------------------------------------------------- ChatModel (mlflow/types/llm.py)
export interface ChatToolCall {
  function: { name: string; arguments: string };
  id?: string;
  type?: "function";
}
export interface ChatMessage {
  role: string;
  content?: string;
  refusal?: string;
  name?: string;
  tool_calls?: ChatToolCall[];
  tool_call_id?: string;
}
export interface ToolDefinition {
  type: "function";
  function: {
    name: string;
    description?: string;
    parameters?: {
      properties: Record<
        string,
        { type: string; description?: string; enum?: string[]; items?: { type: string } }
      >;
      type?: "object";
      required?: string[];
      additionalProperties?: boolean;
    };
    strict?: boolean;
  };
}
export interface ChatParams {
  temperature?: number;
  max_tokens?: number;
  stop?: string[];
  n?: number;
  stream?: boolean;
  top_p?: number;
  top_k?: number;
  frequency_penalty?: number;
  presence_penalty?: number;
  custom_inputs?: JsonObject;
  tools?: ToolDefinition[];
}
export interface ChatCompletionRequest extends ChatParams {
  messages: ChatMessage[];
}
export interface TopTokenLogProb {
  token: string;
  logprob: number;
  bytes?: number[];
}
export interface TokenLogProb extends TopTokenLogProb {
  top_logprobs: TopTokenLogProb[];
}
export interface ChatChoice {
  message: ChatMessage;
  index?: number;
  finish_reason?: string;
  logprobs?: { content?: TokenLogProb[] };
}
export interface TokenUsageStats {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
}
export interface ChatCompletionResponse {
  choices: ChatChoice[];
  usage?: TokenUsageStats;
  id?: string;
  model?: string;
  object?: string;
  created?: number;
  custom_outputs?: JsonObject;
}
export interface ChatChoiceDelta {
  role?: string;
  content?: string;
  refusal?: string;
  name?: string;
  tool_calls?: ChatToolCall[];
}
export interface ChatChunkChoice {
  delta: ChatChoiceDelta;
  index?: number;
  finish_reason?: string;
  logprobs?: { content?: TokenLogProb[] };
}
export interface ChatCompletionChunk {
  choices: ChatChunkChoice[];
  usage?: TokenUsageStats;
  id?: string;
  model?: string;
  object?: string;
  created?: number;
  custom_outputs?: JsonObject;
}
