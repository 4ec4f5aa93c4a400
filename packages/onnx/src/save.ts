import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import {
  saveModel as coreSaveModel,
  MlflowException,
  type Model,
  ModelSignature,
  type Params,
  type PyFuncInput,
  Schema,
  type SignatureInput,
  TensorSpec,
} from "@pyfunc/core";
import "./runtime-check.js"; // first: a binding that cannot load says what to do
import type { CondaEnv } from "@pyfunc/core/environment";
import ort from "onnxruntime-node";
import { numpyDTypeOf } from "./convert.js";
import { DEFAULT_ONNX_VERSION, getDefaultPipRequirements } from "./environment.js";
import { checkExternalLocation, externalDataLocations } from "./external-data.js";
import { FLAVOR_NAME, MODEL_DATA_SUBPATH } from "./plugin.js";
import {
  DEFAULT_MLFLOW_PROVIDERS,
  errorText,
  toPythonProviderName,
  validateSessionOptions,
} from "./session.js";
import { OnnxModelWrapper } from "./wrapper.js";

export interface SaveOnnxModelOptions {
  /** Path of an `.onnx` file (external-data sidecars it references are copied too) or the model bytes. */
  onnxModel: string | Uint8Array;
  /** A ModelSignature (or its dict); `null` for none; omitted → inferred from the graph's inputs/outputs. */
  signature?: SignatureInput | null;
  inputExample?: PyFuncInput;
  inputExampleParams?: Params;
  /** MLflow `onnx_session_options` (inter_op_num_threads, intra_op_num_threads, execution_mode, graph_optimization_level, extra_session_config). */
  onnxSessionOptions?: Record<string, unknown> | null;
  /** MLflow `onnx_execution_providers` (Python names; onnxruntime-node names are translated). Default [CUDA, CPU]. */
  providers?: readonly string[];
  /** `onnx_version` in the flavor block and the `onnx==` pin (default DEFAULT_ONNX_VERSION). */
  onnxVersion?: string;
  /** Replaces the default pip requirements (`onnx==…`, `onnxruntime==…`): a list or a requirements-file path. */
  pipRequirements?: readonly string[] | string;
  /** Added to the default pip requirements: a list or a requirements-file path. */
  extraPipRequirements?: readonly string[] | string;
  /** The whole conda environment: an object or a conda YAML file path (not with the pip options). */
  condaEnv?: CondaEnv | string;
  codePaths?: string[];
  metadata?: Record<string, unknown>;
  pythonVersion?: string;
}

/** The default pip requirements (kept name; MLflow's is `getDefaultPipRequirements`). */
export const defaultPipRequirements = getDefaultPipRequirements;

function specShape(shape: readonly (number | string)[]): number[] {
  return shape.map((d) => (typeof d === "number" && d >= 0 ? d : -1));
}

/**
 * A tensor signature from the session's metadata: one named TensorSpec per input and per tensor output,
 * numpy dtypes, symbolic or unknown dimensions as -1. Non-tensor outputs (ZipMap) are left out.
 */
export function inferOnnxSignature(session: ort.InferenceSession): ModelSignature {
  const inputs: TensorSpec[] = [];
  for (const m of session.inputMetadata) {
    if (!m.isTensor) continue;
    inputs.push(new TensorSpec(numpyDTypeOf(m.type), specShape(m.shape), m.name));
  }
  const outputs: TensorSpec[] = [];
  for (const m of session.outputMetadata) {
    if (!m.isTensor) continue;
    outputs.push(new TensorSpec(numpyDTypeOf(m.type), specShape(m.shape), m.name));
  }
  return new ModelSignature(
    inputs.length > 0 ? new Schema(inputs) : null,
    outputs.length > 0 ? new Schema(outputs) : null,
  );
}

