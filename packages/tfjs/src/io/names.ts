import type { ModelJson } from "./model-json.js";

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function layerName(layer: unknown): string | undefined {
  if (!isObject(layer)) return undefined;
  const config = layer.config;
  if (isObject(config) && typeof config.name === "string") return config.name;
  if (typeof layer.name === "string") return layer.name;
  return undefined;
}

/** `[[name, node, tensor], …]` or a single `[name, node, tensor]` (as Keras writes one input). */
function endpointNames(value: unknown): string[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  if (typeof value[0] === "string") return [value[0]];
  const names: string[] = [];
  for (const entry of value) {
    if (!Array.isArray(entry) || typeof entry[0] !== "string") return undefined;
    names.push(entry[0]);
  }
  return names;
}

/**
 * The input and output names a layers model had when it was saved, read from its topology, so they do not
 * depend on the names tfjs generates at load time (a Sequential model's input is "<first layer>_input", and
 * tfjs appends "_1", "_2" … when the same model is loaded again in one process).
 */
export function savedLayersIoNames(modelJson: ModelJson): { inputs?: string[]; outputs?: string[] } {
  const topology = modelJson.modelTopology;
  const root = isObject(topology.model_config) ? topology.model_config : topology;
  const className = root.class_name;
  const config = root.config;
  if (className === "Sequential") {
    const layers = Array.isArray(config) ? config : isObject(config) ? config.layers : undefined;
    if (!Array.isArray(layers) || layers.length === 0) return {};
    const first = layers[0];
    const firstName = layerName(first);
    const last = layerName(layers[layers.length - 1]);
    let input: string | undefined;
    if (isObject(first) && first.class_name === "InputLayer") input = firstName;
    else if (firstName !== undefined) input = `${firstName}_input`;
    return {
      inputs: input === undefined ? undefined : [input],
      outputs: last === undefined ? undefined : [last],
    };
  }
  if (!isObject(config)) return {};
  return { inputs: endpointNames(config.input_layers), outputs: endpointNames(config.output_layers) };
}

/** Names a graph model.json's `signature` gives its inputs/outputs (the keys and the `name` fields). */
export function graphSignatureAliases(
  modelJson: ModelJson,
  which: "inputs" | "outputs",
): Map<string, string[]> {
  const aliases = new Map<string, string[]>();
  const signature = modelJson.raw.signature;
  if (!isObject(signature)) return aliases;
  const entries = signature[which];
  if (!isObject(entries)) return aliases;
  for (const [key, info] of Object.entries(entries)) {
    const tensorName = isObject(info) && typeof info.name === "string" ? info.name : key;
    const node = tensorName.replace(/:\d+$/, "");
    const list = aliases.get(node) ?? [];
    for (const n of [key, tensorName, key.replace(/:\d+$/, "")]) if (!list.includes(n)) list.push(n);
    aliases.set(node, list);
  }
  return aliases;
}

/** Output shapes a graph model.json's `signature` declares, by node name (-1 = any size). */
export function graphSignatureShapes(modelJson: ModelJson): Map<string, (number | null)[]> {
  const shapes = new Map<string, (number | null)[]>();
  const signature = modelJson.raw.signature;
  if (!isObject(signature) || !isObject(signature.outputs)) return shapes;
  for (const [key, info] of Object.entries(signature.outputs)) {
    if (!isObject(info) || !isObject(info.tensorShape)) continue;
    const dims = info.tensorShape.dim;
    if (!Array.isArray(dims)) continue;
    const shape = dims.map((d) => {
      const n = isObject(d) ? Number(d.size) : Number.NaN;
      return Number.isSafeInteger(n) && n >= 0 ? n : -1;
    });
    const name = (typeof info.name === "string" ? info.name : key).replace(/:\d+$/, "");
    shapes.set(name, shape);
  }
  return shapes;
}
