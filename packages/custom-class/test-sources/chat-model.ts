import {
  type ChatCompletionResponse,
  type ChatMessage,
  ChatModel,
  type ChatParams,
  setModel,
} from "@pyfunc/custom-class";

class Counter extends ChatModel {
  override predict(messages: ChatMessage[], params: ChatParams): ChatCompletionResponse {
    return {
      choices: [
        { message: { role: "assistant", content: `${messages.length} messages at t=${params.temperature}` } },
      ],
      model: "counter",
      created: 1700000000,
    };
  }
  override async *predictStream(messages: ChatMessage[], params: ChatParams) {
    yield { choices: [{ delta: { content: `${messages.length}` } }], created: 1700000000 };
    yield {
      choices: [{ delta: { content: ` t=${params.temperature}` }, finish_reason: "stop" }],
      created: 1700000000,
    };
  }
}
setModel(new Counter());
