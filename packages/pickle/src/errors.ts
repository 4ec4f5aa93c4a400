import { type ErrorCode, MlflowException } from "@pyfunc/core";

/**
 * Why a pickle or skops file was not read:
 * - `refused`: the file asks for something outside the allowlist (a global, a skops node type) or an
 *   operation that only makes sense when code runs (INST/OBJ, persistent ids, the extension registry).
 * - `malformed`: the bytes are not a valid pickle / skops / npy / zip (truncated, bad opcode, wrong shape).
 * - `limit`: a bound was exceeded (memo, stack, nesting, allocation, work, zip sizes).
 */
export type PickleErrorKind = "refused" | "malformed" | "limit";

const CODES: Record<PickleErrorKind, ErrorCode> = {
  refused: "INVALID_PARAMETER_VALUE",
  malformed: "INVALID_PARAMETER_VALUE",
  limit: "RESOURCE_EXHAUSTED",
};

export interface PickleErrorOptions {
  /** `module.name` of the refused global, when there is one. */
  global?: string;
  /** Byte offset in the pickle (or skops member) where reading stopped. */
  offset?: number;
  cause?: unknown;
}

/** The one error this package throws for untrusted input; an MlflowException with an MLflow error code. */
export class PickleError extends MlflowException {
  readonly kind: PickleErrorKind;
  readonly global: string | undefined;
  readonly offset: number | undefined;

  constructor(kind: PickleErrorKind, message: string, options: PickleErrorOptions = {}) {
    super(message, CODES[kind], { errorClass: "PickleError", cause: options.cause });
    this.name = "PickleError";
    this.kind = kind;
    this.global = options.global;
    this.offset = options.offset;
  }
}

export function malformed(message: string, offset?: number): PickleError {
  return new PickleError("malformed", offset === undefined ? message : `${message} (at byte ${offset})`, {
    offset,
  });
}

export function limitExceeded(message: string): PickleError {
  return new PickleError("limit", message);
}

export function isPickleError(value: unknown): value is PickleError {
  return value instanceof PickleError;
}
