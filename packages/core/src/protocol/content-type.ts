import {
  SCORING_PROTOCOL_CHANGE_WARNING,
  type ScoringContentType,
  UnsupportedContentTypeError,
} from "./errors.js";

const MIME_TO_KIND: Record<string, ScoringContentType> = {
  "application/json": "json",
  "text/csv": "csv",
  "application/vnd.apache.parquet": "parquet",
  // not an MLflow type: Arrow IPC streams, columnar and typed (protocol/arrow-ipc.ts)
  "application/vnd.apache.arrow.stream": "arrow",
  // not an MLflow type: the Open Inference Protocol's binary tensor framing (protocol/binary-tensor.ts)
  "application/octet-stream": "binary",
};

/**
 * Classify a request `Content-Type` as MLflow's scoring server does: split on `;`, compare the mime type
 * case-sensitively (MLflow refuses `Application/JSON`), accept only a `charset=utf-8` parameter
 * (case-insensitive). Everything else throws UnsupportedContentTypeError (HTTP 415, plain text).
 *
 * Improvement over MLflow: a missing header is a 415 here (MLflow crashes with a 500).
 */
export function parseContentType(contentType: string | undefined | null): ScoringContentType {
  // the common case, without splitting
  if (contentType === "application/json") return "json";
  if (contentType === undefined || contentType === null || contentType.trim() === "") {
    throw new UnsupportedContentTypeError(
      `This predictor only supports the following content types: Types: ${supportedList()}. ` +
        "Got no Content-Type header.",
    );
  }
  const parts = contentType.split(";");
  const mime = parts[0]!.trim();
  const unknown: string[] = [];
  for (const raw of parts.slice(1)) {
    const param = raw.trim();
    if (param === "") continue;
    const eq = param.indexOf("=");
    const key = (eq < 0 ? param : param.slice(0, eq)).trim();
    const value = (eq < 0 ? "" : param.slice(eq + 1))
      .trim()
      .replace(/^"(.*)"$/, "$1")
      .toLowerCase();
    if (key.toLowerCase() === "charset") {
      if (value !== "utf-8" && value !== "utf8") {
        throw new UnsupportedContentTypeError("The scoring server only supports UTF-8");
      }
    } else {
      unknown.push(key);
    }
  }
  if (unknown.length > 0) {
    throw new UnsupportedContentTypeError(
      `Unrecognized content type parameters: ${unknown.join(", ")}. ${SCORING_PROTOCOL_CHANGE_WARNING}`,
    );
  }
  const kind = Object.hasOwn(MIME_TO_KIND, mime) ? MIME_TO_KIND[mime] : undefined;
  if (kind === undefined) {
    throw new UnsupportedContentTypeError(
      `This predictor only supports the following content types: Types: ${supportedList()}. Got '${mime}'.`,
    );
  }
  return kind;
}

function supportedList(): string {
  return `[${Object.keys(MIME_TO_KIND)
    .map((m) => `'${m}'`)
    .join(", ")}]`;
}
