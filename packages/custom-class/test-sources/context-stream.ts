import { PythonModel, type PythonModelContext, setModel } from "@pyfunc/custom-class";

// predict_stream(self, context, model_input, params) as MLflow's PythonModel declares it.
class Repeater extends PythonModel {
  override predict(context: PythonModelContext, modelInput: string[]) {
    return modelInput.map((s) => `${String(context.modelConfig.prefix)}${s}`);
  }
  override async *predictStream(context: PythonModelContext, modelInput: string[]) {
    for (let i = 0; i < Number(context.modelConfig.times ?? 1); i++) {
      for (const s of modelInput) yield `${String(context.modelConfig.prefix)}${s}`;
    }
  }
}
setModel(new Repeater());
