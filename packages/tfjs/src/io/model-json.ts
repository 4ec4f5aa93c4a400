import { MlflowException } from "@pyfunc/core";

/** Default upper bound on the size of a model.json file (the topology plus the weights manifest). */
export const DEFAULT_MAX_MODEL_JSON_BYTES = 64 * 1024 * 1024;
/** Default upper bound on the summed size of all weight shards. */
export const DEFAULT_MAX_WEIGHT_BYTES = 4 * 1024 * 1024 * 1024 - 1;
/** Most shard files one manifest may list. */
export const MAX_WEIGHT_PATHS = 10_000;
/** Most weight entries one manifest may list. */
export const MAX_WEIGHT_ENTRIES = 1_000_000;
const MAX_RANK = 32;

const WEIGHT_DTYPES = new Set(["float32", "int32", "bool", "string", "complex64"]);
const QUANTIZATION_DTYPES = new Set(["uint8", "uint16", "float16"]);
const BYTES_PER_VALUE: Record<string, number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  complex64: 8,
  uint8: 1,
  uint16: 2,
  float16: 2,
};

export type WeightDType = "float32" | "int32" | "bool" | "string" | "complex64";

export interface WeightEntry {
  name: string;
  shape: number[];
  dtype: WeightDType;
  quantization?: { dtype: "uint8" | "uint16" | "float16"; scale?: number; min?: number };
  group?: string;
}

export interface WeightsGroup {
  paths: string[];
  weights: WeightEntry[];
}

/** "layers-model" (tf.LayersModel) or "graph-model" (tf.GraphModel, what tensorflowjs_converter writes). */
export type TfjsModelFormat = "layers-model" | "graph-model";

/** A checked model.json: every field tfjs reads has the type tfjs expects. */
export interface ModelJson {
  /** The raw parsed object, all fields kept (signature, userDefinedMetadata, modelInitializer, …). */
  raw: Record<string, unknown>;
  modelTopology: Record<string, unknown>;
  weightsManifest: WeightsGroup[];
  /** Detected from `format` or, when absent, from the topology's shape. */
  format: TfjsModelFormat;
}

