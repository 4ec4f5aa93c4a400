import { MlflowException } from "../errors/mlflow-exception.js";
import type { LoadContext } from "../flavor/plugin.js";

/**
 * The saved model-code file of a code model's pyfunc block. `js_function` blocks record `model_code_path` relative
 * to the model directory; an absolute one (as Python MLflow writes) counts only by its basename. The result is
 * always checked to stay inside the model directory.
 */
export function modelCodeFileOf(context: LoadContext): string {
  const original = context.pyfuncConfig.model_code_path;
  if (typeof original === "string" && original.length > 0) {
    const isAbsolute = original.startsWith("/") || /^[A-Za-z]:[\\/]/.test(original);
    return context.resolvePath(isAbsolute ? (original.split(/[\\/]/).pop() ?? "") : original);
  }
  throw MlflowException.invalidParameter(
    "The model's pyfunc flavor block has no `model_code_path`: there is no model code to load.",
  );
}
