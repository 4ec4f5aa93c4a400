import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadModel, MlflowException } from "@pyfunc/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CHAT_AGENT_INPUT_SCHEMA,
  ChatAgent,
  type ChatAgentMessage,
  type ChatMessage,
  ChatModel,
  type ChatParams,
  createFunctionCallItem,
  createFunctionCallOutputItem,
  createMcpApprovalResponseItem,
  createReasoningItem,
  createTextDelta,
  createTextOutputItem,
  RESPONSES_AGENT_INPUT_SCHEMA,
  ResponsesAgent,
  type ResponsesAgentRequest,
  responsesAgentOutputReducer,
  saveModel,
} from "./index.js";

const SOURCES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../test-sources");
let root: string;
const dir = (name: string) => path.join(root, name);
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "pyfunc-agents-test-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function collect(it: AsyncIterable<unknown>): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe("helper constructors produce MLflow's exact dicts", () => {
  it("create_text_output_item / function_call / function_call_output / text_delta / reasoning / mcp response", () => {
    expect(JSON.stringify(createTextOutputItem("hi", "m1"))).toBe(
      '{"id":"m1","content":[{"text":"hi","type":"output_text","annotations":[]}],"role":"assistant","type":"message"}',
    );
    expect(JSON.stringify(createFunctionCallItem("fc", "c1", "f", "{}"))).toBe(
      '{"type":"function_call","id":"fc","call_id":"c1","name":"f","arguments":"{}"}',
    );
    expect(JSON.stringify(createFunctionCallOutputItem("c1", "out"))).toBe(
      '{"type":"function_call_output","call_id":"c1","output":"out"}',
    );
    expect(JSON.stringify(createTextDelta("d", "m1"))).toBe(
      '{"type":"response.output_text.delta","item_id":"m1","delta":"d"}',
    );
    expect(JSON.stringify(createReasoningItem("r1", "because"))).toBe(
      '{"type":"reasoning","summary":[{"type":"summary_text","text":"because"}],"id":"r1"}',
    );
    expect(JSON.stringify(createMcpApprovalResponseItem("i", "a", true))).toBe(
      '{"type":"mcp_approval_response","id":"i","approval_request_id":"a","approve":true,"reason":null}',
    );
    expect(ResponsesAgent.createTextDelta).toBe(createTextDelta);
  });

  it("the output reducer keeps only output_item.done items, in order", () => {
    const item = createTextOutputItem("x", "m");
    expect(
      responsesAgentOutputReducer([createTextDelta("x", "m"), { type: "response.output_item.done", item }]),
    ).toEqual({
      object: "response",
      output: [item],
    });
  });
});

