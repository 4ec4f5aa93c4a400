import { writeFile } from "node:fs/promises";
import path from "node:path";
import {
  saveModel as coreSaveModel,
  type Model,
  type PyFuncInput,
  type SaveModelOptions,
} from "@pyfunc/core";
import { type LinearTemplateModel, parseLinearTemplateModel } from "./linear-template-model.js";
import { FLAVOR_NAME, MODEL_FILE, PACKAGE_NAME, PACKAGE_VERSION } from "./plugin.js";
import { LinearTemplatePyFuncModel } from "./wrapper.js";

export interface LinearTemplateSaveOptions {
  /** The model to save. */
  model: LinearTemplateModel;
  /** An example input: saved as MLflow's input example, and the signature is inferred from it when not given. */
  inputExample?: PyFuncInput;
  signature?: SaveModelOptions["signature"];
  metadata?: Record<string, unknown>;
}

/** Save a model as an MLmodel directory that `loadModel` loads wherever this package is installed. */
export async function saveModel(target: string, options: LinearTemplateSaveOptions): Promise<Model> {
  const json = JSON.stringify(options.model);
  // validate before writing: what is saved is what the loader will accept
  const model = new LinearTemplatePyFuncModel(parseLinearTemplateModel(new TextEncoder().encode(json)));
  const saveOptions: SaveModelOptions = {
    loaderModule: PACKAGE_NAME,
    // Only JavaScript loads this flavor: Python MLflow sees a js_function block and says so cleanly.
    pyfuncFlavorKey: "js_function",
    data: MODEL_FILE,
    flavor: { name: FLAVOR_NAME, config: { data: MODEL_FILE } },
    writeFiles: async (dir) => {
      await writeFile(path.join(dir, MODEL_FILE), json);
    },
    packageVersions: { [PACKAGE_NAME]: PACKAGE_VERSION },
    predictForSignature: async (example) => model.predict(example),
  };
  if (options.inputExample !== undefined) saveOptions.inputExample = options.inputExample;
  if (options.signature !== undefined) saveOptions.signature = options.signature;
  if (options.metadata !== undefined) saveOptions.metadata = options.metadata;
  return coreSaveModel(target, saveOptions);
}
