import { readFileSync } from "node:fs";
import http from "node:http";
import { parseJsonLenient } from "@pyfunc/core/protocol";

export interface TranscriptCase {
  name: string;
  description?: string;
  request: {
    method: string;
    path: string;
    headers_sent: string[];
    body: string | null;
    body_base64: string | null;
  };
  response: { status: number; content_type: string | null; body: string; body_json: unknown };
}

export interface Transcript {
  model: string;
  cases: TranscriptCase[];
}

/** Transcripts hold Python JSON (bare NaN tokens), so they are read with the lenient parser. */
export function readTranscript(file: string): Transcript {
  return parseJsonLenient(readFileSync(file, "utf8")) as Transcript;
}

export interface Reply {
  status: number;
  contentType: string;
  body: string;
}

/** Send a recorded request as curl sent it (same method, path, headers and bytes). */
export function replay(baseUrl: string, c: TranscriptCase): Promise<Reply> {
  const headers: Record<string, string> = {};
  for (const line of c.request.headers_sent) {
    const i = line.indexOf(":");
    const name = line.slice(0, i).trim();
    if (["host", "content-length"].includes(name.toLowerCase())) continue;
    headers[name] = line.slice(i + 1).trim();
  }
  const body =
    c.request.body_base64 !== null && c.request.body_base64 !== undefined
      ? Buffer.from(c.request.body_base64, "base64")
      : c.request.body === null
        ? undefined
        : Buffer.from(c.request.body, "utf8");
  if (body !== undefined) headers["Content-Length"] = String(body.length);
  return new Promise((resolve, reject) => {
    const req = http.request(
      new URL(c.request.path, baseUrl),
      { method: c.request.method, headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (d: Buffer) => chunks.push(d));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers["content-type"] ?? ""),
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** MLflow writes NaN/Infinity; this server writes null (decision 7.2). */
export function nonFiniteToNull(value: unknown): unknown {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (Array.isArray(value)) return value.map(nonFiniteToNull);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, nonFiniteToNull(v)]));
  }
  return value;
}

/**
 * Documented improvements over MLflow 2.17.2 (see README): the status we answer instead.
 * - no Content-Type: MLflow crashes (500), we answer 415;
 * - a body that is not UTF-8: MLflow crashes (500), we answer 400 BAD_REQUEST;
 * - /openapi.json, /docs and /metrics exist here;
 * - OPTIONS /invocations: 405 as MLflow 3.x (FastAPI), not Flask's automatic 200.
 */
export const IMPROVED_STATUS: Record<string, number> = {
  ct_missing: 415,
  bad_non_utf8_body: 400,
  get_openapi_json: 200,
  get_docs: 200,
  get_metrics: 200,
  options_invocations: 405,
};
