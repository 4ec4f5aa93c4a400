// Issue 17, findings 1 and 2: model code (a function model) can neither kill nor hang the server; the request
// timeout holds for every path; uncaught errors from model code are logged with the request id.
import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { post, startTestServer, type TestServer } from "../test/helpers.js";
import { modeBody, saveHostileModel } from "../test/hostile.js";

describe("model code runs in terminable worker threads", () => {
  let srv: TestServer;
  const lines: Record<string, unknown>[] = [];
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        for (const l of chunk.toString().split("\n")) if (l.trim()) lines.push(JSON.parse(l));
        cb();
      },
    });
    srv = await startTestServer({
      modelUri: await saveHostileModel(),
      imports: ["@pyfunc/function"],
      workers: 1,
      timeoutMs: 4000,
      workerMemoryMb: 64,
      logger: pino({ level: "info" }, sink),
    });
    // warmed as in the report: 20 ordinary requests (enough for the fast path to have kicked in before)
    for (let i = 0; i < 20; i++)
      expect((await post(`${srv.url}/invocations`, modeBody("ok"))).status).toBe(200);
  });
  afterAll(() => srv.close());

  const alive = async () => {
    expect((await fetch(`${srv.url}/ping`)).status).toBe(200);
    expect((await post(`${srv.url}/invocations`, modeBody("ok", 3))).json()).toEqual({ predictions: [3] });
  };

  it("never predicts a function model in the HTTP thread", () => {
    expect(srv.server.engine.info.safeInThread).toBe(false);
    expect((srv.server.engine as { inlined?: number }).inlined).toBeUndefined();
  });

  it.each([
    ["an asynchronous throw", "async-throw", 500],
    ["process.exit(7)", "exit", 500],
    ["an endless loop", "loop", 504],
    ["running out of memory", "oom", 500],
  ])(
    "answers %s in model code with that request's error and a worker restart",
    async (_what, mode, status) => {
      const before = srv.server.engine.restarts;
      const res = await post(`${srv.url}/invocations`, modeBody(mode), "application/json", {
        "x-request-id": `hostile-${mode}`,
      });
      expect(res.status).toBe(status);
      const body = res.json() as { error_code: string; message: string };
      expect(body.error_code).toBe(status === 504 ? "DEADLINE_EXCEEDED" : "INTERNAL_ERROR");
      expect(body.message).not.toMatch(/thrown later|at .*\.mjs/);
      await alive();
      expect(srv.server.engine.restarts).toBeGreaterThan(before);
      if (status === 500) {
        const logged = lines.filter((l) => l.reqId === `hostile-${mode}` && l.level === 50);
        expect(logged.length).toBeGreaterThan(0);
      }
    },
  );
});

describe("the request timeout holds for model code (finding 2)", () => {
  it("times out a 2 s model call at 1 s with 504 while /ping keeps answering", async () => {
    const srv = await startTestServer({
      modelUri: await saveHostileModel(),
      imports: ["@pyfunc/function"],
      workers: 1,
      timeoutMs: 1000,
    });
    try {
      for (let i = 0; i < 20; i++) await post(`${srv.url}/invocations`, modeBody("ok"));
      const order: string[] = [];
      const slow = post(`${srv.url}/invocations`, modeBody("busy-2s")).then((r) => {
        order.push(`invocation ${r.status}`);
      });
      await new Promise((r) => setTimeout(r, 100));
      const ping = fetch(`${srv.url}/ping`).then((r) => {
        order.push(`ping ${r.status}`);
      });
      await Promise.all([slow, ping]);
      expect(order).toEqual(["ping 200", "invocation 504"]);
    } finally {
      await srv.close();
    }
  });
});