async function writeOnnxFiles(source: string | Uint8Array, modelDir: string): Promise<void> {
  const target = join(modelDir, MODEL_DATA_SUBPATH);
  let bytes: Uint8Array;
  if (typeof source === "string") {
    try {
      bytes = await readFile(source);
    } catch (err) {
      throw MlflowException.invalidParameter(`Cannot read ONNX model '${source}': ${errorText(err)}`, {
        cause: err,
      });
    }
  } else {
    bytes = source;
  }
  const locations = externalDataLocations(bytes);
  await writeFile(target, bytes);
  if (typeof source === "string") {
    const srcDir = dirname(resolve(source));
    for (const location of locations) {
      const rel = checkExternalLocation(location);
      const dest = join(modelDir, rel);
      await mkdir(dirname(dest), { recursive: true });
      try {
        await copyFile(join(srcDir, rel), dest);
      } catch (err) {
        throw MlflowException.invalidParameter(
          `The ONNX model refers to external data '${location}', which could not be copied: ${errorText(err)}`,
          { cause: err },
        );
      }
    }
  }
}

/**
 * `mlflow.onnx.save_model`: write a model directory that Python MLflow's `mlflow.onnx` loads: `model.onnx`
 * (plus any external-data sidecar files it refers to), MLmodel with the `onnx` flavor block (`onnx_version`,
 * `data`, `providers`, `onnx_session_options`, `code`) and `python_function` (`loader_module: mlflow.onnx`),
 * conda.yaml / python_env.yaml / requirements.txt, and the input example. Without a signature, one is
 * inferred from the graph's input/output metadata.
 */
export async function saveModel(path: string, options: SaveOnnxModelOptions): Promise<Model> {
  if (typeof options !== "object" || options === null || options.onnxModel === undefined) {
    throw MlflowException.invalidParameter("saveModel needs options.onnxModel (a path or the model bytes).");
  }
  const sessionOptions = options.onnxSessionOptions ?? null;
  validateSessionOptions(sessionOptions);
  const providers = (options.providers ?? DEFAULT_MLFLOW_PROVIDERS).map(toPythonProviderName);
  const onnxVersion = options.onnxVersion ?? DEFAULT_ONNX_VERSION;
  const source = options.onnxModel;
  if (typeof source !== "string" && !(source instanceof Uint8Array)) {
    throw MlflowException.invalidParameter(
      "onnxModel must be a path to an .onnx file or a Uint8Array of its bytes.",
    );
  }
  if (typeof source !== "string") {
    const locations = externalDataLocations(source);
    if (locations.length > 0) {
      throw MlflowException.invalidParameter(
        `The ONNX model bytes reference external data files ${JSON.stringify(locations)}; pass the .onnx file path instead so they can be copied.`,
      );
    }
  }
  // Open the source once: validates the graph, gives the metadata for the signature and runs the example.
  let session: ort.InferenceSession;
  try {
    session =
      typeof source === "string"
        ? await ort.InferenceSession.create(resolve(source))
        : await ort.InferenceSession.create(source);
  } catch (err) {
    throw MlflowException.invalidParameter(`onnxruntime cannot load the ONNX model: ${errorText(err)}`, {
      cause: err,
    });
  }
  const wrapper = new OnnxModelWrapper(session, () => {});
  const signature = options.signature === undefined ? inferOnnxSignature(session) : options.signature;
  try {
    return await coreSaveModel(path, {
      loaderModule: "mlflow.onnx",
      data: MODEL_DATA_SUBPATH,
      writeFiles: (dir) => writeOnnxFiles(source, dir),
      signature,
      ...(options.inputExample !== undefined ? { inputExample: options.inputExample } : {}),
      ...(options.inputExampleParams !== undefined ? { inputExampleParams: options.inputExampleParams } : {}),
      predictForSignature: async (example) => wrapper.predict(example),
      flavor: {
        name: FLAVOR_NAME,
        config: {
          code: null,
          data: MODEL_DATA_SUBPATH,
          onnx_session_options: sessionOptions,
          onnx_version: onnxVersion,
          providers,
        },
      },
      defaultPipRequirements: getDefaultPipRequirements(onnxVersion),
      ...(options.pipRequirements !== undefined ? { pipRequirements: options.pipRequirements } : {}),
      ...(options.extraPipRequirements !== undefined
        ? { extraPipRequirements: options.extraPipRequirements }
        : {}),
      ...(options.condaEnv !== undefined ? { condaEnv: options.condaEnv } : {}),
      ...(options.codePaths ? { codePaths: options.codePaths } : {}),
      ...(options.metadata ? { metadata: options.metadata } : {}),
      ...(options.pythonVersion ? { pythonVersion: options.pythonVersion } : {}),
    });
  } finally {
    await wrapper.close();
  }
}
