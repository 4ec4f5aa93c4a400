import { badRequest } from "./errors.js";

const NONFINITE = /NaN|Infinity/;
const MARK = `~~pyfunc-nonfinite-${Math.random().toString(36).slice(2)}:`;

/**
 * Parse a JSON text as Python's `json.loads` does: standard JSON plus the bare tokens `NaN`, `Infinity`
 * and `-Infinity` (which Python's own encoder writes). Throws MlflowException BAD_REQUEST with MLflow's
 * "Invalid input. Ensure that input is a valid JSON formatted string" message on anything else.
 */
export function parseJsonLenient(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    if (NONFINITE.test(text)) {
      const rewritten = rewriteNonFinite(text);
      if (rewritten !== undefined) {
        try {
          return JSON.parse(rewritten, reviveNonFinite);
        } catch {
          // fall through to the original error
        }
      }
    }
    throw badRequest(
      `Invalid input. Ensure that input is a valid JSON formatted string. Error: '${jsonErrorText(error)}'\nInput: \n${text.length > 1000 ? `${text.slice(0, 1000)}...` : text}\n`,
      error,
    );
  }
}

function jsonErrorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Replace NaN/Infinity/-Infinity tokens outside strings by marker strings; undefined if nothing changed. */
function rewriteNonFinite(text: string): string | undefined {
  let out = "";
  let last = 0;
  let changed = false;
  let inString = false;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
      continue;
    }
    if (c === 34) {
      inString = true;
      continue;
    }
    let token: string | undefined;
    if (c === 78 /* N */ && text.startsWith("NaN", i)) token = "NaN";
    else if (c === 73 /* I */ && text.startsWith("Infinity", i)) token = "Infinity";
    else if (c === 45 /* - */ && text.startsWith("-Infinity", i)) token = "-Infinity";
    if (token !== undefined) {
      out += `${text.slice(last, i)}"${MARK}${token}"`;
      i += token.length - 1;
      last = i + 1;
      changed = true;
    }
  }
  if (!changed) return undefined;
  return out + text.slice(last);
}

function reviveNonFinite(_key: string, value: unknown): unknown {
  if (typeof value === "string" && value.startsWith(MARK)) {
    const token = value.slice(MARK.length);
    if (token === "NaN") return Number.NaN;
    return token === "Infinity" ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  }
  return value;
}

/** One strict decoder for every body (a non-streaming decode keeps no state between calls, even after an error). */
const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** Decode request bytes as strict UTF-8; a body that is not UTF-8 is a 400 here (MLflow answers 500). */
export function decodeUtf8(body: string | Uint8Array): string {
  if (typeof body === "string") return body;
  try {
    return UTF8.decode(body);
  } catch (error) {
    throw badRequest("Invalid input. The request body is not valid UTF-8 text.", error);
  }
}
