import { mkdir, open, realpath, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { MlflowException } from "@pyfunc/core";
import { resolveInsideModelDir } from "@pyfunc/core/paths";
import * as tf from "@tensorflow/tfjs";
import {
  checkLayerSizes,
  DEFAULT_MAX_MODEL_JSON_BYTES,
  DEFAULT_MAX_WEIGHT_BYTES,
  type ModelJson,
  parseModelJson,
  totalWeightValues,
  type WeightEntry,
  weightByteLength,
} from "./model-json.js";

export interface FileSystemLoadOptions {
  /** Refuse a model.json larger than this (default 64 MiB). */
  maxModelJsonBytes?: number;
  /** Refuse weight shards that together are larger than this (default 4 GiB). */
  maxWeightBytes?: number;
}

/** Default file name of the single weight shard this package writes (tensorflowjs_converter's name). */
export const WEIGHTS_FILE_NAME = "group1-shard1of1.bin";

/**
 * Resolve a path listed in model.json against the model's directory. Refuses absolute paths, `..`
 * escapes, URLs and symlinks that lead outside the directory.
 */
export async function resolveWeightPath(modelDir: string, relative: string): Promise<string> {
  if (relative === "" || relative.includes("\0") || /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(relative)) {
    throw MlflowException.invalidParameter(
      `Weight path '${relative}' in model.json is not a relative file path.`,
    );
  }
  if (path.resolve(modelDir, relative) === path.resolve(modelDir)) {
    throw MlflowException.invalidParameter(
      `Weight path '${relative}' in model.json names the model directory.`,
    );
  }
  // Absolute paths, `..` and symlinks leading out, FIFOs and devices: core's one containment check.
  const target = resolveInsideModelDir(modelDir, relative, "weight path (model.json)");
  let real: string;
  try {
    real = await realpath(target);
  } catch {
    throw MlflowException.invalidParameter(`Weight file '${relative}' listed in model.json does not exist.`);
  }
  return real;
}

async function readBounded(file: string, maxBytes: number, what: string): Promise<Uint8Array> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, "r");
  } catch (err) {
    throw MlflowException.notFound(`Cannot open ${what} '${file}': ${(err as Error).message}`);
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw MlflowException.invalidParameter(`${what} '${file}' is not a regular file.`);
    if (info.size > maxBytes) {
      throw MlflowException.invalidParameter(
        `${what} '${file}' is ${info.size} bytes, more than the limit of ${maxBytes} bytes.`,
      );
    }
    const buf = new Uint8Array(info.size);
    let read = 0;
    while (read < info.size) {
      const { bytesRead } = await handle.read(buf, read, info.size - read, read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    return read === info.size ? buf : buf.subarray(0, read);
  } finally {
    await handle.close();
  }
}

/** Read and check a model.json file (size-bounded). */
export async function readModelJson(
  modelJsonPath: string,
  options: FileSystemLoadOptions = {},
): Promise<ModelJson> {
  const maxBytes = options.maxModelJsonBytes ?? DEFAULT_MAX_MODEL_JSON_BYTES;
  const bytes = await readBounded(modelJsonPath, maxBytes, "model.json");
  return parseModelJson(bytes, { maxBytes });
}

/**
 * Read every shard listed in the manifest, in manifest order (groups in order, each group's paths in order),
 * into one buffer, and check that the buffer holds every listed weight.
 */
export async function readWeights(
  modelDir: string,
  modelJson: ModelJson,
  options: FileSystemLoadOptions = {},
): Promise<{ specs: WeightEntry[]; data: ArrayBuffer }> {
  const maxBytes = options.maxWeightBytes ?? DEFAULT_MAX_WEIGHT_BYTES;
  const specs: WeightEntry[] = [];
  const files: string[] = [];
  for (const group of modelJson.weightsManifest) {
    specs.push(...group.weights);
    for (const p of group.paths) files.push(await resolveWeightPath(modelDir, p));
  }
  let total = 0;
  for (const f of files) {
    const info = await stat(f);
    if (!info.isFile()) throw MlflowException.invalidParameter(`Weight file '${f}' is not a regular file.`);
    total += info.size;
    if (total > maxBytes) {
      throw MlflowException.invalidParameter(
        `The weight files are larger than the limit of ${maxBytes} bytes.`,
      );
    }
  }
  const data = new Uint8Array(total);
  let offset = 0;
  for (const f of files) {
    const part = await readBounded(f, maxBytes - offset, "weight file");
    data.set(part, offset);
    offset += part.byteLength;
  }
  const used = offset === total ? data : data.subarray(0, offset);
  weightByteLength(specs, used);
  return {
    specs,
    data: used.buffer.slice(used.byteOffset, used.byteOffset + used.byteLength) as ArrayBuffer,
  };
}

/** Model artifacts for `tf.loadLayersModel` / `tf.loadGraphModel`, read from model.json and its shards. */
export async function readModelArtifacts(
  modelJsonPath: string,
  options: FileSystemLoadOptions = {},
): Promise<{ modelJson: ModelJson; artifacts: tf.io.ModelArtifacts }> {
  const modelJson = await readModelJson(modelJsonPath, options);
  const { specs, data } = await readWeights(path.dirname(modelJsonPath), modelJson, options);
  if (modelJson.format === "layers-model")
    checkLayerSizes(modelJson.modelTopology, totalWeightValues(modelJson.weightsManifest));
  const artifacts = await tf.io.getModelArtifactsForJSON(
    modelJson.raw as unknown as tf.io.ModelJSON,
    async () => [specs as tf.io.WeightsManifestEntry[], data],
  );
  if (artifacts.format === undefined) artifacts.format = modelJson.format;
  return { modelJson, artifacts };
}

/**
 * A tfjs IOHandler that loads a model from `model.json` and its weight shards on the local file system
 * (no fetch, no tfjs-node). Use with `tf.loadLayersModel(handler)` or `tf.loadGraphModel(handler)`.
 */
export function fileSystemLoader(
  modelJsonPath: string,
  options: FileSystemLoadOptions = {},
): tf.io.IOHandler {
  return {
    load: async () => (await readModelArtifacts(modelJsonPath, options)).artifacts,
  };
}

/** The model.json object tfjs itself would write for these artifacts, with one weight shard. */
export function modelJsonForArtifacts(
  artifacts: tf.io.ModelArtifacts,
  weightsFileName: string = WEIGHTS_FILE_NAME,
): Record<string, unknown> {
  const json: Record<string, unknown> = {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy,
    weightsManifest: [{ paths: [weightsFileName], weights: artifacts.weightSpecs ?? [] }],
  };
  if (artifacts.signature !== undefined) json.signature = artifacts.signature;
  if (artifacts.userDefinedMetadata !== undefined) json.userDefinedMetadata = artifacts.userDefinedMetadata;
  if (artifacts.modelInitializer !== undefined) json.modelInitializer = artifacts.modelInitializer;
  if (artifacts.initializerSignature !== undefined)
    json.initializerSignature = artifacts.initializerSignature;
  if (artifacts.trainingConfig !== undefined) json.trainingConfig = artifacts.trainingConfig;
  return json;
}

function weightBytes(artifacts: tf.io.ModelArtifacts): Uint8Array {
  const data = artifacts.weightData;
  if (data === undefined) return new Uint8Array(0);
  const buffer = Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : data;
  return new Uint8Array(buffer);
}

/**
 * A tfjs IOHandler that saves a model as `model.json` + one weight shard (`group1-shard1of1.bin`) into `dir`.
 * Use with `layersModel.save(handler)` or `graphModel.save(handler)`.
 */
export function fileSystemSaver(dir: string, options: { weightsFileName?: string } = {}): tf.io.IOHandler {
  const weightsFileName = options.weightsFileName ?? WEIGHTS_FILE_NAME;
  return {
    save: async (artifacts) => {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw MlflowException.invalidParameter("Saving a binary (protobuf) model topology is not supported.");
      }
      await mkdir(dir, { recursive: true });
      const json = modelJsonForArtifacts(artifacts, weightsFileName);
      await writeFile(path.join(dir, weightsFileName), weightBytes(artifacts));
      await writeFile(path.join(dir, "model.json"), JSON.stringify(json));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
  };
}
