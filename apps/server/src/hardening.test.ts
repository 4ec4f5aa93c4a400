// Issue 17, findings 5, 6, 10 and 11: cancellation of abandoned requests, connection hygiene, every HTTP error in
// MLflow's shape, and the production controls (token, Host allow-list, CORS, rate limit, switches, TLS).
import https from "node:https";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { saveTestModel } from "../test/fixtures/models.js";
import { post, SPLIT_3, selfSignedCert, startTestServer, type TestServer } from "../test/helpers.js";
import { modeBody, saveHostileModel } from "../test/hostile.js";
import { parseRaw, rawExchange } from "../test/raw-http.js";

const mlflowShape = (body: unknown) => {
  expect(Object.keys(body as object).sort()).toEqual(["error_code", "message"]);
};

describe("every HTTP error in MLflow's shape (finding 10)", () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer({ modelUri: await saveTestModel({ behavior: "linear" }), workers: 1 });
  });
  afterAll(() => srv.close());

  it("answers a long URL 414, whether it passes the header buffer or not", async () => {
    for (const length of [9_000, 40_000]) {
      const res = await rawExchange(
        srv.url,
        `GET /ping?${"a".repeat(length)} HTTP/1.1\r\nHost: localhost\r\n\r\n`,
      );
      const { status, body } = parseRaw(res.text);
      expect(status).toBe(414);
      mlflowShape(body);
    }
  });

  it("answers oversized headers 431 and a bad Content-Length 400, both in MLflow's shape", async () => {
    const big = await rawExchange(
      srv.url,
      `GET /ping HTTP/1.1\r\nHost: localhost\r\nX-Big: ${"b".repeat(40_000)}\r\n\r\n`,
    );
    expect(parseRaw(big.text).status).toBe(431);
    mlflowShape(parseRaw(big.text).body);
    const bad = await rawExchange(
      srv.url,
      "POST /invocations HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: abc\r\n\r\n{}",
    );
    expect(parseRaw(bad.text).status).toBe(400);
    mlflowShape(parseRaw(bad.text).body);
  });

  it("answers a Parquet body with a garbage footer 400 without the reader's exception text", async () => {
    const garbage = Buffer.concat([
      Buffer.from("PAR1"),
      Buffer.alloc(64, 7),
      Buffer.from([16, 0, 0, 0]),
      Buffer.from("PAR1"),
    ]);
    const res = await post(`${srv.url}/invocations`, garbage, "application/vnd.apache.parquet");
    expect(res.status).toBe(400);
    const body = res.json() as { error_code: string; message: string };
    mlflowShape(body);
    expect(body.message).not.toMatch(/Cannot read properties|undefined|TypeError/);
  });

  it("answers a /docs/static traversal 404 in MLflow's shape", async () => {
    const res = await rawExchange(
      srv.url,
      "GET /docs/static/%2e%2e/%2e%2e/package.json HTTP/1.1\r\nHost: localhost\r\n\r\n",
    );
    const { status, body } = parseRaw(res.text);
    expect(status).toBe(404);
    mlflowShape(body);
  });

  it("answers a too-large body 413 in MLflow's shape", async () => {
    const small = await startTestServer({
      modelUri: await saveTestModel({ behavior: "linear" }),
      workers: 1,
      bodyLimit: 64,
    });
    try {
      const res = await post(`${small.url}/invocations`, JSON.stringify(SPLIT_3));
      expect(res.status).toBe(413);
      mlflowShape(res.json());
    } finally {
      await small.close();
    }
  });
});

