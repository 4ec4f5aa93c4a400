import { modelError } from "../errors.js";
import type { RawModel } from "../model.js";
import { documentToModel } from "./document.js";
import { parseXgbJson } from "./json.js";
import { parseLegacyBinary } from "./legacy.js";
import { parseUbjson } from "./ubjson.js";

export type ModelFormat = "json" | "ubj" | "binary";

/** Tell the storage format from the bytes (never from a file name). */
export function sniffFormat(bytes: Uint8Array): ModelFormat {
  if (bytes.length >= 4 && bytes[0] === 0x62 && bytes[1] === 0x69 && bytes[2] === 0x6e && bytes[3] === 0x66) {
    return "binary";
  }
  let i = 0;
  // JSON may start with whitespace / a UTF-8 BOM
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) i = 3;
  while (
    i < bytes.length &&
    (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)
  )
    i++;
  if (bytes[i] === 0x7b) {
    let j = i + 1;
    while (
      j < bytes.length &&
      (bytes[j] === 0x20 || bytes[j] === 0x0a || bytes[j] === 0x0d || bytes[j] === 0x09)
    )
      j++;
    const next = bytes[j];
    if (next === 0x22 || next === 0x7d) return "json";
    if (i === 0 && next !== undefined && "iUIlL$#N}".includes(String.fromCharCode(next))) return "ubj";
  }
  if (bytes.length >= 4 && bytes[0] === 0x62 && bytes[1] === 0x73 && bytes[2] === 0x36 && bytes[3] === 0x34) {
    throw modelError(
      "base64-encoded ('bs64') legacy models are not supported; re-save the model as .json or .ubj",
    );
  }
  throw modelError("unrecognised model bytes (not XGBoost JSON, UBJSON or legacy binary 'binf')");
}

/** Parse model bytes of any supported format. Never throws anything but MlflowException. */
export function readModel(bytes: Uint8Array): RawModel {
  const format = sniffFormat(bytes);
  try {
    if (format === "binary") return parseLegacyBinary(bytes);
    if (format === "json") return documentToModel(parseXgbJson(bytes), "json");
    return documentToModel(parseUbjson(bytes), "ubj");
  } catch (e) {
    if (e instanceof Error && e.name === "MlflowException") throw e;
    throw modelError(`cannot read ${format} model: ${(e as Error)?.message ?? String(e)}`, e);
  }
}
