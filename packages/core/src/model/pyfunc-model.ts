import { MlflowException } from "../errors/mlflow-exception.js";
import type { PyFuncImplementation } from "../flavor/plugin.js";
import type { Params, PyFuncInput, PyFuncOutput } from "../inputs/model-input.js";
import type { FlavorConfig, Model } from "../mlmodel/model.js";
import { pyRepr } from "../schema/pyjson.js";
import {
  type PredictMethod,
  type PredictStreamMethod,
  predictMethodFor,
  predictStreamMethodFor,
} from "./predict-fn.js";
import { castLeniently, enforceInput, enforceParamsFor, readSavedInputExample } from "./signature-bridge.js";

/** Options of `predict` beyond MLflow's `(data, params)`. */
export interface PredictOptions {
  /**
   * Cast the input to the signature's types first, as the scoring server's JSON path does (plain JS numbers for
   * `float` columns become float32, whole numbers for `double` columns float64, …). Default false: MLflow's
   * strict rule of `PyFuncModel.predict`, which refuses an int64 or float64 column for a `float` column.
   */
  readonly lenient?: boolean;
}

/** What PyFuncModel needs besides the implementation; built by loadModel. */
export interface PyFuncModelInit {
  metadata: Model;
  modelDir: string;
  modelConfig: Record<string, unknown>;
  loaderModule: string;
  flavorKey: string;
  pyfuncConfig: FlavorConfig;
  implementation: PyFuncImplementation;
  warn: (message: string) => void;
  /** MLflow 3's model ID (from a `models:/m-…` URI or the MLmodel's `model_id`). */
  modelId?: string | null;
}

/**
 * A loaded model, as MLflow's `mlflow.pyfunc.PyFuncModel`: `predict` enforces the signature (input schema
 * and params schema) and then calls the flavor's implementation.
 */
export class PyFuncModel {
  readonly metadata: Model;
  readonly modelDir: string;
  readonly modelConfig: Record<string, unknown>;
  readonly loaderModule: string;
  /** `python_function` or `js_function`: the block that selected the loader. */
  readonly flavorKey: string;
  /** True when the pyfunc block says `streamable: true` and the implementation has `predictStream`. */
  readonly isStreamable: boolean;
  /** MLflow 3's LoggedModel ID (`PyFuncModel.model_id`), or null for models saved without one. */
  readonly modelId: string | null;
  readonly #impl: PyFuncImplementation;
  readonly #predictFn: PredictMethod;
  readonly #predictStreamFn: PredictStreamMethod | undefined;
  readonly #warn: (message: string) => void;
  #closed = false;

  constructor(init: PyFuncModelInit) {
    this.metadata = init.metadata;
    this.modelDir = init.modelDir;
    this.modelConfig = init.modelConfig;
    this.loaderModule = init.loaderModule;
    this.flavorKey = init.flavorKey;
    this.#impl = init.implementation;
    this.#warn = init.warn;
    this.modelId = init.modelId ?? init.metadata.modelId ?? null;
    // As MLflow's PyFuncModel: `predict_fn` / `predict_stream_fn` name the implementation's methods.
    this.#predictFn = predictMethodFor(init.implementation, init.pyfuncConfig);
    this.#predictStreamFn =
      init.pyfuncConfig.streamable === true
        ? predictStreamMethodFor(init.implementation, init.pyfuncConfig)
        : undefined;
    this.isStreamable = this.#predictStreamFn !== undefined;
  }