describe("connection hygiene (finding 6)", () => {
  it("closes a connection whose body stalls after its headers (408), and caps open connections", async () => {
    const srv = await startTestServer({
      modelUri: await saveTestModel({ behavior: "linear" }),
      workers: 1,
      bodyTimeoutMs: 300,
      headersTimeoutMs: 300,
      maxConnections: 4,
    });
    try {
      const stalled = await rawExchange(
        srv.url,
        'POST /invocations HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":',
        { keepOpen: true },
      );
      expect(stalled.closed).toBe(true);
      expect(parseRaw(stalled.text).status).toBe(408);
      // four idle connections fill the cap; a fifth is closed at once, without an answer
      const { port } = new URL(srv.url);
      const held = await Promise.all(
        Array.from(
          { length: 4 },
          () =>
            new Promise<net.Socket>((resolve) => {
              const s = net.connect(Number(port), "127.0.0.1", () => resolve(s));
            }),
        ),
      );
      await new Promise((r) => setTimeout(r, 50));
      const refused = await rawExchange(srv.url, "GET /ping HTTP/1.1\r\nHost: localhost\r\n\r\n", {
        keepOpen: true,
      });
      expect(refused.text).toBe("");
      for (const s of held) s.destroy();
      await new Promise((r) => setTimeout(r, 50));
      expect((await fetch(`${srv.url}/ping`)).status).toBe(200);
    } finally {
      await srv.close();
    }
  });
  it("closes a stalled body at the body timeout even when the headers timeout is longer", async () => {
    const srv = await startTestServer({
      modelUri: await saveTestModel({ behavior: "linear" }),
      workers: 1,
      bodyTimeoutMs: 300,
      headersTimeoutMs: 60_000,
    });
    try {
      const stalled = await rawExchange(
        srv.url,
        'POST /invocations HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":',
        { keepOpen: true },
      );
      // the exchange ends (vitest's 20 s limit is far below the 60 s headers timeout) with a 408
      expect(stalled.closed).toBe(true);
      expect(parseRaw(stalled.text).status).toBe(408);
    } finally {
      await srv.close();
    }
  }, 20_000);
});

describe("cancellation (finding 5)", () => {
  it("abandons the worker task of a client that went away, so the next request does not wait behind it", async () => {
    const srv = await startTestServer({
      modelUri: await saveHostileModel(),
      imports: ["@pyfunc/function"],
      workers: 1,
    });
    try {
      await post(`${srv.url}/invocations`, modeBody("ok"));
      const before = srv.server.engine.restarts;
      const gone = new AbortController();
      const abandoned = fetch(`${srv.url}/invocations`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: modeBody("loop"),
        signal: gone.signal,
      }).catch(() => "aborted");
      await new Promise((r) => setTimeout(r, 300));
      gone.abort();
      expect(await abandoned).toBe("aborted");
      // the endless loop's thread was ended and replaced: the next request is answered
      expect((await post(`${srv.url}/invocations`, modeBody("ok", 2))).json()).toEqual({ predictions: [2] });
      expect(srv.server.engine.restarts).toBeGreaterThan(before);
    } finally {
      await srv.close();
    }
  });

  it("lets an abandoned task that finishes within the grace keep its thread (no model reload)", async () => {
    const srv = await startTestServer({
      modelUri: await saveHostileModel(),
      imports: ["@pyfunc/function"],
      workers: 1,
    });
    try {
      await post(`${srv.url}/invocations`, modeBody("ok"));
      const before = srv.server.engine.restarts;
      const gone = new AbortController();
      const abandoned = fetch(`${srv.url}/invocations`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: modeBody("brief"),
        signal: gone.signal,
      }).catch(() => "aborted");
      await new Promise((r) => setTimeout(r, 100));
      gone.abort();
      expect(await abandoned).toBe("aborted");
      expect((await post(`${srv.url}/invocations`, modeBody("ok", 3))).json()).toEqual({ predictions: [3] });
      expect(srv.server.engine.restarts).toBe(before);
    } finally {
      await srv.close();
    }
  });

  it("drops a queued request whose client went away", async () => {
    const srv = await startTestServer({
      modelUri: await saveHostileModel(),
      imports: ["@pyfunc/function"],
      workers: 1,
    });
    try {
      const running = post(`${srv.url}/invocations`, modeBody("slow"));
      await new Promise((r) => setTimeout(r, 100));
      const gone = new AbortController();
      const queued = fetch(`${srv.url}/invocations`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: modeBody("ok"),
        signal: gone.signal,
      }).catch(() => "aborted");
      await new Promise((r) => setTimeout(r, 100));
      expect(srv.server.engine.queued).toBe(1);
      gone.abort();
      expect(await queued).toBe("aborted");
      await new Promise((r) => setTimeout(r, 50));
      expect(srv.server.engine.queued).toBe(0);
      expect((await running).status).toBe(200);
    } finally {
      await srv.close();
    }
  });
});

