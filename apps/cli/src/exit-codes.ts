/**
 * Exit codes of the `pyfunc` command. Each failure class has its own code so scripts can branch on it;
 * the table is documented in README.md and printed by `pyfunc --help`.
 */
export const EXIT_CODES = {
  /** Success. */
  OK: 0,
  /** An unexpected internal error (a bug): the message and stack are printed. */
  INTERNAL: 1,
  /** Bad command line: unknown option, missing required option, malformed option value (e.g. --params). */
  USAGE: 2,
  /** The model URI does not resolve to a model directory (no such path, no MLmodel file). */
  MODEL_NOT_FOUND: 3,
  /** The MLmodel is invalid, or the flavor failed while loading the model files. */
  MODEL_LOAD_FAILED: 4,
  /** No installed package loads this model's flavor (the message names what to install). */
  FLAVOR_MISSING: 5,
  /** The input file does not exist or cannot be read. */
  INPUT_NOT_FOUND: 6,
  /** The input is not a valid scoring payload: bad JSON / CSV, wrong top-level shape (the server's HTTP 400 BAD_REQUEST). */
  BAD_INPUT: 7,
  /** The input does not match the model signature or params schema (wrong columns, types, params). */
  SCHEMA_MISMATCH: 8,
  /** The model raised an error while predicting. */
  PREDICT_FAILED: 9,
  /** The output could not be written. */
  OUTPUT_FAILED: 10,
  /** The scoring server could not start (e.g. the port is in use). */
  SERVE_FAILED: 11,
  /** `validate`: the model has no saved serving input example and no --input was given. */
  NO_INPUT_EXAMPLE: 12,
} as const;

export type ExitCodeName = keyof typeof EXIT_CODES;
export type ExitCode = (typeof EXIT_CODES)[ExitCodeName];

export const EXIT_CODE_HELP = `Exit codes:
  0   success
  1   internal error (a bug)
  2   bad command line (unknown option, malformed --params, ...)
  3   model not found (no such path / no MLmodel)
  4   model failed to load (invalid MLmodel, flavor load error)
  5   no installed package loads this model's flavor
  6   input file not found or unreadable
  7   bad input payload (invalid JSON/CSV, wrong payload shape)
  8   input does not match the model signature / params schema
  9   the model raised an error while predicting
  10  output could not be written
  11  scoring server could not start
  12  validate: no saved input example and no --input
  130 predict interrupted (SIGINT; 143 for SIGTERM)`;
