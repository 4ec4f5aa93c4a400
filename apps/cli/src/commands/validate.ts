import { readFile } from "node:fs/promises";
import { resolveInsideModelDir } from "@pyfunc/core/paths";
import { serializePredictions } from "@pyfunc/core/protocol";
import { CliError, classifyPredictError, messageOf } from "../errors.js";
import { EXIT_CODES } from "../exit-codes.js";
import { openModel } from "../model.js";
import { PayloadPredictor } from "../predict/engine.js";
import { CONTENT_TYPES, checkInputFile, inputFormat, parseJsonObjectOption } from "./predict.js";

export interface ValidateOptions {
  input?: string;
  contentType?: string;
  params?: string;
  plugin?: string[];
  quiet?: boolean;
}

function note(options: ValidateOptions, text: string): void {
  if (!options.quiet) process.stderr.write(`${text}\n`);
}

/**
 * `pyfunc validate MODEL_URI [--input FILE]`, as MLflow's `validate_serving_input`: load the model, then run
 * a serving payload (the given file, else the model's saved `serving_input_example.json`) through the server's
 * parser and `predict` with signature enforcement. Prints the predictions document on success.
 */
export async function runValidate(modelUri: string, options: ValidateOptions): Promise<void> {
  const params = parseJsonObjectOption("--params", options.params);
  if (options.input !== undefined) checkInputFile(options.input);
  const model = await openModel(modelUri, { plugins: options.plugin ?? [] });
  try {
    const predictor = new PayloadPredictor(model, params);
    let body: Buffer;
    let contentType: string;
    let source: string;
    if (options.input !== undefined) {
      body = await readFile(options.input);
      contentType = CONTENT_TYPES[inputFormat(options.contentType, options.input)];
      if (inputFormat(options.contentType, options.input) === "jsonl") {
        throw new CliError(
          "validate takes one serving payload (json, csv or parquet), not JSON Lines.",
          EXIT_CODES.USAGE,
        );
      }
      source = options.input;
    } else {
      const info = model.metadata.savedInputExampleInfo;
      const serving = typeof info?.serving_input_path === "string" ? info.serving_input_path : undefined;
      if (serving === undefined) {
        // Older models (MLflow < 2.15) have an input example but no serving payload: run the example directly.
        const example = info ? await model.loadInputExample().catch(() => undefined) : undefined;
        if (example === undefined) {
          throw new CliError(
            `Model '${modelUri}' has no saved serving input example; pass a payload with --input FILE.`,
            EXIT_CODES.NO_INPUT_EXAMPLE,
          );
        }
        let output: Awaited<ReturnType<typeof model.predict>>;
        try {
          output = await model.predict(example, params);
        } catch (error) {
          throw classifyPredictError(error, "predict");
        }
        process.stdout.write(`${serializePredictions(output)}\n`);
        note(options, `OK: the saved input example (${info?.artifact_path}) predicts with ${modelUri}.`);
        return;
      }
      try {
        body = await readFile(resolveInsideModelDir(model.modelDir, serving, "serving_input_path"));
      } catch (error) {
        throw new CliError(
          `Cannot read the model's serving input example '${serving}': ${messageOf(error)}`,
          EXIT_CODES.NO_INPUT_EXAMPLE,
          { cause: error },
        );
      }
      contentType = CONTENT_TYPES.json;
      source = serving;
    }
    const result = await predictor.run(body, contentType, true);
    process.stdout.write(`${result.json}\n`);
    note(options, `OK: ${source} parses and predicts with ${modelUri} (signature enforced).`);
  } catch (error) {
    if (error instanceof CliError) {
      throw new CliError(`Validation failed: ${error.message}`, error.exitCode, {
        errorCode: error.errorCode,
      });
    }
    throw error;
  } finally {
    await model.close();
  }
}
