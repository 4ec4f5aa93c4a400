import {
  ChatAgent,
  type ChatAgentChunk,
  type ChatAgentMessage,
  type ChatAgentResponse,
  type ChatContext,
  setModel,
} from "@pyfunc/custom-class";

class ShoutAgent extends ChatAgent {
  override predict(
    messages: ChatAgentMessage[],
    context?: ChatContext,
    customInputs?: Record<string, unknown>,
  ): ChatAgentResponse {
    const last = messages[messages.length - 1]?.content ?? "";
    return {
      messages: [{ role: "assistant", content: String(last).toUpperCase(), id: "m-1" }],
      finish_reason: "stop",
      custom_outputs: { user: context?.user_id ?? null, ...(customInputs ?? {}) },
    };
  }
  override *predictStream(messages: ChatAgentMessage[]): Generator<ChatAgentChunk> {
    const text = String(messages[messages.length - 1]?.content ?? "").toUpperCase();
    for (const part of text.split(" ")) yield { delta: { role: "assistant", content: part, id: "m-1" } };
  }
}
setModel(new ShoutAgent());