describe("ResponsesAgent", () => {
  class Inline extends ResponsesAgent {
    override predict(request: ResponsesAgentRequest) {
      return { output: [createTextOutputItem(`n=${request.input.length}`, "m")] };
    }
  }

  it("predict accepts the request and validates a request dict (INTERNAL_ERROR when invalid)", () => {
    const agent = new Inline();
    expect(agent.predict({ input: [{ role: "user", content: "a" }] })).toEqual({
      output: [createTextOutputItem("n=1", "m")],
    });
    let err: unknown;
    try {
      agent.predict({ input: [{ role: "robot", content: "a" }] } as unknown as ResponsesAgentRequest);
    } catch (e) {
      err = e;
    }
    expect((err as MlflowException).errorCode).toBe("INTERNAL_ERROR");
    expect((err as Error).message).toMatch(
      /Invalid dictionary input for a ResponsesAgent.*Invalid role: robot/,
    );
  });

  it("saves with MLflow's signature, example and task tag; predicts and streams after loading (dict form)", async () => {
    const target = dir("responses");
    const model = await saveModel(target, {
      pythonModel: path.join(SOURCES, "responses-agent.ts"),
      metadata: { team: "x" },
    });
    expect(model.signature?.inputs).toBe(RESPONSES_AGENT_INPUT_SCHEMA);
    expect(model.signature?.params ?? null).toBeNull();
    expect(model.metadata).toEqual({ task: "agent/v1/responses", team: "x" });
    expect((model.flavors.js_function as Record<string, unknown>).streamable).toBe(true);
    expect(JSON.parse(await readFile(path.join(target, "input_example.json"), "utf8"))).toEqual({
      input: [{ role: "user", content: "Hello!" }],
    });
    const loaded = await loadModel(target);
    const out = await loaded.predict({ input: [{ role: "user", content: "hi" }], custom_inputs: { a: 1 } });
    expect(out).toEqual({
      object: "response",
      output: [
        createFunctionCallItem("fc_1", "call_1", "echo", '{"text":"hi"}'),
        createFunctionCallOutputItem("call_1", "hi"),
        createTextOutputItem("echo: hi", "msg_1"),
      ],
      custom_outputs: { a: 1 },
    });
    const events = await collect(loaded.predictStream({ input: [{ role: "user", content: "a b" }] }));
    expect(events).toEqual([
      createTextDelta("echo:", "msg_1"),
      createTextDelta(" a", "msg_1"),
      createTextDelta(" b", "msg_1"),
      { type: "response.output_item.done", item: createTextOutputItem("echo: a b", "msg_1") },
    ]);
    const direct = loaded.unwrap() as ResponsesAgent;
    expect(direct.predict({ input: [{ role: "user", content: "z" }] })).toMatchObject({ object: "response" });
  });

  it("refuses an explicit signature (INVALID_PARAMETER_VALUE) and an invalid example (INTERNAL_ERROR)", async () => {
    const sig = { inputs: '[{"type": "string", "required": true}]', outputs: null, params: null };
    const e1 = await saveModel(dir("r-sig"), {
      pythonModel: path.join(SOURCES, "responses-agent.ts"),
      signature: sig,
    }).catch((e: unknown) => e);
    expect((e1 as MlflowException).errorCode).toBe("INVALID_PARAMETER_VALUE");
    expect((e1 as Error).message).toMatch(/ResponsesAgent subclasses have a standard signature/);
    const e2 = await saveModel(dir("r-ex"), {
      pythonModel: path.join(SOURCES, "responses-agent.ts"),
      inputExample: { messages: [] },
    }).catch((e: unknown) => e);
    expect((e2 as MlflowException).errorCode).toBe("INTERNAL_ERROR");
    expect((e2 as Error).message).toMatch(/Invalid input example. Expected a ResponsesRequest/);
  });

  it("fails the save when predict returns an invalid response", async () => {
    const err = await saveModel(dir("bad-agent"), { pythonModel: path.join(SOURCES, "bad-agent.mjs") }).catch(
      (e: unknown) => e,
    );
    expect((err as MlflowException).errorCode).toBe("INTERNAL_ERROR");
    expect((err as Error).message).toMatch(
      /^Failed to save ResponsesAgent\. .*schema\.Pydantic validation error: .*output\.0\.id/,
    );
  });

  it("loaded predict refuses an input that is not a dict", async () => {
    const target = dir("responses-2");
    await saveModel(target, { pythonModel: path.join(SOURCES, "responses-agent.ts") });
    const loaded = await loadModel(target, { suppressWarnings: true });
    const err = await loaded.predict("hello").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MlflowException);
  });
});

describe("ChatAgent", () => {
  class Inline extends ChatAgent {
    override predict(
      messages: ChatAgentMessage[],
      _context?: unknown,
      customInputs?: Record<string, unknown>,
    ) {
      return {
        messages: [{ role: "assistant", content: `${messages.length}`, id: "1" }],
        custom_outputs: customInputs ?? {},
      };
    }
  }

  it("predict accepts typed arguments or one request dict", () => {
    const a = new Inline();
    const typed = a.predict([{ role: "user", content: "x" }], undefined, { k: 1 });
    const dict = (a.predict as (r: unknown) => unknown)({
      messages: [{ role: "user", content: "x" }],
      custom_inputs: { k: 1 },
    });
    expect(dict).toEqual(typed);
    expect(() =>
      (a.predict as (r: unknown) => unknown)({ messages: [{ role: "tool", content: "x" }] }),
    ).toThrow(/Invalid dictionary input for a ChatAgent.*Both 'name' and 'tool_call_id'/);
  });

  it("saves with the ChatAgent signature and task tag; predict and stream after loading", async () => {
    const target = dir("chat-agent");
    const model = await saveModel(target, { pythonModel: path.join(SOURCES, "chat-agent.ts") });
    expect(model.signature?.inputs).toBe(CHAT_AGENT_INPUT_SCHEMA);
    expect(model.metadata).toEqual({ task: "agent/v2/chat" });
    const loaded = await loadModel(target);
    const request = {
      messages: [{ role: "user", content: "hey you" }],
      context: { user_id: "u1" },
      custom_inputs: { z: 2 },
    };
    expect(await loaded.predict(request)).toEqual({
      messages: [{ role: "assistant", content: "HEY YOU", id: "m-1" }],
      finish_reason: "stop",
      custom_outputs: { user: "u1", z: 2 },
    });
    expect(await collect(loaded.predictStream(request))).toEqual([
      { delta: { role: "assistant", content: "HEY", id: "m-1" } },
      { delta: { role: "assistant", content: "YOU", id: "m-1" } },
    ]);
  });
});

