import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SLEEP_SIGNATURE, saveTestModel } from "../test/fixtures/models.js";
import { EXPECTED_3, post, rawRequest, SPLIT_3, startTestServer, type TestServer } from "../test/helpers.js";

describe("MLflow scoring protocol over real HTTP (worker pool)", () => {
  let srv: TestServer;
  let inv: string;
  beforeAll(async () => {
    srv = await startTestServer({ modelUri: await saveTestModel({ behavior: "linear" }), workers: 2 });
    inv = `${srv.url}/invocations`;
  });
  afterAll(() => srv.close());

  it("answers /ping, /health and HEAD /ping with 200 and a newline, and /version", async () => {
    for (const p of ["/ping", "/health"]) {
      const res = await fetch(srv.url + p);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/application\/json/);
      expect(await res.text()).toBe("\n");
    }
    expect((await fetch(`${srv.url}/ping`, { method: "HEAD" })).status).toBe(200);
    const version = await fetch(`${srv.url}/version`);
    expect(version.status).toBe(200);
    expect(await version.text()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("answers unknown routes 404 and wrong methods 405 (with Allow) in MLflow's error shape", async () => {
    const nf = await fetch(`${srv.url}/v1/models`);
    expect(nf.status).toBe(404);
    expect(await nf.json()).toEqual({
      error_code: "ENDPOINT_NOT_FOUND",
      message: "No endpoint GET /v1/models.",
    });
    const na = await fetch(`${srv.url}/invocations`);
    expect(na.status).toBe(405);
    expect(na.headers.get("allow")).toBe("POST");
    expect(await na.json()).toEqual({
      error_code: "BAD_REQUEST",
      message: "Method GET is not allowed for /invocations.",
    });
    expect((await post(`${srv.url}/ping`, "{}")).status).toBe(405);
    expect((await post(`${srv.url}/invocations/`, JSON.stringify(SPLIT_3))).status).toBe(404);
  });

  it.each([
    ["dataframe_split", SPLIT_3],
    [
      "dataframe_split with index and reordered columns",
      {
        dataframe_split: {
          columns: ["name", "n", "y", "x"],
          index: [5, 6, 7],
          data: [
            ["alice", 1, 0.5, 1.0],
            ["bob", 2, 1.0, 2.5],
            ["zed", 3, 2.0, -3.0],
          ],
        },
      },
    ],
    [
      "dataframe_records",
      {
        dataframe_records: [
          { x: 1.0, y: 0.5, n: 1, name: "alice" },
          { x: 2.5, y: 1.0, n: 2, name: "bob" },
          { x: -3.0, y: 2.0, n: 3, name: "zed" },
        ],
      },
    ],
    [
      "instances (records)",
      {
        instances: [
          { x: 1.0, y: 0.5, n: 1, name: "alice" },
          { x: 2.5, y: 1.0, n: 2, name: "bob" },
          { x: -3.0, y: 2.0, n: 3, name: "zed" },
        ],
      },
    ],
    [
      "instances (columns)",
      { instances: { x: [1.0, 2.5, -3.0], y: [0.5, 1.0, 2.0], n: [1, 2, 3], name: ["alice", "bob", "zed"] } },
    ],
    [
      "inputs (records)",
      {
        inputs: [
          { x: 1.0, y: 0.5, n: 1, name: "alice" },
          { x: 2.5, y: 1.0, n: 2, name: "bob" },
          { x: -3.0, y: 2.0, n: 3, name: "zed" },
        ],
      },
    ],
    [
      "inputs (columns)",
      { inputs: { x: [1.0, 2.5, -3.0], y: [0.5, 1.0, 2.0], n: [1, 2, 3], name: ["alice", "bob", "zed"] } },
    ],
  ])("scores %s", async (_name, body) => {
    const res = await post(inv, JSON.stringify(body));
    expect(res.status).toBe(200);
    expect(res.contentType).toMatch(/application\/json/);
    expect(res.json()).toEqual({ predictions: EXPECTED_3 });
  });

  it("scores a single record object, zero rows, and ignores query strings and unknown top-level keys", async () => {
    const one = await post(inv, JSON.stringify({ inputs: { x: 1.0, y: 0.5, n: 1, name: "alice" } }));
    expect(one.json()).toEqual({ predictions: [EXPECTED_3[0]] });
    const zero = await post(
      inv,
      JSON.stringify({ dataframe_split: { columns: ["x", "y", "n", "name"], data: [] } }),
    );
    expect(zero.status).toBe(200);
    expect(zero.json()).toEqual({ predictions: [] });
    const q = await post(`${inv}?foo=bar`, JSON.stringify({ ...SPLIT_3, foo: 1 }));
    expect(q.json()).toEqual({ predictions: EXPECTED_3 });
  });

  it("casts leniently on the serving path (numeric strings, ints, bools into doubles; 1.5 into long)", async () => {
    const res = await post(
      inv,
      JSON.stringify({
        dataframe_split: { columns: ["x", "y", "n", "name"], data: [["1.5", true, 1.5, "alice"]] },
      }),
    );
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({
      predictions: [{ score: (0.75 - 1.25) * 2 + 0.25 + 1, greeting: "hi alice", known: true }],
    });
  });

  it("accepts NaN/Infinity literals and answers null for non-finite numbers (decision 7.2)", async () => {
    const res = await post(
      inv,
      '{"dataframe_split": {"columns": ["x","y","n","name"], "data": [[NaN, 0.5, 1, "alice"], [-Infinity, 0.5, 1, "bob"]]}}',
    );
    expect(res.status).toBe(200);
    expect(res.text).not.toMatch(/NaN|Infinity/);
    expect(res.json()).toEqual({
      predictions: [
        { score: null, greeting: "hi alice", known: true },
        { score: null, greeting: "hi bob", known: true },
      ],
    });
  });

  it("scores CSV bodies (header row, CRLF, pandas index column, empty cell → NaN → null)", async () => {
    const csv = await post(inv, "x,y,n,name\n1.0,0.5,1,alice\n2.5,1.0,2,bob\n-3.0,2.0,3,zed\n", "text/csv");
    expect(csv.status).toBe(200);
    expect(csv.json()).toEqual({ predictions: EXPECTED_3 });
    const crlf = await post(
      inv,
      ",x,y,n,name\r\n0,1.0,0.5,1,alice\r\n1,,1.0,2,bob\r\n",
      "text/csv; charset=utf-8",
    );
    expect(crlf.json()).toEqual({
      predictions: [EXPECTED_3[0], { score: null, greeting: "hi bob", known: true }],
    });
    const headerOnly = await post(inv, "x,y,n,name\n", "text/csv");
    expect(headerOnly.json()).toEqual({ predictions: [] });
  });

  it("passes params, fills defaults and refuses a wrong param type", async () => {
    const res = await post(inv, JSON.stringify({ ...SPLIT_3, params: { multiplier: 2, upper: true } }));
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({
      predictions: [
        { score: 0.75, greeting: "HI ALICE", known: true },
        { score: 2.25, greeting: "HI BOB", known: true },
        { score: -12.75, greeting: "HI ZED", known: false },
      ],
    });
    for (const params of [null, {}]) {
      expect((await post(inv, JSON.stringify({ ...SPLIT_3, params }))).json()).toEqual({
        predictions: EXPECTED_3,
      });
    }
    const bad = await post(inv, JSON.stringify({ ...SPLIT_3, params: { multiplier: "x" } }));
    expect(bad.status).toBe(400);
    expect(bad.json()).toMatchObject({ error_code: "INVALID_PARAMETER_VALUE" });
    const notDict = await post(inv, JSON.stringify({ ...SPLIT_3, params: [1, 2] }));
    expect(notDict.status).toBe(400);
    expect(notDict.json()).toMatchObject({ error_code: "INVALID_PARAMETER_VALUE" });
  });

  it.each([
    ["malformed JSON", '{"dataframe_split": {"columns": ["a"], "data": [[1]]', "BAD_REQUEST"],
    ["a top-level list", "[[1, 2, 3]]", "BAD_REQUEST"],
    ["an empty object", "{}", "BAD_REQUEST"],
    ["an unknown key", '{"data": [[1]]}', "BAD_REQUEST"],
    ["two format keys", JSON.stringify({ ...SPLIT_3, inputs: [[1]] }), "BAD_REQUEST"],
    ["a bad dataframe_split", '{"dataframe_split": {"columns": ["x"], "data": 5}}', "BAD_REQUEST"],
    ["records that are not a list", '{"dataframe_records": 5}', "BAD_REQUEST"],
    [
      "a string in a double column",
      JSON.stringify({ dataframe_split: { columns: ["x", "y", "n", "name"], data: [["abc", 1, 1, "a"]] } }),
      "BAD_REQUEST",
    ],
    [
      "a missing column",
      JSON.stringify({ dataframe_split: { columns: ["y", "n", "name"], data: [[1, 1, "a"]] } }),
      "INVALID_PARAMETER_VALUE",
    ],
  ])("answers 400 with MLflow's error body for %s", async (_name, body, code) => {
    const res = await post(inv, body);
    expect(res.status).toBe(400);
    const json = res.json() as Record<string, unknown>;
    expect(json.error_code).toBe(code);
    expect(typeof json.message).toBe("string");
  });

  it("answers 400 for a body that is not UTF-8 and for an empty CSV body (MLflow: 500 / 400)", async () => {
    const bad = await post(inv, new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]));
    expect(bad.status).toBe(400);
    expect(bad.json()).toMatchObject({ error_code: "BAD_REQUEST" });
    expect((await post(inv, "", "text/csv")).status).toBe(400);
  });

  it.each([
    ["Application/JSON", /Got 'Application\/JSON'/],
    ["application/json; charset=latin-1", /only supports UTF-8/],
    ["application/json; format=pandas-split", /Unrecognized content type parameters: format/],
    ["text/plain", /Got 'text\/plain'/],
    ["application/x-www-form-urlencoded", /Got 'application\/x-www-form-urlencoded'/],
  ])("answers 415 in plain text for content type %s", async (ct, pattern) => {
    const res = await post(inv, JSON.stringify(SPLIT_3), ct);
    expect(res.status).toBe(415);
    expect(res.contentType).toMatch(/^text\/plain/);
    expect(res.text).toMatch(pattern);
  });

  it("answers 415 (not 500) when the Content-Type header is missing", async () => {
    const res = await rawRequest(inv, JSON.stringify(SPLIT_3));
    expect(res.status).toBe(415);
    expect(res.body).toMatch(/no Content-Type/);
  });

  it("keeps serving after errors, and answers concurrent requests", async () => {
    await post(inv, "{");
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        post(inv, JSON.stringify({ ...SPLIT_3, params: { multiplier: (i % 4) + 1 } })),
      ),
    );
    results.forEach((res, i) => {
      expect(res.status).toBe(200);
      const m = (i % 4) + 1;
      expect((res.json() as { predictions: { score: number }[] }).predictions[0]!.score).toBeCloseTo(
        (0.5 - 0.625) * 2 * m + 1.25,
      );
    });
  });

  it("echoes X-Request-Id and generates one otherwise", async () => {
    const given = await post(inv, JSON.stringify(SPLIT_3), "application/json", { "x-request-id": "req-42" });
    expect(given.headers.get("x-request-id")).toBe("req-42");
    const generated = await fetch(`${srv.url}/ping`);
    const again = await fetch(`${srv.url}/ping`);
    const [a, b] = [generated.headers.get("x-request-id"), again.headers.get("x-request-id")];
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-z]+$/);
    expect(b).toMatch(/^[0-9a-f]{8}-[0-9a-z]+$/);
    expect(a).not.toBe(b);
    expect(a!.slice(0, 9)).toBe(b!.slice(0, 9));
  });

  it("exposes Prometheus metrics: request counts by status, latency histogram, in-flight gauge", async () => {
    await post(inv, "{}");
    const res = await fetch(`${srv.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/plain/);
    const text = await res.text();
    expect(text).toMatch(
      /pyfunc_http_requests_total\{method="POST",route="\/invocations",status="200"\} \d+/,
    );
    expect(text).toMatch(
      /pyfunc_http_requests_total\{method="POST",route="\/invocations",status="400"\} \d+/,
    );
    expect(text).toMatch(
      /pyfunc_http_request_duration_seconds_bucket\{le="0.005",method="POST",route="\/invocations",status="200"\}/,
    );
    expect(text).toMatch(/pyfunc_http_requests_in_flight 1/);
  });
});

describe("model failures", () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer({ modelUri: await saveTestModel({ behavior: "throw" }), workers: 1 });
  });
  afterAll(() => srv.close());

  it("answers 400 BAD_REQUEST for an exception from the model, without a stack trace by default", async () => {
    const res = await post(`${srv.url}/invocations`, JSON.stringify(SPLIT_3));
    expect(res.status).toBe(400);
    const json = res.json() as Record<string, unknown>;
    expect(json.error_code).toBe("BAD_REQUEST");
    expect(json.message).toMatch(
      /Encountered an unexpected error while evaluating the model.*failed on purpose/,
    );
    expect(json.stack_trace).toBeUndefined();
    expect((await fetch(`${srv.url}/ping`)).status).toBe(200);
  });

  it("sends stack_trace when asked to", async () => {
    const other = await startTestServer({
      modelUri: await saveTestModel({ behavior: "throw" }),
      workers: 0,
      exposeStackTraces: true,
    });
    try {
      const res = await post(`${other.url}/invocations`, JSON.stringify(SPLIT_3));
      expect(res.status).toBe(400);
      expect((res.json() as Record<string, string>).stack_trace).toMatch(/failed on purpose/);
    } finally {
      await other.close();
    }
  });
});

describe("limits", () => {
  it("answers 413 for a body over the limit and keeps serving", async () => {
    const srv = await startTestServer({
      modelUri: await saveTestModel({ behavior: "linear" }),
      workers: 1,
      bodyLimit: 1024,
    });
    try {
      const big = JSON.stringify({
        dataframe_records: Array.from({ length: 100 }, () => ({ x: 1, y: 2, n: 3, name: "alice" })),
      });
      const res = await post(`${srv.url}/invocations`, big);
      expect(res.status).toBe(413);
      expect(res.json()).toMatchObject({ error_code: "BAD_REQUEST" });
      expect((await post(`${srv.url}/invocations`, JSON.stringify(SPLIT_3))).status).toBe(200);
    } finally {
      await srv.close();
    }
  });

  it("answers 504 when a prediction passes the timeout, and the next request still works", async () => {
    const srv = await startTestServer({
      modelUri: await saveTestModel({ behavior: "sleep", signature: SLEEP_SIGNATURE }),
      workers: 1,
      timeoutMs: 1000,
    });
    try {
      const slow = await post(
        `${srv.url}/invocations`,
        JSON.stringify({ inputs: [1], params: { ms: 30000 } }),
      );
      expect(slow.status).toBe(504);
      expect(slow.json()).toMatchObject({ error_code: "DEADLINE_EXCEEDED" });
      // the timed-out task's worker thread is stopped and replaced (it reloads the model), then serving resumes
      let fast = await post(
        `${srv.url}/invocations`,
        JSON.stringify({ dataframe_records: [{ a: 1 }, { a: 2 }], params: { ms: 1 } }),
      );
      for (let i = 0; i < 5 && fast.status === 504; i++) {
        fast = await post(
          `${srv.url}/invocations`,
          JSON.stringify({ dataframe_records: [{ a: 1 }, { a: 2 }], params: { ms: 1 } }),
        );
      }
      expect(fast.status).toBe(200);
      expect(fast.json()).toEqual({ predictions: [2] });
    } finally {
      await srv.close();
    }
  });

  it("answers 504 when an in-thread prediction that awaits passes the timeout, then answers in time", async () => {
    // predicted in the HTTP thread (a model object, no workers): the timer is armed after the I/O batch
    const model = {
      predict: (_input: unknown, params?: Record<string, unknown>) =>
        new Promise<number[]>((resolve) => setTimeout(() => resolve([7]), Number(params?.ms ?? 0))),
      metadata: { signature: null },
    };
    const srv = await startTestServer({ model: model as never, timeoutMs: 300 });
    try {
      const started = Date.now();
      const slow = await post(
        `${srv.url}/invocations`,
        JSON.stringify({ inputs: [1], params: { ms: 1500 } }),
      );
      expect(slow.status).toBe(504);
      expect(slow.json()).toMatchObject({ error_code: "DEADLINE_EXCEEDED" });
      expect(Date.now() - started).toBeLessThan(1200);
      const fast = await post(`${srv.url}/invocations`, JSON.stringify({ inputs: [1], params: { ms: 1 } }));
      expect(fast.status).toBe(200);
      expect(fast.json()).toEqual({ predictions: [7] });
    } finally {
      await srv.close();
    }
  });

  it("reads the default timeout from MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT", async () => {
    const { defaultTimeoutMs } = await import("./app.js");
    expect(defaultTimeoutMs({ MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT: "7" })).toBe(7000);
    expect(defaultTimeoutMs({})).toBe(60_000);
  });
});

describe("never blocking the event loop", () => {
  it("answers /ping while CPU-bound predictions run, and runs two of them on two workers at once", async () => {
    const srv = await startTestServer({
      modelUri: await saveTestModel({ behavior: "sleep", signature: SLEEP_SIGNATURE }),
      workers: 2,
    });
    try {
      const started = Date.now();
      let slowDone = 0;
      const slow = [1, 2].map(() =>
        post(
          `${srv.url}/invocations`,
          JSON.stringify({ dataframe_records: [{ a: 1 }], params: { ms: 1500 } }),
        ).then((r) => {
          slowDone++;
          return r;
        }),
      );
      await new Promise((r) => setTimeout(r, 200));
      for (let i = 0; i < 5; i++) expect((await fetch(`${srv.url}/ping`)).status).toBe(200);
      expect((await fetch(`${srv.url}/metrics`)).status).toBe(200);
      // health and metrics were answered while both predictions were still running
      expect(slowDone).toBe(0);
      const done = await Promise.all(slow);
      expect(done.map((d) => d.status)).toEqual([200, 200]);
      // two 1.5 s predictions one after the other would take at least 3 s
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      await srv.close();
    }
  });

  it("answers /ping while a 100,000-row request is parsed, scored and serialized", async () => {
    const srv = await startTestServer({ modelUri: await saveTestModel({ behavior: "linear" }), workers: 1 });
    try {
      const rows = Array.from({ length: 100_000 }, (_, i) => [i % 7, 0.5, i % 3, i % 2 ? "alice" : "zed"]);
      let bigDone = false;
      const big = post(
        `${srv.url}/invocations`,
        JSON.stringify({ dataframe_split: { columns: ["x", "y", "n", "name"], data: rows } }),
      ).then((r) => {
        bigDone = true;
        return r;
      });
      await new Promise((r) => setTimeout(r, 30));
      const ping = await fetch(`${srv.url}/ping`);
      expect(ping.status).toBe(200);
      expect(bigDone).toBe(false);
      const res = await big;
      expect(res.status).toBe(200);
      const predictions = (res.json() as { predictions: { score: number; known: boolean }[] }).predictions;
      expect(predictions).toHaveLength(100_000);
      expect(predictions[1]).toEqual({
        score: (0.5 - 0.625) * 2 + 0.25 + 1,
        greeting: "hi alice",
        known: true,
      });
    } finally {
      await srv.close();
    }
  });
});
