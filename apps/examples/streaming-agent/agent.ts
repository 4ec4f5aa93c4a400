/**
 * A streaming ResponsesAgent (MLflow's recommended agent interface, OpenAI Responses shaped) that converts units.
 * No LLM is involved, so the example runs offline and answers deterministically, but the events are the ones an
 * LLM agent with a tool streams: the tool call, the tool's output, then the answer as text deltas, each item
 * closed by a `response.output_item.done` event.
 *
 * model_config: `decimals` (rounding of the answer, default 2) and `wordDelayMs` (a pause between words, to make
 * the streaming visible; default 0).
 */
import {
  createFunctionCallItem,
  createFunctionCallOutputItem,
  createTextDelta,
  createTextOutputItem,
  ResponsesAgent,
  type ResponsesAgentRequest,
  type ResponsesAgentStreamEvent,
  responsesAgentOutputReducer,
  setModel,
} from "@pyfunc/custom-class";

/** Factor and offset to the base unit of each dimension (km, kg, °C). */
const UNITS: Record<
  string,
  { dimension: string; toBase: (v: number) => number; fromBase: (v: number) => number }
> = {
  km: { dimension: "length", toBase: (v) => v, fromBase: (v) => v },
  mi: { dimension: "length", toBase: (v) => v * 1.609344, fromBase: (v) => v / 1.609344 },
  kg: { dimension: "mass", toBase: (v) => v, fromBase: (v) => v },
  lb: { dimension: "mass", toBase: (v) => v * 0.45359237, fromBase: (v) => v / 0.45359237 },
  c: { dimension: "temperature", toBase: (v) => v, fromBase: (v) => v },
  f: { dimension: "temperature", toBase: (v) => ((v - 32) * 5) / 9, fromBase: (v) => (v * 9) / 5 + 32 },
};
const LABEL: Record<string, string> = { km: "km", mi: "miles", kg: "kg", lb: "lb", c: "°C", f: "°F" };
const QUESTION = /(-?\d+(?:\.\d+)?)\s*(km|mi|kg|lb|°?c|°?f)\b.*?\b(?:to|in|into)\s+(km|mi|kg|lb|°?c|°?f)\b/i;

const unit = (u: string) => u.replace("°", "").toLowerCase();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The text of the last user message of the request. */
function lastUserText(request: ResponsesAgentRequest): string {
  for (let i = request.input.length - 1; i >= 0; i--) {
    const item = request.input[i]!;
    if ("role" in item && item.role === "user") {
      const { content } = item as { content: unknown };
      if (typeof content === "string") return content;
      if (Array.isArray(content)) {
        return content.map((part) => (typeof part?.text === "string" ? part.text : "")).join(" ");
      }
    }
  }
  return "";
}

class UnitConverterAgent extends ResponsesAgent {
  override async predict(request: ResponsesAgentRequest) {
    const events: ResponsesAgentStreamEvent[] = [];
    for await (const event of this.predictStream(request)) events.push(event);
    return responsesAgentOutputReducer(events);
  }

  override async *predictStream(request: ResponsesAgentRequest): AsyncGenerator<ResponsesAgentStreamEvent> {
    const config = this.context?.modelConfig ?? {};
    const decimals = Number(config.decimals ?? 2);
    const wordDelayMs = Number(config.wordDelayMs ?? 0);
    const match = QUESTION.exec(lastUserText(request));
    let answer: string;
    if (match === null) {
      answer = "I convert km ↔ miles, kg ↔ lb and °C ↔ °F. Ask me, for example: convert 26.2 mi to km.";
    } else {
      const value = Number(match[1]);
      const [from, to] = [unit(match[2]!), unit(match[3]!)];
      // the "tool call": what an LLM agent would ask its tool, and the tool's answer
      yield {
        type: "response.output_item.done",
        item: createFunctionCallItem("fc_1", "call_1", "convert_units", JSON.stringify({ value, from, to })),
      };
      const ok = UNITS[from]!.dimension === UNITS[to]!.dimension;
      const result = ok ? UNITS[to]!.fromBase(UNITS[from]!.toBase(value)) : Number.NaN;
      yield {
        type: "response.output_item.done",
        item: createFunctionCallOutputItem("call_1", ok ? String(result) : "error: incompatible units"),
      };
      answer = ok
        ? `${value} ${LABEL[from]} is ${result.toFixed(decimals)} ${LABEL[to]}.`
        : `I cannot convert ${LABEL[from]} (${UNITS[from]!.dimension}) to ${LABEL[to]} (${UNITS[to]!.dimension}).`;
    }
    const words = answer.split(" ");
    for (let i = 0; i < words.length; i++) {
      if (wordDelayMs > 0) await sleep(wordDelayMs);
      yield createTextDelta(i === 0 ? words[i]! : ` ${words[i]}`, "msg_1");
    }
    yield { type: "response.output_item.done", item: createTextOutputItem(answer, "msg_1") };
  }
}

setModel(new UnitConverterAgent());
