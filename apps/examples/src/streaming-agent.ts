/**
 * Example 3, a streaming ResponsesAgent served over Server-Sent Events: save streaming-agent/agent.ts, serve it
 * with the @pyfunc scoring server, send `"stream": true` to /invocations and print the text deltas as they arrive,
 * then ask the same question without streaming and check both answers agree.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { saveModel } from "@pyfunc/custom-class";
import { startServer } from "@pyfunc/server";
import { resolveModelPackagesFromExamples, streamingAgentDir } from "./example-paths.js";

resolveModelPackagesFromExamples();

const question = process.argv.slice(2).join(" ") || "How much is 26.2 mi in km?";

interface StreamEvent {
  type?: string;
  delta?: string;
  item?: { type: string; name?: string; arguments?: string; output?: string; content?: { text?: string }[] };
  error?: string;
}

/** POST with `"stream": true` and yield the JSON of each `data:` event until `[DONE]`, as the bytes arrive. */
async function* streamInvocation(url: string, body: unknown): AsyncGenerator<StreamEvent> {
  const res = await fetch(`${url}/invocations`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
    body: JSON.stringify(body),
  });
  const type = res.headers.get("content-type") ?? "";
  if (res.status !== 200 || !type.startsWith("text/event-stream") || res.body === null) {
    throw new Error(`expected an event stream, got HTTP ${res.status} ${type}: ${await res.text()}`);
  }
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const bytes of res.body) {
    buffered += decoder.decode(bytes as Uint8Array, { stream: true });
    let end = buffered.indexOf("\n\n");
    while (end >= 0) {
      const block = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      end = buffered.indexOf("\n\n");
      const data = block
        .split("\n")
        .filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(5).trimStart())
        .join("\n");
      if (data === "[DONE]") return;
      if (data !== "") yield JSON.parse(data) as StreamEvent;
    }
  }
  throw new Error("the stream ended without [DONE]");
}

const workDir = await mkdtemp(join(tmpdir(), "pyfunc-example-agent-"));
const modelDir = join(workDir, "unit-converter-agent");
let ok = true;
const check = (what: string, passed: boolean) => {
  if (!passed) console.log(`FAILED: ${what}`);
  ok &&= passed;
};

try {
  // Saving a ResponsesAgent writes MLflow's fixed agent signature, an input example, `streamable: true` and
  // `metadata.task: agent/v1/responses`.
  await saveModel(modelDir, {
    pythonModel: join(streamingAgentDir, "agent.ts"),
    modelConfig: { decimals: 2, wordDelayMs: 40 },
  });
  const server = await startServer({
    modelUri: modelDir,
    host: "127.0.0.1",
    port: 0,
    workers: 1,
    timeoutSeconds: 60,
    logger: false,
    handleSignals: false,
    imports: [import.meta.resolve("@pyfunc/custom-class")],
  });
  try {
    const request = { input: [{ role: "user", content: question }] };
    console.log(`Serving the agent at ${server.url}`);
    console.log(
      `$ curl -N ${server.url}/invocations -H 'Content-Type: application/json' -d '${JSON.stringify({ ...request, stream: true })}'\n`,
    );
    console.log(`user: ${question}`);

    let streamedText = "";
    let deltas = 0;
    let finalText: string | undefined;
    for await (const event of streamInvocation(server.url, { ...request, stream: true })) {
      if (event.error !== undefined) throw new Error(`the agent failed mid-stream: ${event.error}`);
      if (event.type === "response.output_text.delta") {
        if (deltas === 0) process.stdout.write("agent: ");
        process.stdout.write(event.delta ?? "");
        streamedText += event.delta ?? "";
        deltas++;
      } else if (event.type === "response.output_item.done" && event.item?.type === "function_call") {
        console.log(`  [tool call] ${event.item.name}(${event.item.arguments})`);
      } else if (event.type === "response.output_item.done" && event.item?.type === "function_call_output") {
        console.log(`  [tool output] ${event.item.output}`);
      } else if (event.type === "response.output_item.done" && event.item?.type === "message") {
        finalText = event.item.content?.map((c) => c.text ?? "").join("");
      }
    }
    process.stdout.write("\n");
    console.log(`\n${deltas} text deltas streamed; final message: ${JSON.stringify(finalText)}`);
    check("the text arrived as several deltas", deltas > 1);
    check("the deltas add up to the final message", streamedText === finalText);

    // Without "stream", the same request gets the whole ResponsesAgentResponse as one JSON answer.
    const res = await fetch(`${server.url}/invocations`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(request),
    });
    const response = (await res.json()) as { output?: { type: string; content?: { text: string }[] }[] };
    const message = response.output?.find((item) => item.type === "message");
    const text = message?.content?.map((c) => c.text).join("");
    console.log(
      `Without streaming: HTTP ${res.status}, ${response.output?.length} output items, message ${JSON.stringify(text)}`,
    );
    check("the non-streaming answer is the same message", res.status === 200 && text === finalText);
  } finally {
    await server.close();
  }
} finally {
  await rm(workDir, { recursive: true, force: true });
}

console.log(ok ? "\nOK: the agent streamed its answer over SSE." : "\nFAILED");
process.exitCode = ok ? 0 : 1;
