import type { FlavorPlugin, LoadContext } from "@pyfunc/core";
import { packageVersionAt } from "@pyfunc/core/mlmodel";
import { readLinearTemplateModel } from "./linear-template-model.js";
import { LinearTemplatePyFuncModel } from "./wrapper.js";

/** The flavor key: the name of this flavor's block in MLmodel. */
export const FLAVOR_NAME = "linear_template";
/** This npm package; also the `loader_module` its models record, which core's discovery finds installed. */
export const PACKAGE_NAME = "pyfunc-flavor-template";
/** This package's version, recorded in the node_env.yaml of the models it saves. */
export const PACKAGE_VERSION = packageVersionAt(new URL("../package.json", import.meta.url));
/** The model file inside the model directory (the pyfunc block's and the flavor block's `data`). */
export const MODEL_FILE = "model.json";

/** Load a saved model: every path is resolved through `context.resolvePath`, which refuses escapes. */
export async function loadLinearTemplateModel(context: LoadContext): Promise<LinearTemplatePyFuncModel> {
  const data = context.flavorConfig?.data;
  const file = context.resolvePath(typeof data === "string" ? data : MODEL_FILE);
  return new LinearTemplatePyFuncModel(await readLinearTemplateModel(file));
}

/** The flavor plugin that `index.ts` registers. */
export const linearTemplateFlavor: FlavorPlugin = {
  name: FLAVOR_NAME,
  packageName: PACKAGE_NAME,
  coreVersion: "^0.1.0", // the @pyfunc/core versions this plugin is built for (checked when it registers)
  // predict runs only this package's code, nothing that came with the model, so servers may run it in their
  // HTTP thread; leave it out if your model files can carry code (pickles, model-from-code scripts)
  safeInThread: true,
  loaderModules: [PACKAGE_NAME],
  load: loadLinearTemplateModel,
};
