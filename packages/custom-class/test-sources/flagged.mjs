// The static flag decides the call form even though the parameter is not named "context".
import { PyFuncModelBase, setModel } from "@pyfunc/custom-class";

class Flagged extends PyFuncModelBase {
  static predictWithContext = true;
  predict(c, input) {
    return { config: c.modelConfig.tag, n: Array.isArray(input) ? input.length : -1 };
  }
}
setModel(new Flagged());
