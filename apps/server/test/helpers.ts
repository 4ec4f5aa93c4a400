import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { type CreateServerOptions, createServer, type PyfuncServer } from "../src/index.js";
import { TEST_FLAVOR_MODULE } from "./fixtures/models.js";

export interface TestServer {
  url: string;
  server: PyfuncServer;
  close(): Promise<void>;
}

/** A real server on 127.0.0.1 with a free port, loading the test flavor in its workers. */
export async function startTestServer(options: CreateServerOptions): Promise<TestServer> {
  const server = await createServer({ imports: [TEST_FLAVOR_MODULE], ...options });
  const url = await server.listen({ host: "127.0.0.1", port: 0 });
  return { url, server, close: () => server.close() };
}

export async function post(
  url: string,
  body: string | Uint8Array,
  contentType: string | undefined = "application/json",
  headers: Record<string, string> = {},
): Promise<{ status: number; contentType: string; text: string; json: () => unknown; headers: Headers }> {
  const h: Record<string, string> = { ...headers };
  if (contentType !== undefined) h["content-type"] = contentType;
  const res = await fetch(url, { method: "POST", headers: h, body });
  const text = await res.text();
  return {
    status: res.status,
    contentType: res.headers.get("content-type") ?? "",
    text,
    json: () => JSON.parse(text),
    headers: res.headers,
  };
}

export const SPLIT_3 = {
  dataframe_split: {
    columns: ["x", "y", "n", "name"],
    data: [
      [1.0, 0.5, 1, "alice"],
      [2.5, 1.0, 2, "bob"],
      [-3.0, 2.0, 3, "zed"],
    ],
  },
};

export const EXPECTED_3 = [
  { score: 1.0, greeting: "hi alice", known: true },
  { score: 2.25, greeting: "hi bob", known: true },
  { score: -4.75, greeting: "hi zed", known: false },
];

/** A POST with exactly the given headers (fetch always adds a Content-Type for string bodies). */
export function rawRequest(
  url: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: "POST", headers: { "content-length": Buffer.byteLength(body), ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString("utf8"),
            headers: res.headers,
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** A fresh self-signed certificate for 127.0.0.1 (openssl), valid one day: `cert` also serves as a client's CA. */
export function selfSignedCert(): { cert: Buffer; key: Buffer } {
  const dir = mkdtempSync(path.join(os.tmpdir(), "pyfunc-tls-"));
  const key = path.join(dir, "key.pem");
  const cert = path.join(dir, "cert.pem");
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1"].concat([
      "-subj",
      "/CN=127.0.0.1",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
    ]),
    { stdio: "ignore" },
  );
  return { cert: readFileSync(cert), key: readFileSync(key) };
}
