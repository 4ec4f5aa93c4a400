import { PyFuncModelBase, setModel } from "@pyfunc/custom-class";
import { z } from "zod";

// MLflow's `def predict(self, model_input: list[dict[str, str]])`.
class KeyCounter extends PyFuncModelBase {
  static inputSchema = z.record(z.string(), z.string());
  override predict(modelInput: Array<Record<string, string>>) {
    return modelInput.map((row) => Object.keys(row).sort().join(","));
  }
}
setModel(new KeyCounter());
