import {
  MlflowException,
  type PyFuncImplementation,
  type PyFuncInput,
  type PyFuncOutput,
} from "@pyfunc/core";
import { DataFrame, isTensor, isTensorDict, type Tensor, type TensorDict } from "@pyfunc/core/inputs";
import * as tf from "@tensorflow/tfjs";
import type { BackendOptions, TfjsBackendName } from "./backend.js";
import { badInput, type Feed, type InputValue, toCoreTensor, toFeed, wrapTfError } from "./convert.js";
import type { FileSystemLoadOptions } from "./io/fs-handler.js";
import type { ModelJson, TfjsModelFormat } from "./io/model-json.js";
import { graphSignatureAliases, graphSignatureShapes, savedLayersIoNames } from "./io/names.js";

/** A tfjs model input as this package presents it. */
export interface TfjsInputSpec {
  /** The stable name: the saved MLmodel signature's, else the saved topology's. */
  readonly name: string;
  /** Other names accepted for this input (tfjs's current name, the topology's, the graph signature keys). */
  readonly aliases: readonly string[];
  /** tfjs's own name for the input at this load. */
  readonly tfjsName: string;
  readonly dtype: tf.DataType;
  /** Dimensions; null (or -1 in graph models) = any size. Undefined when the model does not say. */
  readonly shape: readonly (number | null)[] | undefined;
}

export interface TfjsOutputSpec {
  readonly name: string;
  readonly tfjsName: string;
  readonly dtype: tf.DataType | undefined;
  /** Dimensions as the model declares them (null / -1 = any), when it does. */
  readonly shape: readonly (number | null)[] | undefined;
}

export interface LoadTfjsModelOptions extends FileSystemLoadOptions, BackendOptions {
  /** Input names to present (the saved signature's, in model input order); used when the count matches. */
  inputNames?: readonly string[];
  /** Output names to present (the saved signature's, in model output order); used when the count matches. */
  outputNames?: readonly string[];
}

type TfModel = tf.LayersModel | tf.GraphModel;

/**
 * A loaded TensorFlow.js model with pyfunc-style predict: DataFrame / tensor / dict-of-tensors in,
 * a Tensor or a dict of named Tensors out, every intermediate tfjs tensor disposed.
 */
export class TfjsModel implements PyFuncImplementation {
  readonly model: TfModel;
  readonly format: TfjsModelFormat;
  readonly backend: TfjsBackendName;
  readonly inputs: readonly TfjsInputSpec[];
  readonly outputs: readonly TfjsOutputSpec[];
  readonly acceptsParams = false;
  #needsAsync = false;
  #closed = false;

  constructor(
    model: TfModel,
    format: TfjsModelFormat,
    backend: TfjsBackendName,
    inputs: TfjsInputSpec[],
    outputs: TfjsOutputSpec[],
  ) {
    this.model = model;
    this.format = format;
    this.backend = backend;
    this.inputs = inputs;
    this.outputs = outputs;
  }

  unwrap(): TfModel {
    return this.model;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.model.dispose();
  }

  /** Predict; synchronous unless the graph has dynamic (control-flow) ops, then a Promise. */
  predict(input: PyFuncInput): PyFuncOutput | Promise<PyFuncOutput> {
    if (this.#closed) throw new MlflowException("This TensorFlow.js model was closed.", "INVALID_STATE");
    let feeds: Feed[];
    try {
      feeds = this.#prepare(input);
    } catch (err) {
      throw wrapTfError(err);
    }
    if (!this.#needsAsync) {
      try {
        let result: PyFuncOutput;
        tf.tidy(() => {
          const tensors = feeds.map((f) => tf.tensor(f.data as tf.TensorLike, f.shape, f.dtype));
          result = this.#collect(this.#run(tensors));
        });
        return result;
      } catch (err) {
        if (this.format === "graph-model" && /executeAsync/.test(String((err as Error)?.message))) {
          this.#needsAsync = true;
        } else {
          throw wrapTfError(err);
        }
      }
    }
    return this.#predictAsync(feeds);
  }

  async #predictAsync(feeds: Feed[]): Promise<PyFuncOutput> {
    const graph = this.model as tf.GraphModel;
    const tensors = feeds.map((f) => tf.tensor(f.data as tf.TensorLike, f.shape, f.dtype));
    const map: tf.NamedTensorMap = {};
    this.inputs.forEach((spec, i) => {
      map[spec.tfjsName] = tensors[i]!;
    });
    let out: tf.Tensor | tf.Tensor[] | undefined;
    try {
      out = await graph.executeAsync(
        map,
        this.outputs.map((o) => o.tfjsName),
      );
      return this.#collect(out);
    } catch (err) {
      throw wrapTfError(err);
    } finally {
      tf.dispose(tensors);
      if (out !== undefined) tf.dispose(out);
    }
  }