describe("ChatModel", () => {
  class Inline extends ChatModel {
    override predict(messages: ChatMessage[], params: ChatParams) {
      return { choices: [{ message: { role: "assistant", content: `${messages.length}/${params.n}` } }] };
    }
  }

  it("predict accepts (messages, params) or one request dict with the ChatParams defaults", () => {
    const m = new Inline();
    expect(m.predict([{ role: "user", content: "a" }], { n: 2 })).toEqual({
      choices: [{ message: { role: "assistant", content: "1/2" } }],
    });
    expect(
      (m.predict as (r: unknown) => unknown)({ messages: [{ role: "user", content: "a" }], unknown_key: 1 }),
    ).toEqual({
      choices: [{ message: { role: "assistant", content: "1/1" } }],
    });
  });

  it("saves with the ChatModel task tag; the loaded model fills MLflow's response defaults and streams chunks", async () => {
    const target = dir("chat-model");
    const model = await saveModel(target, { pythonModel: path.join(SOURCES, "chat-model.ts") });
    expect(model.metadata).toEqual({ task: "agent/v1/chat" });
    expect(JSON.parse(model.signature?.inputs ?? "[]")[0].name).toBe("messages");
    const loaded = await loadModel(target);
    const out = await loaded.predict({
      messages: [
        { role: "user", content: "a" },
        { role: "user", content: "b" },
      ],
      temperature: 0.5,
    });
    expect(JSON.stringify(out)).toBe(
      '{"choices":[{"message":{"role":"assistant","content":"2 messages at t=0.5"},"index":0,"finish_reason":"stop"}],"model":"counter","object":"chat.completion","created":1700000000}',
    );
    const chunks = await collect(loaded.predictStream({ messages: [{ role: "user", content: "a" }] }));
    expect(chunks).toEqual([
      {
        choices: [{ delta: { role: "assistant", content: "1" }, index: 0 }],
        object: "chat.completion.chunk",
        created: 1700000000,
      },
      {
        choices: [{ delta: { role: "assistant", content: " t=1" }, index: 0, finish_reason: "stop" }],
        object: "chat.completion.chunk",
        created: 1700000000,
      },
    ]);
  });
});

describe("loaded agent output validation", () => {
  it("ChatAgent responses need unique message ids; stream chunks need delta.id", async () => {
    const { agentImplementation } = await import("./agents/wrapper.js");
    const { createPythonModelContext } = await import("./base.js");
    class Dup extends ChatAgent {
      override predict() {
        return {
          messages: [
            { role: "assistant", content: "a", id: "same" },
            { role: "assistant", content: "b", id: "same" },
          ],
        };
      }
      override *predictStream() {
        yield { delta: { role: "assistant", content: "no id" } };
      }
    }
    const impl = agentImplementation(new Dup(), "chat_agent", createPythonModelContext());
    const err = await Promise.resolve(impl.predict({ messages: [{ role: "user", content: "x" }] })).catch(
      (e: unknown) => e,
    );
    expect((err as MlflowException).errorCode).toBe("INTERNAL_ERROR");
    expect((err as Error).message).toMatch(/must have unique IDs/);
    const stream = impl.predictStream?.({ messages: [{ role: "user", content: "x" }] });
    const streamErr = await collect(stream as AsyncIterable<unknown>).catch((e: unknown) => e);
    expect((streamErr as Error).message).toMatch(
      /delta` of ChatAgentChunk must contain a ChatAgentMessage object with an ID/,
    );
  });

  it("a bad request to a loaded agent is BAD_REQUEST; a ResponsesAgent without predictStream fails to stream", async () => {
    const { agentImplementation } = await import("./agents/wrapper.js");
    const { createPythonModelContext } = await import("./base.js");
    class NoStream extends ResponsesAgent {
      override predict() {
        return { output: [] };
      }
    }
    const impl = agentImplementation(new NoStream(), "responses", createPythonModelContext());
    const bad = await Promise.resolve(impl.predict({ input: [{ role: "user", content: null }] })).catch(
      (e: unknown) => e,
    );
    expect((bad as MlflowException).errorCode).toBe("BAD_REQUEST");
    expect((bad as Error).message).toMatch(/content must not be None/);
    expect(await impl.predict({ input: [] })).toEqual({ output: [] });
    const err = await collect(impl.predictStream?.({ input: [] }) as AsyncIterable<unknown>).catch(
      (e: unknown) => e,
    );
    expect((err as MlflowException).errorCode).toBe("NOT_IMPLEMENTED");
  });
});