  #prepare(
    input: PyFuncInput,
    params: Params | undefined,
    options?: PredictOptions,
    warn: (message: string) => void = this.#warn,
  ): { data: PyFuncInput; params: Params | undefined } {
    if (this.#closed) throw new MlflowException("This model has been closed", "INVALID_STATE");
    const cast = options?.lenient === true ? castLeniently(this.metadata, input) : input;
    const data = enforceInput(this.metadata, cast, warn);
    const enforced = enforceParamsFor(this.metadata, params, warn);
    if (this.#impl.acceptsParams === false) {
      // As MLflow's _log_warning_if_params_not_in_predict_signature: warns about the enforced params
      // (schema defaults included) whenever there are any.
      if (Object.keys(enforced).length > 0) {
        warn(
          "The underlying model does not support passing additional parameters to the predict function. " +
            `\`params\` ${pyRepr(enforced)} will be ignored.`,
        );
      }
      return { data, params: undefined };
    }
    return { data, params: enforced };
  }

  /**
   * The checks `predict` runs before calling the model (input schema and params schema), alone: throws what
   * `predict` would throw for this input, else returns nothing. The scoring server's adaptive batching validates
   * each request with it before merging, so a bad request is answered on its own.
   */
  validate(input: PyFuncInput, params?: Params, options?: PredictOptions): void {
    this.#prepare(input, params, options, () => {});
  }

  /** Enforce the signature, then predict (MLflow `PyFuncModel.predict(data, params)`). */
  predict(input: PyFuncInput, params?: Params, options?: PredictOptions): Promise<PyFuncOutput> {
    // As an async function would, without its extra promise and tick: errors become a rejected promise.
    try {
      const out = this.predictEager(input, params, options);
      return out instanceof Promise ? out : Promise.resolve(out);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * The same prediction, returned as the flavor produces it: the output itself when the flavor computed it
   * synchronously (most tree and small tensor models), else the flavor's promise. Enforcement errors are
   * thrown, not returned as a rejected promise. For hot paths (the scoring server answers a small request
   * without a promise or microtask of its own); everything else should use `predict`.
   */
  predictEager(
    input: PyFuncInput,
    params?: Params,
    options?: PredictOptions,
  ): PyFuncOutput | Promise<PyFuncOutput> {
    const prepared = this.#prepare(input, params, options);
    return prepared.params === undefined
      ? this.#predictFn.call(this.#impl, prepared.data)
      : this.#predictFn.call(this.#impl, prepared.data, prepared.params);
  }

  /**
   * Stream predictions (MLflow `predict_stream`). Throws MlflowException (BAD_REQUEST) right away when the model
   * is not streamable; the input is checked against the signature when iteration starts.
   */
  predictStream(input: PyFuncInput, params?: Params): AsyncIterable<unknown> {
    const stream = this.#predictStreamFn;
    if (!this.isStreamable || stream === undefined) {
      throw new MlflowException("This model does not support predict_stream method.", "BAD_REQUEST", {
        errorClass: "NOT_STREAMABLE",
      });
    }
    const impl = this.#impl;
    const prepare = (): { data: PyFuncInput; params: Params | undefined } => this.#prepare(input, params);
    return {
      async *[Symbol.asyncIterator]() {
        const prepared = prepare();
        const it =
          prepared.params === undefined
            ? stream.call(impl, prepared.data)
            : stream.call(impl, prepared.data, prepared.params);
        yield* it;
      },
    };
  }

  /**
   * The flavor's raw model (MLflow `get_raw_model`): an ORT session, a Booster, a tfjs model, the user's
   * PythonModel instance … Throws NOT_IMPLEMENTED when the flavor exposes none.
   */
  getRawModel(): unknown {
    const raw = this.#impl.getRawModel ?? this.#impl.unwrap;
    if (raw === undefined) {
      throw new MlflowException(
        "`get_raw_model` is not implemented by the underlying model",
        "NOT_IMPLEMENTED",
      );
    }
    return raw.call(this.#impl);
  }

  /**
   * The user's PythonModel instance of a custom-class model (MLflow `unwrap_python_model`); other flavors have
   * none and throw INVALID_PARAMETER_VALUE, as MLflow does.
   */
  unwrapPythonModel(): unknown {
    const python = this.#impl.unwrapPythonModel?.call(this.#impl);
    if (python === undefined || python === null) {
      throw MlflowException.invalidParameter("Unable to retrieve base model object from pyfunc.");
    }
    return python;
  }

  /** The earlier name of `getRawModel` (kept as an alias); falls back to the implementation itself. */
  unwrap(): unknown {
    const raw = this.#impl.getRawModel ?? this.#impl.unwrap;
    return raw ? raw.call(this.#impl) : this.#impl;
  }

  /** The saved input example (`saved_input_example_info`), or undefined when the model has none. */
  async loadInputExample(): Promise<PyFuncInput | undefined> {
    return readSavedInputExample(this.modelDir, this.metadata);
  }

  /** Release native resources; later predicts fail with INVALID_STATE. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#impl.close?.();
  }
}