  #run(tensors: tf.Tensor[]): tf.Tensor | tf.Tensor[] {
    if (this.format === "layers-model") {
      const layers = this.model as tf.LayersModel;
      return layers.predictOnBatch(tensors.length === 1 ? tensors[0]! : tensors);
    }
    const graph = this.model as tf.GraphModel;
    const map: tf.NamedTensorMap = {};
    this.inputs.forEach((spec, i) => {
      map[spec.tfjsName] = tensors[i]!;
    });
    return graph.execute(
      map,
      this.outputs.map((o) => o.tfjsName),
    );
  }

  #collect(out: tf.Tensor | tf.Tensor[] | tf.NamedTensorMap): PyFuncOutput {
    const list = out instanceof tf.Tensor ? [out] : Array.isArray(out) ? out : Object.values(out);
    if (list.length === 1 && this.outputs.length <= 1) return toCoreTensor(list[0]!);
    const dict: TensorDict = {};
    list.forEach((t, i) => {
      dict[this.outputs[i]?.name ?? `output_${i}`] = toCoreTensor(t);
    });
    return dict;
  }

  #prepare(input: PyFuncInput): Feed[] {
    const byPosition = this.#assign(input);
    return byPosition.map((value, i) => toFeed(value, this.inputs[i]!));
  }

  /** Match the input to model inputs, by position. */
  #assign(input: PyFuncInput): InputValue[] {
    const specs = this.inputs;
    if (isTensor(input)) {
      if (specs.length !== 1) {
        throw badInput(
          `This model has ${specs.length} inputs (${specs.map((s) => s.name).join(", ")}); pass a dict of named tensors.`,
        );
      }
      return [input];
    }
    if (input instanceof DataFrame) return this.#assignDataFrame(input);
    if (Array.isArray(input)) {
      if (input.length > 0 && input.every((r) => typeof r === "object" && r !== null && !Array.isArray(r))) {
        return this.#assignDataFrame(DataFrame.fromRecords(input as Record<string, unknown>[]));
      }
      if (specs.length !== 1)
        throw badInput(`This model has ${specs.length} inputs; pass a dict of named tensors.`);
      return [input];
    }
    if (typeof input === "object" && input !== null) {
      const record = input as Record<string, unknown>;
      const keys = Object.keys(record);
      const matched = specs.map((s) => findKey(record, s));
      if (matched.every((k) => k !== undefined)) {
        const extra = keys.filter((k) => !matched.includes(k));
        if (extra.length > 0 && isTensorDict(input)) {
          throw badInput(
            `Unexpected input name(s) ${extra.map((e) => `'${e}'`).join(", ")}; the model takes ${expected(specs)}.`,
          );
        }
        return matched.map((k) => record[k!] as InputValue);
      }
      if (isTensorDict(input)) {
        if (specs.length === 1 && keys.length === 1) return [record[keys[0]!] as Tensor];
        const missing = specs.filter((_, i) => matched[i] === undefined).map((s) => `'${s.name}'`);
        throw badInput(`Missing model input(s) ${missing.join(", ")}; the model takes ${expected(specs)}.`);
      }
      for (const [k, v] of Object.entries(record)) {
        if (!Array.isArray(v) && !ArrayBuffer.isView(v)) {
          throw badInput(
            `Cannot read input '${k}': expected a tensor {dtype, shape, data} or a list of values; the model takes ${expected(specs)}.`,
          );
        }
      }
      return this.#assignDataFrame(DataFrame.fromColumns(record as Record<string, unknown[]>));
    }
    throw badInput(`Cannot feed a ${input === null ? "null" : typeof input} to a TensorFlow.js model.`);
  }

  #assignDataFrame(df: DataFrame): InputValue[] {
    const specs = this.inputs;
    if (specs.length > 1 || (df.numColumns === 1 && findColumn(df, specs[0]!) !== undefined)) {
      const cols = specs.map((s) => findColumn(df, s));
      if (cols.every((c) => c !== undefined)) return cols.map((c) => ({ column: df.column(c!).values }));
      if (specs.length > 1) {
        throw badInput(`A DataFrame for this model needs one column per input: ${expected(specs)}.`);
      }
    }
    return [{ frame: df }];
  }
}

function expected(specs: readonly TfjsInputSpec[]): string {
  return specs.map((s) => `'${s.name}'`).join(", ");
}

