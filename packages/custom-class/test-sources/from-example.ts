import { PyFuncModelBase, setModel, TypeFromExample } from "@pyfunc/custom-class";

// MLflow's `def predict(self, model_input: TypeFromExample)`: the model gets its input in the example's form.
class Echo extends PyFuncModelBase {
  static inputSchema = TypeFromExample;
  override predict(modelInput: unknown) {
    return modelInput;
  }
}
setModel(new Echo());
