import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { saveTestModel } from "../test/fixtures/models.js";
import { post, startTestServer, type TestServer } from "../test/helpers.js";

function sseEvents(text: string): string[] {
  return text
    .split("\n\n")
    .filter((block) => block.length > 0)
    .map((block) => {
      expect(block.startsWith("data: ")).toBe(true);
      return block.slice("data: ".length);
    });
}

describe.each([
  ["in worker threads", 1],
  ["in the HTTP thread", 0],
])("streaming (%s)", (_label, workers) => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer({
      modelUri: await saveTestModel({ behavior: "stream", signature: null }),
      workers,
    });
  });
  afterAll(() => srv.close());

  it('answers "stream": true with text/event-stream: one data line per chunk, then [DONE]', async () => {
    const res = await post(
      `${srv.url}/invocations`,
      JSON.stringify({ prompt: "hello big world", stream: true }),
    );
    expect(res.status).toBe(200);
    expect(res.contentType).toMatch(/^text\/event-stream/);
    expect(res.headers.get("x-request-id")).toBeTruthy();
    const events = sseEvents(res.text);
    expect(events).toEqual(['{"delta":"hello"}', '{"delta":"big"}', '{"delta":"world"}', "[DONE]"]);
  });

  it("sends a failure mid-stream as an error event followed by [DONE], status 200", async () => {
    const res = await post(
      `${srv.url}/invocations`,
      JSON.stringify({ prompt: "one FAIL two", stream: true }),
    );
    expect(res.status).toBe(200);
    const events = sseEvents(res.text);
    expect(events[0]).toBe('{"delta":"one"}');
    expect(JSON.parse(events[1]!)).toEqual({ error: "stream failed on purpose" });
    expect(events[2]).toBe("[DONE]");
    expect(events).toHaveLength(3);
  });

  it("answers without streaming (unwrapped, unified LLM mode) when stream is absent", async () => {
    const res = await post(`${srv.url}/invocations`, JSON.stringify({ prompt: "hi there" }));
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ text: "hi there" });
  });

  it("keeps serving during a slow stream", async () => {
    const slow = post(
      `${srv.url}/invocations`,
      JSON.stringify({ prompt: "a b c d", stream: true, params: {} }),
    );
    const ping = await fetch(`${srv.url}/ping`);
    expect(ping.status).toBe(200);
    expect((await slow).status).toBe(200);
  });
});

describe("stream requests to a model that cannot stream", () => {
  it("answers normally, as MLflow's scoring server does", async () => {
    const srv = await startTestServer({
      modelUri: await saveTestModel({ behavior: "echo", signature: null }),
      workers: 1,
    });
    try {
      const res = await post(`${srv.url}/invocations`, JSON.stringify({ input: "x", stream: true }));
      expect(res.status).toBe(200);
      expect(res.contentType).toMatch(/application\/json/);
      expect(res.json()).toEqual({ input: "x", stream: true });
    } finally {
      await srv.close();
    }
  });
});
