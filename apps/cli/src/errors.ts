import { isMlflowException } from "@pyfunc/core";
import { EXIT_CODES, type ExitCode } from "./exit-codes.js";

/** An error the CLI reports as one line on stderr and turns into a specific exit code. */
export class CliError extends Error {
  readonly exitCode: ExitCode;
  /** MLflow error code of the underlying MlflowException, when there is one. */
  readonly errorCode: string | undefined;

  /** Exit with the code but print nothing (e.g. the reader of a pipe went away: `pyfunc predict ... | head`). */
  readonly quiet: boolean;

  constructor(
    message: string,
    exitCode: ExitCode,
    options: { cause?: unknown; errorCode?: string; quiet?: boolean } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "CliError";
    this.exitCode = exitCode;
    this.quiet = options.quiet === true;
    this.errorCode =
      options.errorCode ?? (isMlflowException(options.cause) ? options.cause.errorCode : undefined);
  }
}

export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** Phases of a prediction; the phase decides the exit code of a failure. */
export type Phase = "parse" | "predict";

/** Map an error thrown while parsing the payload or predicting to a CliError with the right exit code. */
export function classifyPredictError(error: unknown, phase: Phase): CliError {
  if (error instanceof CliError) return error;
  const message = messageOf(error);
  if (phase === "parse") {
    // Payload problems are the server's HTTP 400/415 answers; a 415-style content type problem is a bad input too.
    // MLflow's wording for a serving-side cast failure: the payload is well-formed but does not fit the signature.
    if (
      isMlflowException(error) &&
      (error.errorClass === "SCHEMA_ENFORCEMENT_FAILED" ||
        error.message.startsWith("Invalid input. Data is not compatible with model signature"))
    ) {
      return new CliError(message, EXIT_CODES.SCHEMA_MISMATCH, { cause: error });
    }
    return new CliError(message, EXIT_CODES.BAD_INPUT, { cause: error });
  }
  if (isMlflowException(error)) {
    if (error.errorCode === "INVALID_PARAMETER_VALUE" || error.errorCode === "BAD_REQUEST") {
      return new CliError(message, EXIT_CODES.SCHEMA_MISMATCH, { cause: error });
    }
    return new CliError(message, EXIT_CODES.PREDICT_FAILED, { cause: error });
  }
  return new CliError(`The model raised an error while predicting: ${message}`, EXIT_CODES.PREDICT_FAILED, {
    cause: error,
  });
}

/** A serializable form of a CliError, for worker threads. */
export interface SerializedCliError {
  message: string;
  exitCode: ExitCode;
  errorCode: string | undefined;
  stack: string | undefined;
}

export function serializeCliError(error: CliError): SerializedCliError {
  return { message: error.message, exitCode: error.exitCode, errorCode: error.errorCode, stack: error.stack };
}

export function deserializeCliError(error: SerializedCliError): CliError {
  const e = new CliError(error.message, error.exitCode, { errorCode: error.errorCode });
  if (error.stack) e.stack = error.stack;
  return e;
}
