import { type FlavorPlugin, isTensor, type PyFuncInput, registerFlavor, toDataFrame } from "@pyfunc/core";
import { castTensor, dataFrameToTensor } from "@pyfunc/core/inputs";
import { FLAVOR_NAME, MODEL_FILE, PACKAGE_NAME } from "./flavor-name.js";
import { type LinearModel, predictLinear, readLinearModel } from "./linear-model.js";

/** Any input MLflow's pyfunc accepts → a float64 [rows, features] matrix. */
function toMatrix(input: PyFuncInput): { data: Float64Array; rows: number } {
  const tensor = isTensor(input) ? input : dataFrameToTensor(toDataFrame(input), "float64");
  const t = tensor.dtype === "float64" ? tensor : castTensor(tensor, "float64");
  return { data: t.data as Float64Array, rows: t.shape[0] ?? 0 };
}

/** The flavor plugin: core calls `load` with paths already checked to stay inside the model directory. */
export const linearTemplatePlugin: FlavorPlugin = {
  name: FLAVOR_NAME,
  packageName: PACKAGE_NAME,
  coreVersion: "^0.1.0", // the @pyfunc/core versions this plugin is built for (checked when it registers)
  loaderModules: [PACKAGE_NAME],
  async load(context) {
    const file = context.flavorConfig?.data
      ? context.resolvePath(String(context.flavorConfig.data))
      : context.resolvePath(MODEL_FILE);
    const model: LinearModel = await readLinearModel(file);
    return {
      acceptsParams: false,
      predict(input) {
        const { data, rows } = toMatrix(input);
        return predictLinear(model, data, rows);
      },
      unwrap: () => model,
    };
  },
};

// Importing the package registers the flavor, so `loadModel` finds it.
registerFlavor(linearTemplatePlugin);
