import { modelError } from "../errors.js";
import type { DocValue } from "./value.js";

const utf8 = new TextDecoder("utf-8");

/**
 * XGBoost's JSON is JSON plus bare `NaN`, `Infinity` and `-Infinity` tokens (categorical split
 * nodes store NaN as their split condition). Strict JSON.parse is tried first; when it fails,
 * the non-standard tokens outside strings are rewritten (NaN → null, ±Infinity → ±1e999, which
 * JSON.parse reads as ±Infinity) and the text is parsed again. `null` in a float array means NaN.
 */
export function parseXgbJson(bytes: Uint8Array): DocValue {
  const text = utf8.decode(bytes);
  try {
    return JSON.parse(text) as DocValue;
  } catch {
    // fall through to the tolerant pass
  }
  const fixed = rewriteNonFinite(text);
  try {
    return JSON.parse(fixed) as DocValue;
  } catch (e) {
    throw modelError(`not valid JSON (${(e as Error).message})`, e);
  }
}

export function rewriteNonFinite(text: string): string {
  const parts: string[] = [];
  let last = 0;
  let inString = false;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) {
      inString = true;
      continue;
    }
    if (c === 0x4e /* N */ && text.startsWith("NaN", i) && !isIdent(text.charCodeAt(i + 3))) {
      parts.push(text.slice(last, i), "null");
      i += 2;
      last = i + 1;
    } else if (c === 0x49 /* I */ && text.startsWith("Infinity", i) && !isIdent(text.charCodeAt(i + 8))) {
      parts.push(text.slice(last, i), "1e999");
      i += 7;
      last = i + 1;
    }
  }
  if (last === 0) return text;
  parts.push(text.slice(last));
  return parts.join("");
}

function isIdent(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
}