describe("production controls (finding 11)", () => {
  it("requires the bearer token everywhere but the health probes", async () => {
    const srv = await startTestServer({
      modelUri: await saveTestModel({ behavior: "linear" }),
      workers: 1,
      authToken: "s3cret",
    });
    try {
      for (const p of ["/ping", "/health", "/v2/health/ready"])
        expect((await fetch(`${srv.url}${p}`)).status).toBe(200);
      for (const p of ["/metrics", "/openapi.json", "/version", "/docs"]) {
        const res = await fetch(`${srv.url}${p}`);
        expect(res.status).toBe(401);
        expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
        expect(await res.json()).toMatchObject({ error_code: "UNAUTHENTICATED" });
      }
      expect((await post(`${srv.url}/invocations`, JSON.stringify(SPLIT_3))).status).toBe(401);
      expect(
        (
          await post(`${srv.url}/invocations`, JSON.stringify(SPLIT_3), "application/json", {
            authorization: "Bearer wrong",
          })
        ).status,
      ).toBe(401);
      const ok = await post(`${srv.url}/invocations`, JSON.stringify(SPLIT_3), "application/json", {
        authorization: "Bearer s3cret",
      });
      expect(ok.status).toBe(200);
    } finally {
      await srv.close();
    }
  });

  it("refuses Host headers outside the allow-list (DNS rebinding)", async () => {
    const srv = await startTestServer({
      modelUri: await saveTestModel({ behavior: "linear" }),
      workers: 1,
      allowedHosts: ["localhost", "127.0.0.1"],
    });
    try {
      expect((await fetch(`${srv.url}/ping`)).status).toBe(200);
      const evil = parseRaw(
        (await rawExchange(srv.url, "GET /ping HTTP/1.1\r\nHost: evil.example:5000\r\n\r\n")).text,
      );
      expect(evil.status).toBe(403);
      expect(evil.body).toMatchObject({ error_code: "PERMISSION_DENIED" });
    } finally {
      await srv.close();
    }
  });

  it("answers CORS preflights for the allowed origins (OPTIONS was 405)", async () => {
    const srv = await startTestServer({
      modelUri: await saveTestModel({ behavior: "linear" }),
      workers: 1,
      corsOrigins: ["https://app.example"],
      authToken: "t",
    });
    try {
      const pre = await fetch(`${srv.url}/invocations`, {
        method: "OPTIONS",
        headers: {
          origin: "https://app.example",
          "access-control-request-method": "POST",
          "access-control-request-headers": "content-type,authorization",
        },
      });
      expect(pre.status).toBe(204);
      expect(pre.headers.get("access-control-allow-origin")).toBe("https://app.example");
      const res = await post(`${srv.url}/invocations`, JSON.stringify(SPLIT_3), "application/json", {
        origin: "https://app.example",
        authorization: "Bearer t",
      });
      expect(res.status).toBe(200);
      expect(res.headers.get("access-control-allow-origin")).toBe("https://app.example");
      const other = await fetch(`${srv.url}/ping`, { headers: { origin: "https://evil.example" } });
      expect(other.headers.get("access-control-allow-origin")).toBeNull();
    } finally {
      await srv.close();
    }
  });

  it("limits the request rate per client with 429 in MLflow's shape, probes exempt", async () => {
    const srv = await startTestServer({
      modelUri: await saveTestModel({ behavior: "linear" }),
      workers: 1,
      rateLimit: { max: 3, windowMs: 60_000 },
    });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++)
        statuses.push((await post(`${srv.url}/invocations`, JSON.stringify(SPLIT_3))).status);
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      const limited = await post(`${srv.url}/invocations`, JSON.stringify(SPLIT_3));
      expect(limited.json()).toMatchObject({ error_code: "REQUEST_LIMIT_EXCEEDED" });
      mlflowShape(limited.json());
      expect((await fetch(`${srv.url}/ping`)).status).toBe(200);
    } finally {
      await srv.close();
    }
  });

  it("switches /metrics and /docs off", async () => {
    const srv = await startTestServer({
      modelUri: await saveTestModel({ behavior: "linear" }),
      workers: 1,
      metrics: false,
      docs: false,
    });
    try {
      for (const p of ["/metrics", "/docs", "/openapi.json"])
        expect((await fetch(`${srv.url}${p}`)).status).toBe(404);
      expect((await post(`${srv.url}/invocations`, JSON.stringify(SPLIT_3))).status).toBe(200);
    } finally {
      await srv.close();
    }
  });

  it("serves HTTPS with the given certificate and key", async () => {
    const tls = selfSignedCert();
    const srv = await startTestServer({
      modelUri: await saveTestModel({ behavior: "linear" }),
      workers: 1,
      tls,
    });
    try {
      expect(srv.url.startsWith("https://")).toBe(true);
      const status = await new Promise<number>((resolve, reject) => {
        https
          .get(`${srv.url}/ping`, { ca: tls.cert }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          })
          .on("error", reject);
      });
      expect(status).toBe(200);
    } finally {
      await srv.close();
    }
  });
});
