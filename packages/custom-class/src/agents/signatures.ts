/**
 * The fixed signatures, input examples and metadata task tags MLflow writes for its agent interfaces.
 * Input schemas of ResponsesAgent and ChatAgent are MLflow's strings verbatim; the others are built from the same
 * rules (object properties sorted by name, `json.dumps` separators).
 */

/** `json.dumps` of plain JSON data with Python's default separators (", " and ": "). */
export function pyJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string" || typeof value === "boolean") return JSON.stringify(value);
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(pyJsonDumps).join(", ")}]`;
  if (typeof value === "object") {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${JSON.stringify(k)}: ${pyJsonDumps(v)}`)
      .join(", ")}}`;
  }
  return JSON.stringify(String(value));
}

type Spec = Record<string, unknown>;
const s = (type: string, required: boolean): Spec => ({ type, required });
const arr = (items: Spec, required: boolean): Spec => ({ type: "array", items, required });
const obj = (properties: Record<string, Spec>, required?: boolean): Spec =>
  required === undefined ? { type: "object", properties } : { type: "object", properties, required };
const map = (values: Spec, required: boolean): Spec => ({ type: "map", values, required });
/** A top-level ColSpec: `{type, <items|properties|values>, name, required}` in MLflow's key order. */
function col(name: string, spec: Spec): Spec {
  const { required, ...rest } = spec;
  return { ...rest, name, required };
}

export const RESPONSES_AGENT_INPUT_SCHEMA =
  '[{"type": "boolean", "name": "background", "required": false}, {"type": "object", "properties": {"conversation_id": {"type": "string", "required": false}, "user_id": {"type": "string", "required": false}}, "name": "context", "required": false}, {"type": "map", "values": {"type": "any"}, "name": "custom_inputs", "required": false}, {"type": "array", "items": {"type": "any"}, "name": "input", "required": true}, {"type": "long", "name": "max_output_tokens", "required": false}, {"type": "map", "values": {"type": "string"}, "name": "metadata", "required": false}, {"type": "boolean", "name": "parallel_tool_calls", "required": false}, {"type": "object", "properties": {"effort": {"type": "string", "required": false}, "generate_summary": {"type": "string", "required": false}}, "name": "reasoning", "required": false}, {"type": "boolean", "name": "store", "required": false}, {"type": "boolean", "name": "stream", "required": false}, {"type": "double", "name": "temperature", "required": false}, {"type": "any", "name": "text", "required": false}, {"type": "any", "name": "tool_choice", "required": false}, {"type": "array", "items": {"type": "object", "properties": {"type": {"type": "string", "required": true}}}, "name": "tools", "required": false}, {"type": "double", "name": "top_p", "required": false}, {"type": "string", "name": "truncation", "required": false}, {"type": "string", "name": "user", "required": false}]';

const typedItems = obj({ type: s("string", true) });

export const RESPONSES_AGENT_OUTPUT_SCHEMA = pyJsonDumps([
  {
    type: "object",
    properties: {
      created_at: s("double", false),
      custom_outputs: map({ type: "any" }, false),
      error: obj({ code: s("string", false), message: s("string", true) }, false),
      id: s("string", false),
      incomplete_details: obj({ reason: s("string", false) }, false),
      instructions: s("string", false),
      max_output_tokens: s("long", false),
      metadata: map({ type: "string" }, false),
      model: s("string", false),
      object: s("string", true),
      output: arr(typedItems, true),
      parallel_tool_calls: s("boolean", false),
      previous_response_id: s("string", false),
      reasoning: obj({ effort: s("string", false), generate_summary: s("string", false) }, false),
      status: s("string", false),
      temperature: s("double", false),
      text: s("any", false),
      tool_choice: s("any", false),
      tools: arr(typedItems, false),
      top_p: s("double", false),
      truncation: s("string", false),
      usage: obj(
        {
          input_tokens: s("long", true),
          input_tokens_details: obj({ cached_tokens: s("long", true) }, true),
          output_tokens: s("long", true),
          output_tokens_details: obj({ reasoning_tokens: s("long", true) }, true),
          total_tokens: s("long", true),
        },
        false,
      ),
      user: s("string", false),
    },
    required: true,
  },
]);

export const CHAT_AGENT_INPUT_SCHEMA =
  '[{"type": "array", "items": {"type": "object", "properties": {"attachments": {"type": "map", "values": {"type": "string"}, "required": false}, "content": {"type": "string", "required": false}, "id": {"type": "string", "required": false}, "name": {"type": "string", "required": false}, "role": {"type": "string", "required": true}, "tool_call_id": {"type": "string", "required": false}, "tool_calls": {"type": "array", "items": {"type": "object", "properties": {"function": {"type": "object", "properties": {"arguments": {"type": "string", "required": true}, "name": {"type": "string", "required": true}}, "required": true}, "id": {"type": "string", "required": true}, "type": {"type": "string", "required": true}}}, "required": false}}}, "name": "messages", "required": true}, {"type": "object", "properties": {"conversation_id": {"type": "string", "required": false}, "user_id": {"type": "string", "required": false}}, "name": "context", "required": false}, {"type": "map", "values": {"type": "any"}, "name": "custom_inputs", "required": false}, {"type": "boolean", "name": "stream", "required": false}]';

const chatAgentMessagesCol = (JSON.parse(CHAT_AGENT_INPUT_SCHEMA) as Spec[])[0] as Spec;
export const CHAT_AGENT_OUTPUT_SCHEMA = pyJsonDumps([
  chatAgentMessagesCol,
  col("finish_reason", s("string", false)),
  col("custom_outputs", map({ type: "any" }, false)),
  col(
    "usage",
    obj(
      { completion_tokens: s("long", true), prompt_tokens: s("long", true), total_tokens: s("long", true) },
      false,
    ),
  ),
]);

const chatToolCall = obj({
  function: obj({ arguments: s("string", true), name: s("string", true) }, true),
  id: s("string", true),
  type: s("string", true),
});
const chatMessage = obj({
  content: s("string", false),
  name: s("string", false),
  refusal: s("string", false),
  role: s("string", true),
  tool_call_id: s("string", false),
  tool_calls: arr(chatToolCall, false),
});

export const CHAT_MODEL_INPUT_SCHEMA = pyJsonDumps([
  col("messages", arr(chatMessage, true)),
  col("temperature", s("double", false)),
  col("max_tokens", s("long", false)),
  col("stop", arr({ type: "string" }, false)),
  col("n", s("long", false)),
  col("stream", s("boolean", false)),
  col("top_p", s("double", false)),
  col("top_k", s("long", false)),
  col("frequency_penalty", s("double", false)),
  col("presence_penalty", s("double", false)),
  col(
    "tools",
    arr(
      obj({
        function: obj(
          {
            description: s("string", false),
            name: s("string", true),
            parameters: obj(
              {
                additionalProperties: s("boolean", false),
                properties: map(
                  obj({
                    description: s("string", false),
                    enum: arr({ type: "string" }, false),
                    items: obj({ type: s("string", true) }, false),
                    type: s("string", true),
                  }),
                  true,
                ),
                required: arr({ type: "string" }, false),
                type: s("string", false),
              },
              true,
            ),
            strict: s("boolean", false),
          },
          false,
        ),
        type: s("string", true),
      }),
      false,
    ),
  ),
  col("custom_inputs", map({ type: "any" }, false)),
]);

export const CHAT_MODEL_OUTPUT_SCHEMA = pyJsonDumps([
  col("id", s("string", true)),
  col("object", s("string", true)),
  col("created", s("long", true)),
  col("model", s("string", true)),
  col(
    "choices",
    arr(
      obj({
        finish_reason: s("string", true),
        index: s("long", true),
        message: { ...chatMessage, required: true },
      }),
      true,
    ),
  ),
  col(
    "usage",
    obj(
      { completion_tokens: s("long", true), prompt_tokens: s("long", true), total_tokens: s("long", true) },
      false,
    ),
  ),
  col("custom_outputs", map({ type: "any" }, false)),
]);

export const RESPONSES_AGENT_INPUT_EXAMPLE = { input: [{ role: "user", content: "Hello!" }] };
export const CHAT_AGENT_INPUT_EXAMPLE = { messages: [{ role: "user", content: "Hello!" }] };
export const CHAT_MODEL_INPUT_EXAMPLE = {
  messages: [{ role: "user", content: "Hello!" }],
  temperature: 1.0,
  max_tokens: 10,
  stop: ["\n"],
  n: 1,
  stream: false,
};

export const AGENT_TASKS = {
  responses: "agent/v1/responses",
  chat_agent: "agent/v2/chat",
  chat_model: "agent/v1/chat",
} as const;
