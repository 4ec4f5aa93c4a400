import {
  type ChatCompletionResponse,
  type ChatMessage,
  ChatModel,
  type ChatParams,
  type PythonModelContext,
  setModel,
} from "@pyfunc/custom-class";

// MLflow's form: predict(self, context, messages, params).
class Greeter extends ChatModel {
  override predict(
    context: PythonModelContext,
    messages: ChatMessage[],
    params: ChatParams,
  ): ChatCompletionResponse {
    const greeting = String(context.modelConfig.greeting ?? "hi");
    return {
      choices: [
        {
          message: { role: "assistant", content: `${greeting} x${messages.length} t=${params.temperature}` },
        },
      ],
      model: "greeter",
      created: 1700000000,
    };
  }
}
setModel(new Greeter());