function findKey(record: Record<string, unknown>, spec: TfjsInputSpec): string | undefined {
  if (Object.hasOwn(record, spec.name)) return spec.name;
  return spec.aliases.find((a) => Object.hasOwn(record, a));
}

function findColumn(df: DataFrame, spec: TfjsInputSpec): string | undefined {
  if (df.has(spec.name)) return spec.name;
  return spec.aliases.find((a) => df.has(a));
}

function uniqueNames(names: readonly (string | undefined)[], fallback: readonly string[]): string[] {
  const out: string[] = [];
  names.forEach((n, i) => {
    let name = n ?? fallback[i]!;
    if (out.includes(name)) name = `${name}_${i}`;
    out.push(name);
  });
  return out;
}

function buildSpecs(
  model: TfModel,
  modelJson: ModelJson,
  options: LoadTfjsModelOptions,
): { inputs: TfjsInputSpec[]; outputs: TfjsOutputSpec[] } {
  const graph = modelJson.format === "graph-model";
  const live = model.inputs.map((t) => ({
    name: t.name,
    dtype: (t.dtype ?? "float32") as tf.DataType,
    shape: t.shape === undefined ? undefined : (t.shape as (number | null)[]).slice(),
  }));
  const liveOut = graph
    ? (model as tf.GraphModel).outputs.map((t) => t.name)
    : (model as tf.LayersModel).outputNames.length === model.outputs.length
      ? (model as tf.LayersModel).outputNames
      : model.outputs.map((t) => t.name.replace(/\/.*$/, ""));
  const saved = graph ? {} : savedLayersIoNames(modelJson);
  const savedIn = saved.inputs?.length === live.length ? saved.inputs : undefined;
  const savedOut = saved.outputs?.length === liveOut.length ? saved.outputs : undefined;
  const sigIn = options.inputNames?.length === live.length ? options.inputNames : undefined;
  const sigOut = options.outputNames?.length === liveOut.length ? options.outputNames : undefined;
  const inNames = uniqueNames(
    live.map((l, i) => sigIn?.[i] ?? savedIn?.[i] ?? l.name),
    live.map((l) => l.name),
  );
  const outNames = uniqueNames(
    liveOut.map((l, i) => sigOut?.[i] ?? savedOut?.[i] ?? l),
    liveOut,
  );
  const graphAliases = graph ? graphSignatureAliases(modelJson, "inputs") : new Map<string, string[]>();
  const inputs = live.map((l, i) => {
    const aliases = [savedIn?.[i], l.name, `${l.name}:0`, ...(graphAliases.get(l.name) ?? [])].filter(
      (a): a is string => a !== undefined && a !== inNames[i],
    );
    return {
      name: inNames[i]!,
      aliases: [...new Set(aliases)],
      tfjsName: l.name,
      dtype: l.dtype,
      shape: l.shape,
    };
  });
  const outInfo = model.outputs as { dtype?: tf.DataType; shape?: (number | null)[] }[];
  const graphOut = graph ? graphSignatureShapes(modelJson) : new Map<string, (number | null)[]>();
  const outputs = liveOut.map((l, i) => ({
    name: outNames[i]!,
    tfjsName: l,
    dtype: outInfo[i]?.dtype,
    shape: outInfo[i]?.shape?.slice() ?? graphOut.get(l),
  }));
  return { inputs, outputs };
}

/** Build a TfjsModel from already checked artifacts, on the backend that is active. */
export async function modelFromArtifacts(
  modelJson: ModelJson,
  artifacts: tf.io.ModelArtifacts,
  backend: TfjsBackendName,
  options: LoadTfjsModelOptions = {},
  where = "memory",
): Promise<TfjsModel> {
  const handler: tf.io.IOHandler = { load: async () => artifacts };
  let model: TfModel;
  try {
    model =
      modelJson.format === "graph-model"
        ? await tf.loadGraphModel(handler)
        : await tf.loadLayersModel(handler);
  } catch (err) {
    if (err instanceof MlflowException) throw err;
    throw MlflowException.invalidParameter(
      `Cannot load the TensorFlow.js ${modelJson.format} at '${where}': ${(err as Error)?.message ?? String(err)}`,
      { cause: err },
    );
  }
  try {
    const { inputs, outputs } = buildSpecs(model, modelJson, options);
    return new TfjsModel(model, modelJson.format, backend, inputs, outputs);
  } catch (err) {
    model.dispose();
    if (err instanceof MlflowException) throw err;
    throw MlflowException.invalidParameter(`Cannot read the inputs/outputs of '${where}': ${String(err)}`);
  }
}
