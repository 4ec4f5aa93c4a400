import { PyFuncModelBase, setModel } from "@pyfunc/custom-class";

// The same model without a type hint: it gets the input as schema enforcement leaves it (a DataFrame).
class Echo extends PyFuncModelBase {
  override predict(modelInput: unknown) {
    const frame = modelInput as { toRecords?: () => unknown[] };
    return typeof frame.toRecords === "function" ? { dataframe: frame.toRecords() } : modelInput;
  }
}
setModel(new Echo());
