import { registerFlavor } from "@pyfunc/core";
import { customClassFlavor } from "./plugin.js";

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
export * from "./agents/signatures.js";
export type * from "./agents/types.js";
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
export { implementationFor, importModelInstance, modelFromModule } from "./loader.js";
export { artifactPathsOf, CUSTOM_CLASS_LOADER_MODULE, customClassFlavor } from "./plugin.js";
export { type SaveCustomModelOptions, saveModel } from "./save.js";
export {
  colSpecsFromJsonSchema,
  isStandardSchema,
  jsonSchemaOf,
  type StandardSchemaLike,
  schemaJsonFromStandardSchema,
  validateRows,
} from "./schema.js";
export { PACKAGE_VERSION } from "./version.js";

registerFlavor(customClassFlavor);

/** The flavor plugin (also registered with @pyfunc/core's default registry on import). */
export default customClassFlavor;
export { logModel } from "./log-model.js";
