import { copyFile } from "node:fs/promises";
import path from "node:path";
import {
  saveModel as coreSaveModel,
  MlflowException,
  Model,
  type PyFuncInput,
  type PyFuncOutput,
  type SaveModelOptions,
  type SignatureInput,
} from "@pyfunc/core";
import {
  notExportedError,
  type StagedModelCode,
  stageModelCode,
  stageModuleExporting,
} from "@pyfunc/core/model-code";
import {
  signatureFromRowSchemas,
  TYPE_FROM_EXAMPLE_ERROR_MESSAGE,
  updateSignatureForTypeHintFromExample,
} from "@pyfunc/core/schema";
import { FUNCTION_LOADER_MODULE } from "./plugin.js";
import { PACKAGE_VERSION } from "./version.js";
import {
  declaresTypeFromExample,
  functionImplementation,
  predictFunctionOf,
  rowSchemasOf,
  runLoadContext,
} from "./wrapper.js";

/** A model function: takes the model input (rows, when it declares an `inputSchema`), returns the prediction. */
export type ModelFunction = ((modelInput: never) => unknown) & {
  /** The row schema of its parameter (zod …), MLflow's type hint: gives the signature and validates the input. */
  inputSchema?: unknown;
  /** The row schema of its result: gives the output signature. */
  outputSchema?: unknown;
};

export interface SaveFunctionModelOptions {
  /** The module whose exported `predict(modelInput)` is the model: a `.ts`/`.mts`/`.js`/`.mjs` file. */
  modelCode?: string;
  /**
   * The model as a function value (MLflow's `python_model=<callable>`); it must be exported by `module` or by a
   * file in `codePaths`, which is saved as model code with the export's name.
   */
  predict?: ModelFunction;
  /** The module file exporting `predict` (a path, or a `file:` URL such as `new URL("./f.js", import.meta.url)`). */
  module?: string | URL;
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
  const cwd = options?.cwd ?? process.cwd();
  const hasCode = typeof options?.modelCode === "string" && options.modelCode.length > 0;
  if (options?.predict !== undefined && hasCode) {
    throw MlflowException.invalidParameter("saveModel: give either `modelCode` or `predict`, not both.");
  }
  let staged: StagedModelCode;
  let exportName: string | undefined;
  if (options?.predict !== undefined) {
    const fn = options.predict;
    if (typeof fn !== "function") {
      throw MlflowException.invalidParameter("saveModel: `predict` must be a function.");
    }
    const candidates = [
      ...(options.module !== undefined ? [options.module] : []),
      ...(options.codePaths ?? []),
    ];
    const found = await stageModuleExporting(fn, candidates, { cwd, extraResolveFrom: [import.meta.url] });
    if (!found) throw notExportedError("the function passed as `predict`", fn.name);
    staged = found.staged;
    exportName = found.exportName;
  } else if (hasCode) {
    staged = await stageModelCode(options.modelCode as string, cwd);
  } else {
    throw MlflowException.invalidParameter(
      "saveModel: `modelCode` (path of the module exporting predict) or `predict` (the function) is required.",
    );
  }
  try {
    // Run the code once at save time (as MLflow does): find predict, detect streaming, infer the output schema.
    const mod = await staged.importStaged([import.meta.url]);
    await runLoadContext(mod, options.modelConfig ?? {});
    const impl = functionImplementation(mod, () => {}, exportName);
    const pyfuncExtra: Record<string, unknown> = {
      model_code_path: staged.fileName,
      model_code_source: path.basename(staged.entryPath),
      streamable: impl.predictStream !== undefined,
    };
    if (exportName !== undefined) pyfuncExtra.model_code_function = exportName;
    const coreOptions: SaveModelOptions = {
      loaderModule: FUNCTION_LOADER_MODULE,
      pyfuncFlavorKey: "js_function",
      pyfuncExtra,
      writeFiles: async (dir) => {
        await copyFile(staged.bundlePath, path.join(dir, staged.fileName));
      },
      packageVersions: { "@pyfunc/function": PACKAGE_VERSION },
    };
    if (options.codePaths) coreOptions.codePaths = options.codePaths.map((p) => path.resolve(cwd, p));
    const fn = predictFunctionOf(mod, exportName).predict;
    const schemas = rowSchemasOf(fn, mod);
    if (declaresTypeFromExample(fn, mod)) {
      // MLflow's TypeFromExample type hint: the signature comes from the example (or `signature`), and the model is
      // marked so that predict hands the function its input in the example's form
      if (options.inputExample === undefined)
        process.emitWarning(TYPE_FROM_EXAMPLE_ERROR_MESSAGE, "PyfuncWarning");
      else if (options.signature !== null) {
        const marked = new Model();
        if (updateSignatureForTypeHintFromExample(options.inputExample, marked))
          coreOptions.mlflowModel = marked;
      }
    }
    if (options.signature !== undefined) coreOptions.signature = options.signature;
    else if (schemas.input) {
      // MLflow's signature from the type hint of the function's parameter (is_signature_from_type_hint)
      coreOptions.signature = signatureFromRowSchemas({ ...schemas, input: schemas.input });
      const typed = new Model();
      typed.isSignatureFromTypeHint = true;
      coreOptions.mlflowModel = typed;
    }
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
