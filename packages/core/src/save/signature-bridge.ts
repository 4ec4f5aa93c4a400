// The seam between saveModel and the signature/example modules (owned by the schema engineer).
import { saveInputExample } from "../example/input-example.js";
import type { Params, PyFuncInput, PyFuncOutput } from "../inputs/model-input.js";
import type { SavedInputExampleInfo, SignatureDict } from "../mlmodel/model.js";
import { inferSignature } from "../signature/infer.js";

/** Write input_example.json / serving_input_example.json and return `saved_input_example_info`. */
export async function saveExampleFiles(
  modelDir: string,
  example: PyFuncInput,
  params: Params | undefined,
): Promise<SavedInputExampleInfo> {
  return saveInputExample(modelDir, example, params);
}

/**
 * MLflow `_infer_signature_from_input_example`: the input (and params) schema from the example, the output schema
 * from the model's prediction on it. Any failure is a warning and no signature, as in MLflow.
 */
export async function inferSignatureFor(
  input: PyFuncInput,
  predict: ((example: PyFuncInput) => Promise<PyFuncOutput>) | undefined,
  params: Params | undefined,
  warn: (message: string) => void,
): Promise<SignatureDict | null> {
  try {
    const output = predict ? await predict(input) : undefined;
    const signature = inferSignature(input, output, params ?? null, { warn });
    return signature.inputs === null && signature.outputs === null ? null : signature.toDict();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    warn(`Failed to infer the model signature from the input example: ${reason}`);
    return null;
  }
}
