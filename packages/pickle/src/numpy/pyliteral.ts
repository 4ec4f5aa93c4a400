import { malformed } from "../errors.js";
import { tuple } from "../values.js";

const MAX_DEPTH = 64;

/**
 * Parses the Python literal of an .npy header (`{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }`):
 * str, int, True/False/None, tuples, lists and dicts. Nothing else; nothing is evaluated.
 */
export function parsePyLiteral(text: string): unknown {
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const fail = (what: string): never => {
    throw malformed(`bad .npy header: ${what} at character ${i}`);
  };
  const value = (depth: number): unknown => {
    if (depth > MAX_DEPTH) fail("nested too deeply");
    ws();
    const c = text[i];
    if (c === undefined) return fail("unexpected end");
    if (c === "'" || c === '"') {
      let out = "";
      i++;
      while (i < text.length && text[i] !== c) {
        if (text[i] === "\\") {
          const n = text[i + 1];
          const map: Record<string, string> = {
            n: "\n",
            t: "\t",
            "\\": "\\",
            "'": "'",
            '"': '"',
            r: "\r",
            "0": "\0",
          };
          if (n === undefined || map[n] === undefined) fail("unsupported escape");
          out += map[n!];
          i += 2;
        } else out += text[i++];
      }
      if (text[i] !== c) fail("unterminated string");
      i++;
      return out;
    }
    if (c === "(" || c === "[") {
      const close = c === "(" ? ")" : "]";
      i++;
      const items: unknown[] = [];
      for (;;) {
        ws();
        if (text[i] === close) {
          i++;
          break;
        }
        items.push(value(depth + 1));
        ws();
        if (text[i] === ",") i++;
        else if (text[i] !== close) fail(`expected , or ${close}`);
      }
      return c === "(" ? tuple(items) : items;
    }
    if (c === "{") {
      i++;
      const out = new Map<unknown, unknown>();
      for (;;) {
        ws();
        if (text[i] === "}") {
          i++;
          break;
        }
        const k = value(depth + 1);
        ws();
        if (text[i] !== ":") fail("expected :");
        i++;
        out.set(k, value(depth + 1));
        ws();
        if (text[i] === ",") i++;
        else if (text[i] !== "}") fail("expected , or }");
      }
      return out;
    }
    const word = /^(True|False|None|-?\d+L?)/.exec(text.slice(i, i + 32));
    if (word === null) return fail("unsupported token");
    i += word[0].length;
    if (word[0] === "True") return true;
    if (word[0] === "False") return false;
    if (word[0] === "None") return null;
    const n = Number(word[0].replace(/L$/, ""));
    if (!Number.isSafeInteger(n)) fail("integer out of range");
    return n;
  };
  const v = value(0);
  ws();
  if (i !== text.length) fail("trailing characters");
  return v;
}
