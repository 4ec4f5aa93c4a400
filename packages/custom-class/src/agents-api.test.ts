import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadModel } from "@pyfunc/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CHAT_AGENT_INPUT_EXAMPLE,
  createReasoningItem,
  createTextDelta,
  createTextOutputItem,
  ResponsesAgent,
  responsesAgentOutputReducer,
  saveModel,
} from "./index.js";

const SOURCES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../test-sources");
let root: string;
const dir = (name: string) => path.join(root, name);
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "pyfunc-agents-api-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function collect(it: AsyncIterable<unknown>): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe("ResponsesAgent helpers as MLflow exposes them", () => {
  it("has responsesAgentOutputReducer as a static, reducing stream events to a response", () => {
    expect(ResponsesAgent.responsesAgentOutputReducer).toBe(responsesAgentOutputReducer);
    const item = createTextOutputItem("done", "m1");
    expect(
      ResponsesAgent.responsesAgentOutputReducer([
        createTextDelta("do", "m1"),
        { type: "response.output_item.done", item },
      ]),
    ).toEqual({ object: "response", output: [item] });
  });

  it("lets agent code call the create* helpers on `this`, saved, loaded and streamed", async () => {
    const target = dir("helpers");
    await saveModel(target, { pythonModel: path.join(SOURCES, "helper-agent.ts") });
    const loaded = await loadModel(target);
    expect(await loaded.predict({ input: [{ role: "user", content: "yo" }] })).toEqual({
      output: [createReasoningItem("rs_1", "thinking"), createTextOutputItem("you said yo", "msg_1")],
    });
    const events = await collect(loaded.predictStream({ input: [{ role: "user", content: "yo" }] }));
    expect(ResponsesAgent.responsesAgentOutputReducer(events as never)).toEqual({
      object: "response",
      output: [createTextOutputItem("yo", "msg_1")],
    });
  });
});

describe("agent and PythonModel forms without tests before", () => {
  it("saves a ChatAgent with MLflow's default input example", async () => {
    const target = dir("chat-agent");
    const model = await saveModel(target, { pythonModel: path.join(SOURCES, "chat-agent.ts") });
    expect(JSON.parse(await readFile(path.join(target, "input_example.json"), "utf8"))).toEqual(
      CHAT_AGENT_INPUT_EXAMPLE,
    );
    expect(model.savedInputExampleInfo?.type).toBe("json_object");
    const loaded = await loadModel(target);
    const example = await loaded.loadInputExample();
    expect(example).toEqual({ messages: [{ role: "user", content: "Hello!" }] });
    expect(await loaded.predict(example as never)).toMatchObject({
      messages: [{ role: "assistant", content: "HELLO!" }],
    });
  });

  it("calls a ChatModel's predict(context, messages, params) with the model config", async () => {
    const target = dir("chat-context");
    await saveModel(target, {
      pythonModel: path.join(SOURCES, "context-chat-model.ts"),
      modelConfig: { greeting: "hello" },
    });
    const loaded = await loadModel(target);
    const out = (await loaded.predict({ messages: [{ role: "user", content: "a" }], temperature: 0.5 })) as {
      choices: Array<{ message: { content: string } }>;
    };
    expect(out.choices[0]?.message.content).toBe("hello x1 t=0.5");
  });

  it("calls PythonModel.predictStream(context, input) with the context first", async () => {
    const target = dir("stream-context");
    await saveModel(target, {
      pythonModel: path.join(SOURCES, "context-stream.ts"),
      modelConfig: { prefix: ">", times: 2 },
    });
    const loaded = await loadModel(target);
    expect(loaded.isStreamable).toBe(true);
    expect(loaded.modelConfig).toEqual({ prefix: ">", times: 2 });
    expect(await loaded.predict(["a"])).toEqual([">a"]);
    expect(await collect(loaded.predictStream(["a", "b"]))).toEqual([">a", ">b", ">a", ">b"]);
  });
});