function invalid(message: string): MlflowException {
  return MlflowException.invalidParameter(`Invalid TensorFlow.js model.json: ${message}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Parse and check the bytes of a model.json. Throws MlflowException (INVALID_PARAMETER_VALUE) for anything
 * that is not a loadable tfjs model description; never returns a half-checked object.
 */
export function parseModelJson(bytes: Uint8Array | string, options: { maxBytes?: number } = {}): ModelJson {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_MODEL_JSON_BYTES;
  const size = typeof bytes === "string" ? Buffer.byteLength(bytes) : bytes.byteLength;
  if (size > maxBytes) throw invalid(`the file is ${size} bytes, more than the limit of ${maxBytes} bytes.`);
  let parsed: unknown;
  try {
    const text = typeof bytes === "string" ? bytes : new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    parsed = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    throw invalid(`not valid UTF-8 JSON (${(err as Error).message}).`);
  }
  return checkModelJson(parsed);
}

/** Check an already parsed model.json object (see parseModelJson). */
export function checkModelJson(parsed: unknown): ModelJson {
  if (!isObject(parsed)) throw invalid("the top level must be a JSON object.");
  const topology = parsed.modelTopology;
  if (!isObject(topology)) throw invalid("'modelTopology' must be an object.");
  const manifest = checkManifest(parsed.weightsManifest);
  const format = detectFormat(parsed.format, topology);
  if (format === "graph-model") {
    if (!Array.isArray(topology.node)) throw invalid("a graph model's 'modelTopology.node' must be a list.");
    for (const node of topology.node) {
      if (!isObject(node) || typeof node.name !== "string" || typeof node.op !== "string") {
        throw invalid("every graph node needs a string 'name' and 'op'.");
      }
      if (node.input !== undefined && !isStringArray(node.input)) {
        throw invalid(`graph node '${node.name}' has a non-string 'input' list.`);
      }
      if (node.attr !== undefined && !isObject(node.attr)) {
        throw invalid(`graph node '${node.name}' has a non-object 'attr'.`);
      }
    }
    if (parsed.signature !== undefined && parsed.signature !== null && !isObject(parsed.signature)) {
      throw invalid("'signature' must be an object.");
    }
  } else {
    checkLayersTopology(topology);
  }
  return { raw: parsed, modelTopology: topology, weightsManifest: manifest, format };
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === "string");
}

function detectFormat(format: unknown, topology: Record<string, unknown>): TfjsModelFormat {
  if (format !== undefined && format !== null && typeof format !== "string") {
    throw invalid("'format' must be a string.");
  }
  if (format === "graph-model") return "graph-model";
  if (format === "layers-model") return "layers-model";
  if (typeof format === "string" && format !== "") {
    throw invalid(`unknown format '${format}' (expected 'layers-model' or 'graph-model').`);
  }
  if (Array.isArray(topology.node)) return "graph-model";
  return "layers-model";
}

function checkManifest(value: unknown): WeightsGroup[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid("'weightsManifest' must be a list of groups.");
  let paths = 0;
  let entries = 0;
  const names = new Set<string>();
  const groups: WeightsGroup[] = [];
  for (const group of value) {
    if (!isObject(group)) throw invalid("each weightsManifest group must be an object.");
    if (!isStringArray(group.paths))
      throw invalid("each weightsManifest group needs a 'paths' list of strings.");
    if (!Array.isArray(group.weights)) throw invalid("each weightsManifest group needs a 'weights' list.");
    paths += group.paths.length;
    entries += group.weights.length;
    if (paths > MAX_WEIGHT_PATHS) throw invalid(`more than ${MAX_WEIGHT_PATHS} weight files.`);
    if (entries > MAX_WEIGHT_ENTRIES) throw invalid(`more than ${MAX_WEIGHT_ENTRIES} weight entries.`);
    const weights = group.weights.map((w) => checkWeightEntry(w, names));
    groups.push({ paths: [...group.paths], weights });
  }
  return groups;
}

function checkWeightEntry(w: unknown, names: Set<string>): WeightEntry {
  if (!isObject(w)) throw invalid("each weight entry must be an object.");
  const { name, shape, dtype, quantization, group } = w;
  if (typeof name !== "string" || name === "") throw invalid("each weight entry needs a non-empty 'name'.");
  if (names.has(name)) throw invalid(`weight '${name}' is listed twice.`);
  names.add(name);
  if (!Array.isArray(shape) || shape.length > MAX_RANK) {
    throw invalid(`weight '${name}' needs a 'shape' list of at most ${MAX_RANK} dimensions.`);
  }
  for (const d of shape) {
    if (typeof d !== "number" || !Number.isSafeInteger(d) || d < 0) {
      throw invalid(`weight '${name}' has a bad dimension ${JSON.stringify(d)} in its shape.`);
    }
  }
  if (typeof dtype !== "string" || !WEIGHT_DTYPES.has(dtype)) {
    throw invalid(`weight '${name}' has unsupported dtype ${JSON.stringify(dtype)}.`);
  }
  const entry: WeightEntry = { name, shape: shape as number[], dtype: dtype as WeightDType };
  if (typeof group === "string") entry.group = group;
  if (quantization !== undefined) {
    if (!isObject(quantization) || typeof quantization.dtype !== "string") {
      throw invalid(`weight '${name}' has a bad 'quantization' block.`);
    }
    const qd = quantization.dtype;
    if (!QUANTIZATION_DTYPES.has(qd))
      throw invalid(`weight '${name}' has unknown quantization dtype '${qd}'.`);
    if (qd === "float16" && dtype !== "float32") {
      throw invalid(`weight '${name}': float16 quantization needs a float32 weight.`);
    }
    if (qd !== "float16") {
      if (dtype !== "float32" && dtype !== "int32") {
        throw invalid(`weight '${name}': ${qd} quantization needs a float32 or int32 weight.`);
      }
      const { scale, min } = quantization;
      if (typeof scale !== "number" || typeof min !== "number" || !Number.isFinite(scale + min)) {
        throw invalid(`weight '${name}': ${qd} quantization needs finite numeric 'scale' and 'min'.`);
      }
      entry.quantization = { dtype: qd as "uint8" | "uint16", scale, min };
    } else {
      entry.quantization = { dtype: "float16" };
    }
  }
  return entry;
}

/**
 * The number of bytes the weights need in the concatenated shard buffer, walking string weights
 * (uint32 length + bytes per element) in `data`. Throws when the data is too short.
 */
export function weightByteLength(weights: readonly WeightEntry[], data: Uint8Array): number {
  let offset = 0;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (const w of weights) {
    let size = 1;
    for (const d of w.shape) size *= d;
    if (w.dtype === "string" && !w.quantization) {
      if (size * 4 > data.byteLength - offset) {
        throw invalid(`the weight files are too short for string weight '${w.name}'.`);
      }
      for (let i = 0; i < size; i++) {
        if (offset + 4 > data.byteLength)
          throw invalid(`the weight files end inside string weight '${w.name}'.`);
        offset += 4 + view.getUint32(offset, true);
      }
    } else {
      const per = BYTES_PER_VALUE[w.quantization ? w.quantization.dtype : w.dtype]!;
      offset += size * per;
    }
    if (offset > data.byteLength) {
      throw invalid(
        `the weight files hold ${data.byteLength} bytes, but the manifest needs more (weight '${w.name}' ends at ${offset}).`,
      );
    }
  }
  return offset;
}

/** Keys of a layer config whose value decides how many weight values tfjs allocates when it builds the layer. */
const ALLOCATING_KEYS = new Set(["units", "filters", "output_dim", "input_dim", "depth_multiplier"]);

function checkLayersTopology(topology: Record<string, unknown>): void {
  const config = isObject(topology.model_config) ? topology.model_config : topology;
  if (typeof config.class_name !== "string") throw invalid("a layers model topology needs a 'class_name'.");
  if (!("config" in config)) throw invalid("a layers model topology needs a 'config'.");
  // every functional (sub)model in the tree must be buildable: tfjs loops forever on a dangling reference
  const stack: unknown[] = [config];
  let visited = 0;
  while (stack.length > 0) {
    const v = stack.pop();
    if (++visited > 10_000_000) throw invalid("the topology is too large.");
    if (Array.isArray(v)) {
      for (const x of v) stack.push(x);
    } else if (isObject(v)) {
      if ((v.class_name === "Model" || v.class_name === "Functional") && isObject(v.config)) {
        checkFunctionalGraph(v.config);
      }
      for (const x of Object.values(v)) if (typeof x === "object" && x !== null) stack.push(x);
    }
  }
}

type InboundRef = [string, number, number];

function inboundRef(value: unknown, layer: string): InboundRef {
  if (
    !Array.isArray(value) ||
    value.length < 3 ||
    typeof value[0] !== "string" ||
    !Number.isSafeInteger(value[1]) ||
    !Number.isSafeInteger(value[2]) ||
    (value[1] as number) < 0 ||
    (value[2] as number) < 0
  ) {
    throw invalid(`layer '${layer}' has a malformed inbound node entry.`);
  }
  return [value[0], value[1] as number, value[2] as number];
}

/**
 * Replay tfjs's functional-model reconstruction (Container.fromConfig) on the JSON alone: every layer named
 * once, every inbound reference resolvable, no cycles. tfjs itself would spin forever on such input.
 */
function checkFunctionalGraph(config: Record<string, unknown>): void {
  const layers = config.layers;
  if (!Array.isArray(layers)) throw invalid("a functional model config needs a 'layers' list.");
  const nodeCount = new Map<string, number>();
  const pending = new Map<string, InboundRef[][]>();
  for (const layer of layers) {
    if (!isObject(layer) || typeof layer.name !== "string" || typeof layer.class_name !== "string") {
      throw invalid("each layer of a functional model needs a string 'name' and 'class_name'.");
    }
    const name = layer.name;
    if (!isObject(layer.config) || layer.config.name !== name) {
      throw invalid(`layer '${name}' needs a 'config' whose 'name' is '${name}'.`);
    }
    if (nodeCount.has(name)) throw invalid(`layer name '${name}' is used twice.`);
    nodeCount.set(name, layer.class_name === "InputLayer" ? 1 : 0);
    const inbound = layer.inbound_nodes;
    if (inbound === undefined || inbound === null) {
      pending.set(name, []);
      continue;
    }
    if (!Array.isArray(inbound)) throw invalid(`layer '${name}' has a non-list 'inbound_nodes'.`);
    pending.set(
      name,
      inbound.map((node) => {
        if (!Array.isArray(node)) throw invalid(`layer '${name}' has a malformed inbound node.`);
        return node.map((ref) => inboundRef(ref, name));
      }),
    );
  }
  let remaining = 0;
  for (const nodes of pending.values()) remaining += nodes.length;
  while (remaining > 0) {
    let progressed = false;
    for (const [name, nodes] of pending) {
      const waiting: InboundRef[][] = [];
      for (const node of nodes) {
        const ready = node.every(([from, index]) => (nodeCount.get(from) ?? -1) > index);
        if (!ready) {
          waiting.push(node);
          continue;
        }
        progressed = true;
        remaining--;
        if (node.length > 0) nodeCount.set(name, nodeCount.get(name)! + 1);
      }
      pending.set(name, waiting);
    }
    if (!progressed) {
      const [stuck] = [...pending.entries()].filter(([, n]) => n.length > 0);
      throw invalid(`layer '${stuck?.[0]}' takes inputs from a layer node that never exists (or a cycle).`);
    }
  }
  for (const key of ["input_layers", "output_layers"]) {
    const refs = config[key];
    if (!Array.isArray(refs)) throw invalid(`a functional model config needs '${key}'.`);
    const list = refs.length > 0 && typeof refs[0] === "string" ? [refs] : refs;
    for (const ref of list) {
      const [from, index] = inboundRef(ref, key);
      if ((nodeCount.get(from) ?? -1) <= index)
        throw invalid(`'${key}' names a missing layer node '${from}'.`);
    }
  }
}

/**
 * Refuse layer configs that would make tfjs allocate (and randomly initialise) more weight values than
 * the manifest holds before the saved weights are even assigned: a real model's layer sizes are bounded
 * by its weights. Walks the topology iteratively.
 */
export function checkLayerSizes(topology: Record<string, unknown>, totalWeightValues: number): void {
  const limit = Math.max(totalWeightValues, 1);
  const stack: unknown[] = [topology];
  let visited = 0;
  while (stack.length > 0) {
    const v = stack.pop();
    if (++visited > 10_000_000) throw invalid("the topology is too large.");
    if (Array.isArray(v)) {
      for (const x of v) stack.push(x);
    } else if (isObject(v)) {
      for (const [k, x] of Object.entries(v)) {
        if (ALLOCATING_KEYS.has(k) && typeof x === "number" && x > limit) {
          throw invalid(
            `layer setting '${k}' = ${x} is larger than the ${totalWeightValues} saved weight values.`,
          );
        }
        if (typeof x === "object" && x !== null) stack.push(x);
      }
    }
  }
}

export function totalWeightValues(manifest: readonly WeightsGroup[]): number {
  let total = 0;
  for (const g of manifest) {
    for (const w of g.weights) {
      let size = 1;
      for (const d of w.shape) size *= d;
      total += size;
    }
  }
  return total;
}
