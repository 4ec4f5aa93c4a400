import { createRequire } from "node:module";
import path from "node:path";
import {
  saveModel as coreSaveModel,
  MlflowException,
  type Model,
  type NumpyDType,
  type PyFuncInput,
  type SaveModelOptions,
} from "@pyfunc/core";
import * as tf from "@tensorflow/tfjs";
import { type BackendChoice, useBackend } from "./backend.js";
import { fileSystemSaver, readModelArtifacts } from "./io/fs-handler.js";
import { checkModelJson, type ModelJson } from "./io/model-json.js";
import { FLAVOR_NAME, PACKAGE_NAME, resolveModelJsonPath } from "./plugin.js";
import { modelFromArtifacts, type TfjsModel } from "./wrapper.js";

/** Folder (inside the MLmodel directory) that holds model.json and its weight shard. */
export const MODEL_DATA_DIR = "model";

const OWN_VERSION = (createRequire(import.meta.url)("../package.json") as { version: string }).version;

export interface SaveTfjsModelOptions
  extends Omit<
    SaveModelOptions,
    "loaderModule" | "pyfuncFlavorKey" | "data" | "flavor" | "writeFiles" | "predictForSignature" | "code"
  > {
  /** An in-memory tf.LayersModel or tf.GraphModel, or the path of a model.json (its shards beside it) or its folder. */
  tfjsModel: tf.LayersModel | tf.GraphModel | string;
  /** Backend used to load the model while saving (signature inference); default: the active one, else "auto". */
  backend?: BackendChoice;
}

type TfModel = tf.LayersModel | tf.GraphModel;

