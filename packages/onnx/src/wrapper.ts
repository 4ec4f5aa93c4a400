import {
  MlflowException,
  type Params,
  type PyFuncImplementation,
  type PyFuncInput,
  type PyFuncOutput,
} from "@pyfunc/core";
import { DataFrame, isTensor, isTypedArray, type TensorDict } from "@pyfunc/core/inputs";
import type ort from "onnxruntime-node";
import {
  columnToInputTensor,
  frameToInputTensor,
  type InputInfo,
  ortToTensor,
  outputsToDataFrame,
  pythonTypeName,
  tensorToOrt,
  valueToTensor,
} from "./convert.js";
import { errorText } from "./session.js";

/** A model output that was not fetched because onnxruntime-node cannot return it (e.g. ZipMap). */
export interface SkippedOutput {
  readonly name: string;
  readonly reason: string;
}

/**
 * The `_OnnxModelWrapper` of mlflow.onnx on an onnxruntime-node session.
 *
 * `predict` builds the feeds exactly as MLflow does (dict → feeds as given, a tensor → the single input,
 * a DataFrame → `df.values` for a single-input model or one column per input), casts float64 data to
 * float32 for `tensor(float)` inputs only, runs the tensor outputs and returns a DataFrame for DataFrame
 * input (each output flattened into one column, as MLflow) or a dict of named tensors otherwise.
 *
 * Concurrency: onnxruntime-node's `run` executes synchronously on the calling JS thread (it is only
 * deferred with setImmediate), so concurrent `predict` calls are safe but serialised; use the server's
 * worker pool (worker threads / processes) for parallel inference.
 */
export class OnnxModelWrapper implements PyFuncImplementation {
  readonly session: ort.InferenceSession;
  readonly inputs: readonly InputInfo[];
  /** Every output name of the graph, in graph order. */
  readonly allOutputNames: readonly string[];
  /** The outputs that are fetched (tensor outputs only). */
  readonly outputNames: readonly string[];
  readonly skippedOutputs: readonly SkippedOutput[];
  /** MLflow's `predict` takes params and ignores them. */
  readonly acceptsParams = true;
  readonly #inputByName: Map<string, InputInfo>;

  constructor(session: ort.InferenceSession, warn: (message: string) => void = () => {}) {
    this.session = session;
    this.inputs = session.inputMetadata.map((m) => ({ name: m.name, type: m.isTensor ? m.type : undefined }));
    if (this.inputs.length < 1) throw new MlflowException("The ONNX model has no inputs.", "INVALID_STATE");
    this.#inputByName = new Map(this.inputs.map((i) => [i.name, i]));
    this.allOutputNames = session.outputMetadata.map((m) => m.name);
    const skipped: SkippedOutput[] = [];
    const fetched: string[] = [];
    for (const m of session.outputMetadata) {
      if (m.isTensor) fetched.push(m.name);
      else skipped.push({ name: m.name, reason: "non-tensor output (sequence/map, e.g. ZipMap)" });
    }
    this.skippedOutputs = skipped;
    this.outputNames = fetched;
    if (fetched.length === 0) {
      throw new MlflowException(
        `The ONNX model has no tensor outputs: ${JSON.stringify(this.allOutputNames)} are sequence/map values ` +
          "(e.g. a ZipMap of class probabilities) that onnxruntime-node cannot return. Re-export the model " +
          "without ZipMap (skl2onnx: options={id(model): {'zipmap': False}}).",
        "NOT_IMPLEMENTED",
      );
    }
    if (skipped.length > 0) {
      warn(
        `ONNX outputs ${JSON.stringify(skipped.map((s) => s.name))} are not tensors (sequence/map, e.g. ZipMap) ` +
          `and are not supported by onnxruntime-node; they are skipped and predict returns ${JSON.stringify(fetched)}.`,
      );
    }
  }

  /** Input names and their onnxruntime type strings, as MLflow's `self.inputs`. */
  get inputTypes(): [string, string][] {
    return this.inputs.map((i) => [i.name, i.type === undefined ? "non-tensor" : pythonTypeName(i.type)]);
  }

