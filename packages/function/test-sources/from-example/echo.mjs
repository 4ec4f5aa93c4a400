// MLflow's `def echo(model_input: TypeFromExample)`: the function gets its input in the example's form.
import { TypeFromExample } from "@pyfunc/function";

export function echo(modelInput) {
  return modelInput;
}
echo.inputSchema = TypeFromExample;
