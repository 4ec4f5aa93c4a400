/**
 * The handler `pyfunc predict --workers N` runs in core's scoring pool workers (`@pyfunc/core/scoring`): each
 * worker holds its own copy of the model and answers `{body, contentType}` tasks with the chunk's bare
 * predictions JSON, or a serialized CliError (errors lose their class crossing threads).
 */
import type { Params, PyFuncModel } from "@pyfunc/core";
import type { ScoringHandler } from "@pyfunc/core/scoring";
import { CliError, messageOf, type SerializedCliError, serializeCliError } from "../errors.js";
import { EXIT_CODES } from "../exit-codes.js";
import { PayloadPredictor } from "./engine.js";

export interface ChunkTask {
  body: Uint8Array;
  contentType: string;
}

export type ChunkReply = { json: string } | { error: SerializedCliError };

function toCliError(error: unknown): CliError {
  if (error instanceof CliError) return error;
  const e = new CliError(messageOf(error), EXIT_CODES.INTERNAL, { cause: error });
  if (error instanceof Error && error.stack) e.stack = error.stack;
  return e;
}

export function createHandler(model: PyFuncModel, data: unknown): ScoringHandler {
  const predictor = new PayloadPredictor(model, (data as { params?: Params }).params);
  return {
    handle(task: unknown): Promise<ChunkReply> {
      const { body, contentType } = task as ChunkTask;
      return predictor.run(body, contentType, false).then(
        (r) => ({ json: r.json }),
        (error: unknown) => ({ error: serializeCliError(toCliError(error)) }),
      );
    },
  };
}
