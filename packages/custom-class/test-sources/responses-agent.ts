import {
  createFunctionCallItem,
  createFunctionCallOutputItem,
  createTextDelta,
  createTextOutputItem,
  ResponsesAgent,
  type ResponsesAgentRequest,
  type ResponsesAgentResponse,
  type ResponsesAgentStreamEvent,
  setModel,
} from "@pyfunc/custom-class";

function lastText(request: ResponsesAgentRequest): string {
  const last = request.input[request.input.length - 1] as { content?: unknown };
  return typeof last?.content === "string" ? last.content : "";
}

class EchoAgent extends ResponsesAgent {
  override predict(request: ResponsesAgentRequest): ResponsesAgentResponse {
    const text = lastText(request);
    return {
      object: "response",
      output: [
        createFunctionCallItem("fc_1", "call_1", "echo", JSON.stringify({ text })),
        createFunctionCallOutputItem("call_1", text),
        createTextOutputItem(`echo: ${text}`, "msg_1"),
      ],
      ...(request.custom_inputs ? { custom_outputs: request.custom_inputs } : {}),
    };
  }

  override async *predictStream(request: ResponsesAgentRequest): AsyncGenerator<ResponsesAgentStreamEvent> {
    const words = `echo: ${lastText(request)}`.split(" ");
    for (const [i, w] of words.entries()) yield createTextDelta(i === 0 ? w : ` ${w}`, "msg_1");
    yield { type: "response.output_item.done", item: createTextOutputItem(words.join(" "), "msg_1") };
  }
}

setModel(new EchoAgent());
