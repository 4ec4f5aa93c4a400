// A context-free JavaScript model (predict(input, params)) with streaming, default-exported.
import { PyFuncModelBase } from "@pyfunc/custom-class";

class Echo extends PyFuncModelBase {
  loadContext(context) {
    this.prefix = context.modelConfig.prefix ?? "";
  }
  predict(modelInput, params) {
    const rows = typeof modelInput?.toRecords === "function" ? modelInput.toRecords() : modelInput;
    const suffix = params?.suffix ?? "";
    return rows.map((r) => `${this.prefix}${r.text}${suffix}`);
  }
  async *predictStream(modelInput, params) {
    for (const out of this.predict(modelInput, params)) for (const ch of out.split(" ")) yield ch;
  }
}

export default new Echo();
