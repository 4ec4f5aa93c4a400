import { MlflowException, type Params, type PyFuncModel } from "@pyfunc/core";
import { scoreRequest } from "@pyfunc/core/protocol";
import { classifyPredictError } from "../errors.js";

/** The result of predicting one payload (a whole request or one chunk of a large input). */
export interface ChunkResult {
  /** The predictions as JSON: the full response document (whole mode) or the bare predictions (chunk mode). */
  json: string;
  /** Whether the request was in unified LLM mode (response not wrapped in `predictions`). */
  unifiedLlm: boolean;
}

/**
 * Runs one scoring payload through core's `scoreRequest`, the pipeline the scoring server's `/invocations`
 * runs too: parse (with the model's input and params schemas), predict (signature enforcement happens in
 * PyFuncModel.predict), serialize. Failures become CliErrors with the exit code of their stage.
 */
export class PayloadPredictor {
  readonly #model: PyFuncModel;
  readonly #params: Params | undefined;

  constructor(model: PyFuncModel, params: Params | undefined) {
    this.#model = model;
    this.#params = params;
  }

  get model(): PyFuncModel {
    return this.#model;
  }

  /**
   * @param wrapped true: return the document the server would answer (`{"predictions": ...}`, or the bare output in
   *   unified LLM mode); false: return the bare predictions (chunks of a streamed output).
   */
  async run(body: string | Uint8Array, contentType: string, wrapped: boolean): Promise<ChunkResult> {
    const outcome = await scoreRequest(this.#model, body, contentType, {
      ...(this.#params !== undefined ? { params: this.#params } : {}),
      unwrapped: !wrapped,
    });
    if (outcome.kind === "ok") return { json: outcome.json, unifiedLlm: outcome.unifiedLlm };
    if (outcome.kind === "stream") throw new Error("unreachable: streaming was not asked for");
    if (outcome.stage === "serialize") {
      const error = outcome.error;
      throw classifyPredictError(
        error instanceof MlflowException
          ? error
          : new Error(`Cannot serialize the model output: ${String(error)}`),
        "predict",
      );
    }
    throw classifyPredictError(outcome.error, outcome.stage);
  }
}
