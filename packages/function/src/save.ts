import { copyFile } from "node:fs/promises";
import path from "node:path";
import {
  saveModel as coreSaveModel,
  MlflowException,
  type Model,
  type PyFuncInput,
  type PyFuncOutput,
  type SaveModelOptions,
  type SignatureInput,
} from "@pyfunc/core";
import { stageModelCode } from "@pyfunc/core/model-code";
import { FUNCTION_LOADER_MODULE } from "./plugin.js";
import { PACKAGE_VERSION } from "./version.js";
import { functionImplementation, runLoadContext } from "./wrapper.js";

export interface SaveFunctionModelOptions {
  /** The module whose exported `predict(modelInput)` is the model: a `.ts`/`.mts`/`.js`/`.mjs` file. */
  modelCode: string;
  /** Files or directories copied under `code/` (recorded as `code`), e.g. data files the code reads at run time. */
  codePaths?: string[];
  /** The model signature (`ModelSignature` or its dict of JSON strings); `null` to write none. */
  signature?: SignatureInput | null;
  /** Saved as input_example.json; with no signature, the signature is inferred by running the model on it. */
  inputExample?: PyFuncInput;
  /** Written as the pyfunc block's `config`. */
  modelConfig?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  /** Base directory for a relative `modelCode`. Default `process.cwd()`. */
  cwd?: string;
}

/**
 * Save a function model (MLflow's "models from code" with a predict function): the module in `modelCode` is
 * compiled with esbuild into a single ES module (relative imports inlined, package imports left to the loading
 * application) and written into the model directory; loading imports it from there. Returns the MLmodel.
 */
export async function saveModel(target: string, options: SaveFunctionModelOptions): Promise<Model> {
  if (!options || typeof options.modelCode !== "string" || options.modelCode.length === 0) {
    throw MlflowException.invalidParameter(
      "saveModel: `modelCode` (path of the module exporting predict) is required.",
    );
  }
  const staged = await stageModelCode(options.modelCode, options.cwd);
  try {
    // Run the code once at save time (as MLflow does): find predict, detect streaming, infer the output schema.
    const mod = await staged.importStaged([import.meta.url]);
    await runLoadContext(mod, options.modelConfig ?? {});
    const impl = functionImplementation(mod, () => {});
    const coreOptions: SaveModelOptions = {
      loaderModule: FUNCTION_LOADER_MODULE,
      pyfuncFlavorKey: "js_function",
      pyfuncExtra: {
        model_code_path: staged.fileName,
        model_code_source: path.basename(staged.entryPath),
        streamable: impl.predictStream !== undefined,
      },
      writeFiles: async (dir) => {
        await copyFile(staged.bundlePath, path.join(dir, staged.fileName));
      },
      packageVersions: { "@pyfunc/function": PACKAGE_VERSION },
    };
    if (options.codePaths)
      coreOptions.codePaths = options.codePaths.map((p) => path.resolve(options.cwd ?? process.cwd(), p));
    if (options.signature !== undefined) coreOptions.signature = options.signature;
    if (options.inputExample !== undefined) {
      coreOptions.inputExample = options.inputExample;
      coreOptions.predictForSignature = async (example: PyFuncInput): Promise<PyFuncOutput> =>
        await impl.predict(example);
    }
    if (options.modelConfig) coreOptions.modelConfig = options.modelConfig;
    if (options.metadata) coreOptions.metadata = options.metadata;
    return await coreSaveModel(target, coreOptions);
  } finally {
    await staged.dispose();
  }
}
