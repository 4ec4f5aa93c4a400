import { MlflowException } from "../errors/mlflow-exception.js";
import type { PyFuncImplementation } from "../flavor/plugin.js";
import type { Params, PyFuncInput, PyFuncOutput } from "../inputs/model-input.js";
import type { FlavorConfig, Model } from "../mlmodel/model.js";
import { pyRepr } from "../schema/pyjson.js";
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
  readonly #impl: PyFuncImplementation;
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
    this.isStreamable =
      init.pyfuncConfig.streamable === true && typeof init.implementation.predictStream === "function";
  }

  #prepare(
    input: PyFuncInput,
    params: Params | undefined,
    options?: PredictOptions,
  ): { data: PyFuncInput; params: Params | undefined } {
    if (this.#closed) throw new MlflowException("This model has been closed", "INVALID_STATE");
    const cast = options?.lenient === true ? castLeniently(this.metadata, input) : input;
    const data = enforceInput(this.metadata, cast, this.#warn);
    const enforced = enforceParamsFor(this.metadata, params, this.#warn);
    if (this.#impl.acceptsParams === false) {
      // As MLflow's _log_warning_if_params_not_in_predict_signature: warns about the enforced params
      // (schema defaults included) whenever there are any.
      if (Object.keys(enforced).length > 0) {
        this.#warn(
          "The underlying model does not support passing additional parameters to the predict function. " +
            `\`params\` ${pyRepr(enforced)} will be ignored.`,
        );
      }
      return { data, params: undefined };
    }
    return { data, params: enforced };
  }

  /** Enforce the signature, then predict (MLflow `PyFuncModel.predict(data, params)`). */
  async predict(input: PyFuncInput, params?: Params, options?: PredictOptions): Promise<PyFuncOutput> {
    return await this.predictEager(input, params, options);
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
      ? this.#impl.predict(prepared.data)
      : this.#impl.predict(prepared.data, prepared.params);
  }

  /**
   * Stream predictions (MLflow `predict_stream`). Throws MlflowException (BAD_REQUEST) right away when the model
   * is not streamable; the input is checked against the signature when iteration starts.
   */
  predictStream(input: PyFuncInput, params?: Params): AsyncIterable<unknown> {
    const stream = this.#impl.predictStream;
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

  /** The flavor's raw model or the user's instance (MLflow `unwrap_python_model`). */
  unwrap(): unknown {
    return this.#impl.unwrap ? this.#impl.unwrap() : this.#impl;
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
