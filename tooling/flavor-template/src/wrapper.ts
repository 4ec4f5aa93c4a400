import { MlflowException, type PyFuncImplementation, type PyFuncInput, type Tensor } from "@pyfunc/core";
import { toFeatureMatrix } from "./convert.js";
import { type LinearTemplateModel, predictLinearTemplate } from "./linear-template-model.js";

/**
 * What `load` returns: core wraps it in a `PyFuncModel`, which enforces the model's signature before `predict`
 * and refuses calls after `close`. A streaming model also implements
 * `predictStream(input, params): AsyncIterable<unknown>` and is saved with `pyfuncExtra: { streamable: true }`.
 */
export class LinearTemplatePyFuncModel implements PyFuncImplementation {
  /** This model takes no params: core drops any given with a warning, as MLflow does. */
  readonly acceptsParams = false;
  #model: LinearTemplateModel | undefined;

  constructor(model: LinearTemplateModel) {
    this.#model = model;
  }

  #open(): LinearTemplateModel {
    if (this.#model === undefined) throw new MlflowException("This model has been closed", "INVALID_STATE");
    return this.#model;
  }

  predict(input: PyFuncInput): Tensor<"float64"> {
    const model = this.#open();
    const { data, rows } = toFeatureMatrix(input);
    return predictLinearTemplate(model, data, rows);
  }

  /** The raw model, for `PyFuncModel.getRawModel()` (MLflow's `get_raw_model`). */
  unwrap(): LinearTemplateModel {
    return this.#open();
  }

  /** Release what the model holds (native sessions, buffers); this one only drops its reference. */
  close(): void {
    this.#model = undefined;
  }
}
