import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  saveModel as coreSaveModel,
  type Model,
  type PyFuncInput,
  type SaveModelOptions,
} from "@pyfunc/core";
import { FLAVOR_NAME, MODEL_FILE, PACKAGE_NAME } from "./flavor-name.js";
import { type LinearModel, predictLinear } from "./linear-model.js";

export interface SaveLinearModelOptions extends Pick<SaveModelOptions, "signature" | "metadata"> {
  model: LinearModel;
  inputExample?: PyFuncInput;
}

/** Save a linear model as an MLmodel directory that `loadModel` (with this package installed) loads. */
export async function saveModel(path: string, options: SaveLinearModelOptions): Promise<Model> {
  return coreSaveModel(path, {
    loaderModule: PACKAGE_NAME,
    // Only JavaScript can load this flavor: Python MLflow sees a js_function block and says so cleanly.
    pyfuncFlavorKey: "js_function",
    data: MODEL_FILE,
    flavor: { name: FLAVOR_NAME, config: { data: MODEL_FILE } },
    signature: options.signature,
    metadata: options.metadata,
    inputExample: options.inputExample,
    packageVersions: {},
    writeFiles: async (dir) => {
      await writeFile(join(dir, MODEL_FILE), JSON.stringify(options.model));
    },
    predictForSignature: async () =>
      predictLinear(options.model, new Float64Array(options.model.coef.length), 1),
  });
}
