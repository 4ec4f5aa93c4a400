import { type LoadModelOptions, loadModel } from "./load-model.js";
import type { PyFuncModel } from "./pyfunc-model.js";

let warned = false;

/**
 * MLflow's deprecated `mlflow.pyfunc.load_pyfunc`: the same as `loadModel`, with a DeprecationWarning the first
 * time it is called in the process.
 */
export async function loadPyfunc(uri: string, options: LoadModelOptions = {}): Promise<PyFuncModel> {
  if (!warned) {
    warned = true;
    process.emitWarning(
      "`loadPyfunc` (mlflow.pyfunc.load_pyfunc) is deprecated since MLflow 1.0 and will be removed; use `loadModel` instead.",
      { type: "DeprecationWarning", code: "PYFUNC_LOAD_PYFUNC" },
    );
  }
  return loadModel(uri, options);
}
