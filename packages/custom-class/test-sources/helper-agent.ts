import { ResponsesAgent, type ResponsesAgentRequest, setModel } from "@pyfunc/custom-class";

// Uses MLflow's helpers as methods (`self.create_text_output_item(...)`).
class HelperAgent extends ResponsesAgent {
  override predict(request: ResponsesAgentRequest) {
    const last = request.input[request.input.length - 1] as { content?: unknown };
    return {
      output: [
        this.createReasoningItem("rs_1", "thinking"),
        this.createTextOutputItem(`you said ${String(last?.content)}`, "msg_1"),
      ],
    };
  }
  override async *predictStream(request: ResponsesAgentRequest) {
    const last = request.input[request.input.length - 1] as { content?: unknown };
    yield this.createTextDelta(String(last?.content), "msg_1");
    yield {
      type: "response.output_item.done",
      item: this.createTextOutputItem(String(last?.content), "msg_1"),
    };
  }
}
setModel(new HelperAgent());
