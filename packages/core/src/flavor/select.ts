import { MlflowException } from "../errors/mlflow-exception.js";
import type { FlavorConfig, Model } from "../mlmodel/model.js";
import { discoverFlavor, flavorPackageFor } from "./discovery.js";
import type { FlavorPlugin } from "./plugin.js";
import type { FlavorRegistry } from "./registry.js";

/** Flavor key of MLflow's Python pyfunc block. */
export const PYFUNC_FLAVOR_NAME = "python_function";
/** Flavor key of the JavaScript pyfunc block written for models that only run in Node. */
export const JS_PYFUNC_FLAVOR_NAME = "js_function";
export type PyFuncFlavorKey = typeof PYFUNC_FLAVOR_NAME | typeof JS_PYFUNC_FLAVOR_NAME;

/** The metadata flag MLflow 3 sets on external models (no artifacts in the directory). */
export const MLFLOW_MODEL_IS_EXTERNAL = "mlflow.model.isExternal";

/** How to get an ONNX model out of each Python-only MLflow flavor. */
const CONVERSION_HINTS: Record<string, string> = {
  "mlflow.pytorch":
    "export the module with `torch.onnx.export(model, example_input, 'model.onnx')` and save it with mlflow.onnx",
  "mlflow.tensorflow":
    "convert it with tf2onnx (`python -m tf2onnx.convert`) for mlflow.onnx, or with tensorflowjs_converter for @pyfunc/tfjs",
  "mlflow.keras":
    "convert it with tf2onnx (`python -m tf2onnx.convert`) for mlflow.onnx, or with tensorflowjs_converter for @pyfunc/tfjs",
  "mlflow.catboost":
    "save it with `model.save_model('model.onnx', format='onnx')` and log that with mlflow.onnx",
  "mlflow.statsmodels":
    "re-implement the fitted formula, or export predictions to a model format ONNX supports",
  "mlflow.transformers": "export it with `optimum-cli export onnx` and save it with mlflow.onnx",
  "mlflow.sentence_transformers": "export it with `optimum-cli export onnx` and save it with mlflow.onnx",
};

function pythonOnlyReason(
  loaderModule: string,
  pyfunc: FlavorConfig,
  bases: readonly string[] | undefined,
): string | undefined {
  if (loaderModule === "mlflow.pyfunc.model") {
    if (typeof pyfunc.python_model === "string") {
      return `its python_function flavor holds a cloudpickled Python object ('${pyfunc.python_model}', loader_module 'mlflow.pyfunc.model'), which only Python can unpickle`;
    }
    return "its python_function flavor is a Python PythonModel (loader_module 'mlflow.pyfunc.model')";
  }
  if (loaderModule.startsWith("mlflow.pyfunc.loaders.")) {
    const code = typeof pyfunc.model_code_path === "string" ? ` ('${pyfunc.model_code_path}')` : "";
    return `its python_function flavor runs Python code${code} through loader_module '${loaderModule}'`;
  }
  if (loaderModule.startsWith("mlflow.")) {
    return `loader_module '${loaderModule}' is MLflow's Python ${loaderModule.slice(7)} flavor`;
  }
  if (
    /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(loaderModule) &&
    !flavorPackageFor(loaderModule, bases)
  ) {
    const code = typeof pyfunc.code === "string" ? ` shipped in the model's '${pyfunc.code}' directory` : "";
    return `loader_module '${loaderModule}' is a custom Python module${code}`;
  }
  return undefined;
}

function pythonOnlyError(loaderModule: string, reason: string): MlflowException {
  const hint =
    CONVERSION_HINTS[loaderModule] ??
    "convert the model to ONNX (skl2onnx for scikit-learn, torch.onnx.export for PyTorch, tf2onnx for TensorFlow) and save it with mlflow.onnx, or rewrite its logic with @pyfunc/custom-class";
  return new MlflowException(
    `This model cannot run in Node.js: ${reason}. To serve it with @pyfunc, ${hint}.`,
    "NOT_IMPLEMENTED",
    { errorClass: "PYTHON_ONLY_FLAVOR" },
  );
}

function notInstalledError(
  loaderModule: string,
  packageName: string | undefined,
  flavorKey: string,
): MlflowException {
  const install =
    packageName !== undefined
      ? `Install it with \`npm install ${packageName}\` (or import '${packageName}' before loading so it registers).`
      : "Import the package that provides it before loading, so it registers with the FlavorRegistry.";
  return new MlflowException(
    `No flavor plugin is registered for loader_module '${loaderModule}' (flavor '${flavorKey}'). ${install}`,
    "RESOURCE_DOES_NOT_EXIST",
    { errorClass: "FLAVOR_NOT_INSTALLED" },
  );
}

