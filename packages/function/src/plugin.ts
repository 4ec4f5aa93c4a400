import type { FlavorPlugin, LoadContext, PyFuncImplementation } from "@pyfunc/core";
import { importModelCode, modelCodeFileOf } from "@pyfunc/core/model-code";
import { typeFromExampleInputConverter } from "@pyfunc/core/schema";
import { functionImplementation, runLoadContext } from "./wrapper.js";

export const FLAVOR_NAME = "function";
export const FUNCTION_PACKAGE_NAME = "@pyfunc/function";
export const FUNCTION_LOADER_MODULE = FUNCTION_PACKAGE_NAME;

/** The FlavorPlugin for function models (`js_function.loader_module: "@pyfunc/function"`). */
export const functionFlavor: FlavorPlugin = {
  name: FLAVOR_NAME,
  packageName: FUNCTION_PACKAGE_NAME,
  coreVersion: "^0.1.0", // the @pyfunc/core versions this plugin is built for (checked when it registers)
  loaderModules: [FUNCTION_LOADER_MODULE],
  async load(context: LoadContext): Promise<PyFuncImplementation> {
    const file = modelCodeFileOf(context);
    const mod = await importModelCode(context.modelDir, file, { extraResolveFrom: [import.meta.url] });
    await runLoadContext(mod, context.modelConfig);
    const exportName = context.pyfuncConfig.model_code_function;
    return functionImplementation(
      mod,
      (m) => context.warn(m),
      typeof exportName === "string" ? exportName : undefined,
      await typeFromExampleInputConverter(context.modelDir, context.model),
    );
  },
};
