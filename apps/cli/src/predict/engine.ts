import { MlflowException, type Params, type PyFuncModel } from "@pyfunc/core";
import {
  type ParsedScoringRequest,
  parseScoringRequestAsync,
  type ScoringSchemas,
  serializePredictions,
} from "@pyfunc/core/protocol";
import { classifyPredictError } from "../errors.js";

/** The result of predicting one payload (a whole request or one chunk of a large input). */
export interface ChunkResult {
  /** The predictions as JSON: the full response document (whole mode) or the bare predictions (chunk mode). */
  json: string;
  /** Whether the request was in unified LLM mode (response not wrapped in `predictions`). */
  unifiedLlm: boolean;
}

/**
 * Runs one scoring payload through the same steps as the scoring server: parse (with the model's input and
 * params schemas), predict (signature enforcement happens in PyFuncModel.predict), serialize.
 */
export class PayloadPredictor {
  readonly #model: PyFuncModel;
  readonly #params: Params | undefined;
  readonly #schema: ScoringSchemas | undefined;

  constructor(model: PyFuncModel, params: Params | undefined) {
    this.#model = model;
    this.#params = params;
    const signature = model.metadata.getSignatureDict();
    this.#schema = signature ? { inputs: signature.inputs, params: signature.params ?? null } : undefined;
  }

  get model(): PyFuncModel {
    return this.#model;
  }

  /**
   * @param wrapped true: return the document the server would answer (`{"predictions": ...}`, or the bare output in
   *   unified LLM mode); false: return the bare predictions (chunks of a streamed output).
   */
  async run(body: string | Uint8Array, contentType: string, wrapped: boolean): Promise<ChunkResult> {
    let parsed: ParsedScoringRequest;
    try {
      parsed = await parseScoringRequestAsync(body, contentType, this.#schema);
    } catch (error) {
      throw classifyPredictError(error, "parse");
    }
    const params =
      this.#params === undefined && parsed.params === undefined
        ? undefined
        : { ...parsed.params, ...this.#params };
    let output: Awaited<ReturnType<PyFuncModel["predict"]>>;
    try {
      output = await this.#model.predict(parsed.input, params);
    } catch (error) {
      throw classifyPredictError(error, "predict");
    }
    try {
      const json = serializePredictions(output, { unwrapped: wrapped ? parsed.unifiedLlm : true });
      return { json, unifiedLlm: parsed.unifiedLlm };
    } catch (error) {
      throw classifyPredictError(
        error instanceof MlflowException
          ? error
          : new Error(`Cannot serialize the model output: ${String(error)}`),
        "predict",
      );
    }
  }
}
