import { ResponsesAgent, setModel } from "@pyfunc/custom-class";

class Bad extends ResponsesAgent {
  predict() {
    return { output: [{ type: "message", content: [{ type: "output_text", text: "no id" }] }] };
  }
}
setModel(new Bad());
