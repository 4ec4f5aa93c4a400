import { registerFlavor } from "@pyfunc/core";
import { customClassFlavor } from "./plugin.js";

export { TypeFromExample, updateSignatureForTypeHintFromExample } from "@pyfunc/core/schema";
export {
  ChatAgent,
  parseChatAgentRequest,
} from "./agents/chat-agent.js";
export { ChatModel, normalizeChatCompletion, parseChatCompletionRequest } from "./agents/chat-model.js";
export {
  createAnnotationAdded,
  createFunctionCallItem,
  createFunctionCallOutputItem,
  createMcpApprovalRequestItem,
  createMcpApprovalResponseItem,
  createReasoningItem,
  createTextDelta,
  createTextOutputItem,
  parseResponsesAgentRequest,
  ResponsesAgent,
  responsesAgentOutputReducer,
} from "./agents/responses.js";
export {
  AGENT_TASKS,
  CHAT_AGENT_INPUT_EXAMPLE,
  CHAT_AGENT_INPUT_SCHEMA,
  CHAT_AGENT_OUTPUT_SCHEMA,
  CHAT_MODEL_INPUT_EXAMPLE,
  CHAT_MODEL_INPUT_SCHEMA,
  CHAT_MODEL_OUTPUT_SCHEMA,
  pyJsonDumps,
  RESPONSES_AGENT_INPUT_EXAMPLE,
  RESPONSES_AGENT_INPUT_SCHEMA,
  RESPONSES_AGENT_OUTPUT_SCHEMA,
} from "./agents/signatures.js";
export type {
  Annotation,
  ChatAgentChunk,
  ChatAgentMessage,
  ChatAgentRequest,
  ChatAgentResponse,
  ChatChoice,
  ChatChoiceDelta,
  ChatChunkChoice,
  ChatCompletionChunk,
  ChatCompletionRequest,
  ChatCompletionResponse,
  ChatContext,
  ChatMessage,
  ChatParams,
  ChatToolCall,
  ChatUsage,
  FileCitation,
  FilePath,
  FunctionCallOutput,
  ItemStatus,
  JsonObject,
  McpApprovalRequest,
  McpApprovalResponse,
  OtherOutputItem,
  OutputItem,
  Reasoning,
  ResponseFunctionToolCall,
  ResponseOutputMessage,
  ResponseOutputText,
  ResponseReasoningItem,
  ResponseRefusal,
  ResponsesAgentRequest,
  ResponsesAgentResponse,
  ResponsesAgentStreamEvent,
  ResponsesInputItem,
  ResponsesInputTextPart,
  ResponsesMessage,
  ResponsesTool,
  ResponseUsage,
  TokenLogProb,
  TokenUsageStats,
  ToolCall,
  ToolChoice,
  ToolDefinition,
  TopTokenLogProb,
  UrlCitation,
} from "./agents/types.js";
export { requestDictOf } from "./agents/wrapper.js";
export {
  type AgentKind,
  agentKindOf,
  createPythonModelContext,
  type ModelLike,
  methodTakesContext,
  PyFuncModelBase,
  PythonModel,
  type PythonModelContext,
  setModel,
} from "./base.js";
export {
  artifactPathsOf,
  CUSTOM_CLASS_LOADER_MODULE,
  customClassFlavor,
  FLAVOR_NAME,
  importModelInstance,
  modelFromModule,
  PACKAGE_NAME,
} from "./plugin.js";
export { type SaveCustomModelOptions, saveModel } from "./save.js";
export {
  colSpecsFromJsonSchema,
  isStandardSchema,
  jsonSchemaOf,
  type StandardSchemaLike,
  schemaJsonFromStandardSchema,
  validateRows,
  zodJsonSchema,
} from "./schema.js";
export { PACKAGE_VERSION } from "./version.js";
export {
  declaredSchemas,
  declaresTypeFromExample,
  type ImplementationOptions,
  implementationFor,
} from "./wrapper.js";

registerFlavor(customClassFlavor);

/** The flavor plugin (also registered with @pyfunc/core's default registry on import). */
export default customClassFlavor;
export { logModel } from "./log-model.js";
