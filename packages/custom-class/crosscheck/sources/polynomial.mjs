// JavaScript port of the models-from-code Polynomial of MLflow's `pyfunc-models-from-code` fixture:
//   y = a*x^2 + b*x + c + shift   (a, b, c from model_config; shift from params)
import { PyFuncModelBase, setModel } from "@pyfunc/custom-class";

class Polynomial extends PyFuncModelBase {
  loadContext(context) {
    const cfg = context.modelConfig ?? {};
    this.a = Number(cfg.a ?? 0);
    this.b = Number(cfg.b ?? 0);
    this.c = Number(cfg.c ?? 0);
  }

  predict(_context, modelInput, params) {
    const shift = Number(params?.shift ?? 0);
    const x =
      typeof modelInput?.column === "function"
        ? Array.from(modelInput.column("x").values, Number)
        : modelInput.map((r) => Number(r.x));
    return x.map((v) => this.a * v * v + this.b * v + this.c + shift);
  }
}

setModel(new Polynomial());