async function artifactsOf(model: TfModel): Promise<tf.io.ModelArtifacts> {
  let captured: tf.io.ModelArtifacts | undefined;
  try {
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        captured = artifacts;
        return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
      }),
    );
  } catch (err) {
    throw MlflowException.invalidParameter(
      `Cannot serialize the TensorFlow.js model: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  if (captured === undefined)
    throw MlflowException.invalidParameter("The TensorFlow.js model saved nothing.");
  return captured;
}

function isTfModel(v: unknown): v is TfModel {
  return v instanceof tf.LayersModel || v instanceof tf.GraphModel;
}

async function collect(source: SaveTfjsModelOptions["tfjsModel"]): Promise<{
  modelJson: ModelJson;
  artifacts: tf.io.ModelArtifacts;
}> {
  if (typeof source === "string") return readModelArtifacts(await resolveModelJsonPath(source));
  if (!isTfModel(source)) {
    throw MlflowException.invalidParameter(
      "tfjsModel must be a tf.LayersModel, a tf.GraphModel or the path of a model.json.",
    );
  }
  const artifacts = await artifactsOf(source);
  const json: Record<string, unknown> = {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format ?? (source instanceof tf.GraphModel ? "graph-model" : "layers-model"),
    weightsManifest: [{ paths: [], weights: artifacts.weightSpecs ?? [] }],
  };
  if (artifacts.signature !== undefined) json.signature = artifacts.signature;
  if (artifacts.format === undefined) artifacts.format = json.format as string;
  return { modelJson: checkModelJson(json), artifacts };
}

const TF_TO_NUMPY: Record<string, NumpyDType> = {
  float32: "float32",
  int32: "int32",
  bool: "bool",
  string: "str",
};

function tensorSpec(
  name: string,
  dtype: string | undefined,
  shape: readonly (number | null)[] | undefined,
): { type: string; "tensor-spec": { dtype: string; shape: number[] }; name?: string } {
  return {
    type: "tensor",
    "tensor-spec": {
      dtype: TF_TO_NUMPY[dtype ?? "float32"] ?? "float32",
      shape: (shape ?? [-1]).map((d) => (d === null || d < 0 ? -1 : d)),
    },
    name,
  };
}

/** MLflow's signature dict (JSON strings of TensorSpecs) from a loaded model's inputs and outputs. */
export async function signatureFromModel(
  model: TfjsModel,
): Promise<{ inputs: string; outputs: string; params: null }> {
  // one input: an unnamed TensorSpec, as MLflow infers for a single array, so that a DataFrame, records or a
  // plain tensor are accepted; several inputs: named TensorSpecs (the saved names, matched by position)
  const inputs = model.inputs.map((i) => {
    const spec: { name?: string } = tensorSpec(i.name, i.dtype, i.shape);
    if (model.inputs.length === 1) delete spec.name;
    return spec;
  });
  let outputs = model.outputs.map((o) => tensorSpec(o.name, o.dtype, o.shape));
  const probe = model.format === "graph-model" || model.outputs.some((o) => o.shape === undefined);
  if (probe && model.inputs.every((i) => i.shape !== undefined)) {
    // graph models declare output dtypes/shapes loosely (or not at all): run one zero row to learn them
    const feed: Record<string, { dtype: NumpyDType; shape: number[]; data: unknown[] }> = {};
    for (const i of model.inputs) {
      const shape = i.shape!.map((d) => (d === null || d < 0 ? 1 : d));
      const size = shape.reduce((p, d) => p * d, 1);
      feed[i.name] = { dtype: "object", shape, data: new Array(size).fill(i.dtype === "string" ? "" : 0) };
    }
    try {
      const out = await model.predict(feed);
      const list = (model.outputs.length === 1 ? [out] : Object.values(out as Record<string, unknown>)) as {
        shape: number[];
        dtype: NumpyDType;
      }[];
      outputs = model.outputs.map((o, k) => {
        const seen = list[k];
        if (seen === undefined) return tensorSpec(o.name, o.dtype, o.shape);
        const spec = tensorSpec(o.name, undefined, o.shape ?? seen.shape.map((d, j) => (j === 0 ? -1 : d)));
        spec["tensor-spec"].dtype = seen.dtype;
        return spec;
      });
    } catch {
      // keep what the model declares
    }
  }
  return { inputs: JSON.stringify(inputs), outputs: JSON.stringify(outputs), params: null };
}

/**
 * Save a TensorFlow.js model as an MLflow model directory: `model/model.json` + `model/group1-shard1of1.bin`,
 * an MLmodel with a `tfjs` flavor block and a `js_function` pyfunc block (loader module "@pyfunc/tfjs"),
 * node_env.yaml, and a signature inferred from the model's inputs and outputs when none is given
 * (from the input example and the model's prediction on it when one is given).
 */
export async function saveModel(target: string, options: SaveTfjsModelOptions): Promise<Model> {
  const { tfjsModel, backend: backendChoice, ...rest } = options;
  const { modelJson, artifacts } = await collect(tfjsModel);
  const active = tf.getBackend() as string | undefined;
  const backend = await useBackend({
    backend:
      backendChoice ?? (active === "cpu" || active === "wasm" || active === "tensorflow" ? active : "auto"),
  });
  const loaded = await modelFromArtifacts(modelJson, artifacts, backend, {}, "the model being saved");
  try {
    const coreOptions: SaveModelOptions = {
      ...rest,
      loaderModule: PACKAGE_NAME,
      pyfuncFlavorKey: "js_function",
      data: MODEL_DATA_DIR,
      // saved so that a load-time model config (or MLFLOW_PYFUNC_INFERENCE_CONFIG) can override it
      // (a config file path is read by core's saveModel as it is)
      modelConfig:
        typeof rest.modelConfig === "string" ? rest.modelConfig : { backend: "auto", ...rest.modelConfig },
      flavor: {
        name: FLAVOR_NAME,
        config: {
          tfjs_version: tf.version.tfjs,
          model_format: modelJson.format,
          model_file: `${MODEL_DATA_DIR}/model.json`,
          code: null,
        },
      },
      packageVersions: {
        "@tensorflow/tfjs": tf.version.tfjs,
        [PACKAGE_NAME]: OWN_VERSION,
        ...rest.packageVersions,
      },
      writeFiles: async (dir) => {
        await fileSystemSaver(path.join(dir, MODEL_DATA_DIR)).save!(artifacts);
      },
      predictForSignature: async (example: PyFuncInput) => loaded.predict(example),
    };
    if (rest.signature === undefined && rest.inputExample === undefined) {
      coreOptions.signature = await signatureFromModel(loaded);
    }
    return await coreSaveModel(target, coreOptions);
  } finally {
    loaded.close();
  }
}