  /** Build the ORT feeds for an input, exactly as `_OnnxModelWrapper.predict` builds its feed dict. */
  buildFeeds(data: PyFuncInput): Record<string, ort.Tensor> {
    const feeds: Record<string, ort.Tensor> = {};
    if (data instanceof DataFrame) {
      if (this.inputs.length > 1) {
        const missing = this.inputs.filter((i) => !data.has(i.name)).map((i) => i.name);
        if (missing.length > 0) {
          throw MlflowException.invalidParameter(
            `The DataFrame has no column ${missing.map((m) => `'${m}'`).join(", ")}: a DataFrame for a model with ` +
              `several inputs needs one column per model input ${JSON.stringify(this.inputs.map((i) => i.name))} ` +
              `(got ${JSON.stringify(data.columns)}).`,
          );
        }
        for (const input of this.inputs) {
          feeds[input.name] = tensorToOrt(columnToInputTensor(data.column(input.name)), input);
        }
      } else {
        const input = this.inputs[0]!;
        feeds[input.name] = tensorToOrt(frameToInputTensor(data, input.type), input);
      }
      return feeds;
    }
    if (isTensor(data) || isTypedArray(data) || (Array.isArray(data) && !isRecordList(data))) {
      if (this.inputs.length !== 1) {
        throw MlflowException.invalidParameter(
          "Unable to map numpy array input to the expected model input. Numpy arrays can only be used as input " +
            `for MLflow ONNX models that have a single input. This model requires ${this.inputs.length} inputs. ` +
            "Please pass in data as either a dictionary or a DataFrame with the following tensors: " +
            `${JSON.stringify(this.inputs.map((i) => i.name))}.`,
        );
      }
      const input = this.inputs[0]!;
      feeds[input.name] = tensorToOrt(valueToTensor(data, input), input);
      return feeds;
    }
    if (Array.isArray(data)) {
      // a list of records is what pandas would turn into a DataFrame
      return this.buildFeeds(DataFrame.fromRecords(data as Record<string, unknown>[]));
    }
    if (typeof data === "object" && data !== null && !isSparse(data)) {
      const dict = data as Record<string, unknown>;
      for (const [name, value] of Object.entries(dict)) {
        const input = this.#inputByName.get(name);
        if (input === undefined) {
          throw MlflowException.invalidParameter(
            `Unknown ONNX input '${name}'; the model's inputs are ${JSON.stringify(this.inputs.map((i) => i.name))}.`,
          );
        }
        feeds[name] = tensorToOrt(valueToTensor(value, input), input);
      }
      const missing = this.inputs.filter((i) => !(i.name in feeds)).map((i) => i.name);
      if (missing.length > 0) {
        throw MlflowException.invalidParameter(`Missing ONNX inputs ${JSON.stringify(missing)}.`);
      }
      return feeds;
    }
    throw MlflowException.invalidParameter(
      `Input should be a dictionary of named tensors, a tensor or a DataFrame, got '${data === null ? "null" : typeof data}'.`,
    );
  }

  async predict(data: PyFuncInput, _params?: Params): Promise<PyFuncOutput> {
    const feeds = this.buildFeeds(data);
    let results: ort.InferenceSession.ReturnType;
    try {
      results = await this.session.run(feeds, this.outputNames as string[]);
    } catch (err) {
      throw new MlflowException(`ONNX Runtime failed to run the model: ${errorText(err)}`, "BAD_REQUEST", {
        cause: err,
      });
    }
    const outputs = results as Record<string, ort.Tensor>;
    if (data instanceof DataFrame || (Array.isArray(data) && isRecordList(data))) {
      return outputsToDataFrame(this.outputNames, outputs);
    }
    const out: TensorDict = {};
    for (const name of this.outputNames) out[name] = ortToTensor(outputs[name]!);
    return out;
  }

  unwrap(): ort.InferenceSession {
    return this.session;
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

function isRecordList(value: readonly unknown[]): boolean {
  return (
    value.length > 0 &&
    value.every((r) => typeof r === "object" && r !== null && !Array.isArray(r) && !isTypedArray(r))
  );
}

function isSparse(value: object): boolean {
  const v = value as { format?: unknown; indptr?: unknown };
  return (v.format === "csr" || v.format === "csc") && v.indptr !== undefined;
}
