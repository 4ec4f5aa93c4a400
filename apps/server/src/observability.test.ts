import { Writable } from "node:stream";
import { Validator } from "@seriousme/openapi-schema-validator";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { saveTestModel } from "../test/fixtures/models.js";
import { post, SPLIT_3, startTestServer } from "../test/helpers.js";
import { buildOpenApiDocument } from "./openapi.js";

describe("structured logs", () => {
  it("writes JSON lines with the request id (honoring X-Request-Id) on every request line", async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        for (const l of chunk.toString().split("\n")) if (l.trim()) lines.push(JSON.parse(l));
        cb();
      },
    });
    const logger = pino({ level: "info" }, sink);
    const srv = await startTestServer({
      modelUri: await saveTestModel({ behavior: "linear" }),
      workers: 1,
      logger,
    });
    try {
      await post(
        `${srv.url}/invocations`,
        JSON.stringify({ ...SPLIT_3, params: { unknown_param: 1 } }),
        "application/json",
        {
          "x-request-id": "trace-123",
        },
      );
      await new Promise((r) => setTimeout(r, 50));
      const mine = lines.filter((l) => l.reqId === "trace-123");
      // one access line per request (fastify's own two are off: half the logging cost), plus the warnings
      const access = mine.filter((l) => l.msg === "request");
      expect(access).toHaveLength(1);
      expect(access[0]).toMatchObject({ method: "POST", url: "/invocations", statusCode: 200 });
      expect(typeof access[0]!.ms).toBe("number");
      expect(mine.some((l) => l.level === 40)).toBe(true); // the unknown-param warning, with the request id
      for (const l of lines.filter((x) => x.msg === "request")) expect(typeof l.reqId).toBe("string");
    } finally {
      await srv.close();
    }
  });
});

describe("OpenAPI document", () => {
  const validator = () => new Validator();

  it("is served at /openapi.json, validates against OpenAPI 3.1, and carries the signature and the input example", async () => {
    const srv = await startTestServer({
      modelUri: await saveTestModel({
        behavior: "linear",
        inputExample: [{ x: 1.0, y: 0.5, n: 1, name: "alice" }],
        inputExampleParams: { multiplier: 2.0 },
      }),
      workers: 1,
    });
    try {
      const res = await fetch(`${srv.url}/openapi.json`);
      expect(res.status).toBe(200);
      const doc = (await res.json()) as Record<string, never>;
      const result = await validator().validate(doc);
      expect(result.errors ?? []).toEqual([]);
      expect(result.valid).toBe(true);
      expect(doc.openapi).toBe("3.1.0");
      const schemas = (
        doc.components as { schemas: Record<string, { properties?: Record<string, unknown> }> }
      ).schemas;
      expect(schemas.Row!.properties).toEqual({
        x: { type: "number", format: "double" },
        y: { type: "number", format: "double" },
        n: { type: "integer", format: "int64" },
        name: { type: "string" },
      });
      expect(schemas.Params!.properties).toEqual({
        multiplier: { type: "number", format: "double", default: 1.0 },
        upper: { type: "boolean", default: false },
      });
      const invocations = (
        doc.paths as Record<
          string,
          { post: { requestBody: { content: Record<string, { example?: unknown }> } } }
        >
      )["/invocations"]!;
      const example = invocations.post.requestBody.content["application/json"]!.example as
        | Record<string, unknown>
        | undefined;
      expect(example).toMatchObject({ params: { multiplier: 2.0 } });
      // the saved serving example is the request example, and the server accepts it
      const scored = await post(`${srv.url}/invocations`, JSON.stringify(example));
      expect(scored.status).toBe(200);
      expect(scored.json()).toEqual({ predictions: [{ score: 0.75, greeting: "hi alice", known: true }] });
      const docs = await fetch(`${srv.url}/docs`);
      expect(docs.status).toBe(200);
      expect(await docs.text()).toMatch(/swagger/i);
    } finally {
      await srv.close();
    }
  });

  it.each([
    ["a model without a signature", { inputs: null, outputs: null, params: null }],
    [
      "a tensor model",
      {
        inputs: JSON.stringify([
          { type: "tensor", name: "img", "tensor-spec": { dtype: "float32", shape: [-1, 28, 28] } },
        ]),
        outputs: JSON.stringify([{ type: "tensor", "tensor-spec": { dtype: "int64", shape: [-1] } }]),
        params: null,
      },
    ],
    [
      "an LLM-style model with array and object columns",
      {
        inputs: JSON.stringify([
          {
            type: "array",
            items: {
              type: "object",
              properties: {
                content: { type: "string", required: true },
                role: { type: "string", required: true },
              },
            },
            name: "messages",
            required: true,
          },
          { type: "map", values: { type: "double" }, name: "extra", required: false },
        ]),
        outputs: null,
        params: JSON.stringify([{ name: "stop", default: ["x"], shape: [-1], type: "string" }]),
      },
    ],
  ])("is a valid OpenAPI 3.1 document for %s", async (_name, signature) => {
    const doc = buildOpenApiDocument(
      {
        isStreamable: false,
        loaderModule: "x",
        modelDir: undefined,
        signature,
        servingInputExample: undefined,
        mlflowVersion: undefined,
        safeInThread: true,
      },
      "mlflow-model",
      "0.1.0",
    );
    const result = await validator().validate(doc as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });
});