/** The pyfunc block chosen to load a model, and the plugin that loads it. */
export interface SelectedFlavor {
  flavorKey: PyFuncFlavorKey;
  pyfuncConfig: FlavorConfig;
  loaderModule: string;
  plugin: FlavorPlugin;
}

export interface SelectFlavorOptions {
  /** Try importing the known package when no plugin is registered (default true). */
  discover?: boolean;
  /** Directories discovery searches from (default: cwd, then core's own location). */
  discoveryBases?: readonly string[];
}

async function pluginFor(
  loaderModule: string,
  registry: FlavorRegistry,
  options: SelectFlavorOptions,
): Promise<FlavorPlugin | undefined> {
  const found = registry.resolve(loaderModule);
  if (found !== undefined || options.discover === false) return found;
  await discoverFlavor(loaderModule, registry, options.discoveryBases);
  return registry.resolve(loaderModule);
}

function loaderModuleOf(block: FlavorConfig, key: string): string {
  const lm = block.loader_module;
  if (typeof lm !== "string" || lm.length === 0) {
    throw MlflowException.invalidParameter(`The '${key}' flavor in MLmodel has no 'loader_module'`);
  }
  return lm;
}

/**
 * Pick the pyfunc block and its plugin: the `js_function` block first, then `python_function`'s
 * loader module, through registered plugins and on-demand discovery. Throws MlflowException for an external
 * model, a model without a pyfunc flavor (RESOURCE_DOES_NOT_EXIST, as MLflow), a Python-only flavor
 * (NOT_IMPLEMENTED, errorClass PYTHON_ONLY_FLAVOR) and a loader module no installed package handles
 * (RESOURCE_DOES_NOT_EXIST, errorClass FLAVOR_NOT_INSTALLED, naming the package to install).
 */
export async function selectFlavorPlugin(
  model: Model,
  registry: FlavorRegistry,
  options: SelectFlavorOptions = {},
): Promise<SelectedFlavor> {
  if (model.metadata?.[MLFLOW_MODEL_IS_EXTERNAL] === true) {
    throw new MlflowException(
      "This model's artifacts are external and are not stored in the model directory. It cannot be loaded.",
      "BAD_REQUEST",
    );
  }
  const js = model.flavors[JS_PYFUNC_FLAVOR_NAME];
  const py = model.flavors[PYFUNC_FLAVOR_NAME];
  if (js === undefined && py === undefined) {
    const present = Object.keys(model.flavors);
    throw new MlflowException(
      `Model does not have the "${PYFUNC_FLAVOR_NAME}" flavor` +
        (present.length > 0 ? ` (flavors present: ${present.join(", ")})` : ""),
      "RESOURCE_DOES_NOT_EXIST",
    );
  }
  // the install hints and the Python-only check look where discovery looks
  const bases = options.discoveryBases;
  let jsError: MlflowException | undefined;
  if (js !== undefined) {
    const loaderModule = loaderModuleOf(js, JS_PYFUNC_FLAVOR_NAME);
    const plugin = await pluginFor(loaderModule, registry, options);
    if (plugin !== undefined)
      return { flavorKey: JS_PYFUNC_FLAVOR_NAME, pyfuncConfig: js, loaderModule, plugin };
    jsError = notInstalledError(loaderModule, flavorPackageFor(loaderModule, bases), JS_PYFUNC_FLAVOR_NAME);
    if (py === undefined) throw jsError;
  }
  if (py === undefined) throw jsError;
  const loaderModule = loaderModuleOf(py, PYFUNC_FLAVOR_NAME);
  const registered = registry.resolve(loaderModule);
  if (registered !== undefined) {
    return { flavorKey: PYFUNC_FLAVOR_NAME, pyfuncConfig: py, loaderModule, plugin: registered };
  }
  const pythonOnly =
    flavorPackageFor(loaderModule, bases) === undefined
      ? pythonOnlyReason(loaderModule, py, bases)
      : undefined;
  if (pythonOnly !== undefined) throw jsError ?? pythonOnlyError(loaderModule, pythonOnly);
  const plugin = await pluginFor(loaderModule, registry, options);
  if (plugin !== undefined) return { flavorKey: PYFUNC_FLAVOR_NAME, pyfuncConfig: py, loaderModule, plugin };
  throw jsError ?? notInstalledError(loaderModule, flavorPackageFor(loaderModule, bases), PYFUNC_FLAVOR_NAME);
}
