/**
 * Validation of agent requests, responses and stream events with the rules of MLflow's pydantic/dataclass types
 * (see the digest in mlflow-agent-interfaces.md). Validators collect every problem and report them together;
 * values are never rewritten (MLflow returns a dict result unchanged once it validates).
 */

export type Issues = string[];

/** Call `fn` for each element (a forEach whose callback may return early). */
export function each<T>(items: readonly T[], fn: (item: T, index: number) => unknown): void {
  for (let i = 0; i < items.length; i++) fn(items[i] as T, i);
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

const isStr = (v: unknown): v is string => typeof v === "string";
const isInt = (v: unknown): boolean => typeof v === "number" && Number.isInteger(v);
const isNum = (v: unknown): boolean => typeof v === "number";
const isBool = (v: unknown): boolean => typeof v === "boolean";
const present = (v: unknown): boolean => v !== undefined && v !== null;

function need(
  issues: Issues,
  at: string,
  obj: Record<string, unknown>,
  key: string,
  check: (v: unknown) => boolean,
  what: string,
): void {
  const v = obj[key];
  if (!present(v)) issues.push(`${at}${key}: Field required`);
  else if (!check(v)) issues.push(`${at}${key}: Input should be ${what}`);
}
function opt(
  issues: Issues,
  at: string,
  obj: Record<string, unknown>,
  key: string,
  check: (v: unknown) => boolean,
  what: string,
): void {
  const v = obj[key];
  if (present(v) && !check(v)) issues.push(`${at}${key}: Input should be ${what}`);
}

const ITEM_STATUS = ["in_progress", "completed", "incomplete"];

function checkStatus(issues: Issues, at: string, obj: Record<string, unknown>, owner: string): void {
  const s = obj.status;
  if (present(s) && !ITEM_STATUS.includes(s as string)) {
    issues.push(
      `${at}status: Invalid status: ${String(s)} for ${owner}. Must be 'in_progress', 'completed', or 'incomplete'.`,
    );
  }
}

function checkContext(issues: Issues, at: string, v: unknown): void {
  if (!isPlainObject(v)) {
    issues.push(`${at}: Input should be a valid dictionary`);
    return;
  }
  opt(issues, `${at}.`, v, "conversation_id", isStr, "a valid string");
  opt(issues, `${at}.`, v, "user_id", isStr, "a valid string");
}

function checkStringMap(issues: Issues, at: string, v: unknown): void {
  if (!isPlainObject(v)) issues.push(`${at}: Input should be a valid dictionary`);
  else
    for (const [k, val] of Object.entries(v))
      if (!isStr(val)) issues.push(`${at}.${k}: Input should be a valid string`);
}

function checkAnnotation(issues: Issues, at: string, a: unknown): void {
  if (!isPlainObject(a)) return void issues.push(`${at}: Input should be a valid dictionary`);
  const t = a.type;
  if (t === "url_citation") {
    need(issues, `${at}.`, a, "url", isStr, "a valid string");
    need(issues, `${at}.`, a, "title", isStr, "a valid string");
    opt(issues, `${at}.`, a, "start_index", isInt, "a valid integer");
    opt(issues, `${at}.`, a, "end_index", isInt, "a valid integer");
  } else if (t === "file_citation" || t === "file_path") {
    need(issues, `${at}.`, a, "file_id", isStr, "a valid string");
    need(issues, `${at}.`, a, "index", isInt, "a valid integer");
  } else issues.push(`${at}: Invalid annotation type: ${String(t)}`);
}

/** Output items (ResponsesAgentResponse.output[], also accepted as input items). */
export function checkOutputItem(issues: Issues, at: string, item: unknown): void {
  if (!isPlainObject(item)) return void issues.push(`${at}: Input should be a valid dictionary`);
  const p = `${at}.`;
  switch (item.type) {
    case "message": {
      need(issues, p, item, "id", isStr, "a valid string");
      const content = item.content;
      if (!Array.isArray(content)) issues.push(`${p}content: Field required (a list of content parts)`);
      else if (content.length === 0) issues.push(`${p}content: List should have at least 1 item`);
      else
        each(content, (part, i) => {
          const pa = `${p}content.${i}`;
          if (!isPlainObject(part)) return void issues.push(`${pa}: Input should be a valid dictionary`);
          if (part.type === "output_text") {
            need(issues, `${pa}.`, part, "text", isStr, "a valid string");
            if (present(part.annotations)) {
              if (!Array.isArray(part.annotations))
                issues.push(`${pa}.annotations: Input should be a valid list`);
              else each(part.annotations, (a, j) => checkAnnotation(issues, `${pa}.annotations.${j}`, a));
            }
          } else if (part.type === "refusal")
            need(issues, `${pa}.`, part, "refusal", isStr, "a valid string");
          else issues.push(`${pa}: Invalid content type: ${String(part.type)} for Content`);
        });
      if (present(item.role) && item.role !== "assistant")
        issues.push(`${p}role: Input should be 'assistant'`);
      checkStatus(issues, p, item, "ResponseOutputMessage");
      return;
    }
    case "function_call":
      need(issues, p, item, "call_id", isStr, "a valid string");
      need(issues, p, item, "name", isStr, "a valid string");
      need(issues, p, item, "arguments", isStr, "a valid string");
      opt(issues, p, item, "id", isStr, "a valid string");
      checkStatus(issues, p, item, "ResponseFunctionToolCall");
      return;
    case "function_call_output": {
      need(issues, p, item, "call_id", isStr, "a valid string");
      const out = item.output;
      if (!present(out)) issues.push(`${p}output: Field required`);
      else if (!isStr(out) && !(Array.isArray(out) && out.every(isPlainObject)))
        issues.push(`${p}output: Input should be a valid string or a list of objects`);
      checkStatus(issues, p, item, "FunctionCallOutput");
      return;
    }
    case "reasoning": {
      need(issues, p, item, "id", isStr, "a valid string");
      const s = item.summary;
      if (!Array.isArray(s)) issues.push(`${p}summary: Field required (a list)`);
      else
        each(s, (x, i) => {
          if (!isPlainObject(x) || x.type !== "summary_text" || !isStr(x.text))
            issues.push(`${p}summary.${i}: Input should be {"type": "summary_text", "text": <string>}`);
        });
      checkStatus(issues, p, item, "ResponseReasoningItem");
      return;
    }
    case "mcp_approval_request":
      for (const k of ["id", "arguments", "name", "server_label"])
        need(issues, p, item, k, isStr, "a valid string");
      checkStatus(issues, p, item, "McpApprovalRequest");
      return;
    case "mcp_approval_response":
      need(issues, p, item, "approval_request_id", isStr, "a valid string");
      need(issues, p, item, "approve", isBool, "a valid boolean");
      opt(issues, p, item, "id", isStr, "a valid string");
      opt(issues, p, item, "reason", isStr, "a valid string");
      checkStatus(issues, p, item, "McpApprovalResponse");
      return;
    case "file_search_call":
    case "computer_call":
    case "web_search_call":
      return;
    default:
      issues.push(`${at}: Invalid type: ${String(item.type)} for OutputItem`);
  }
}

function checkInputItem(issues: Issues, at: string, item: unknown): void {
  if (!isPlainObject(item)) return void issues.push(`${at}: Input should be a valid dictionary`);
  // A Message when it has a role and is not typed as another item; otherwise an output item.
  if (present(item.role) && (item.type === undefined || item.type === "message")) {
    const sub: Issues = [];
    checkMessage(sub, at, item);
    if (sub.length === 0) return;
    if (item.type === "message") {
      const asOutput: Issues = [];
      checkOutputItem(asOutput, at, item);
      if (asOutput.length === 0) return;
    }
    issues.push(...sub);
    return;
  }
  checkOutputItem(issues, at, item);
}

function checkMessage(issues: Issues, at: string, m: Record<string, unknown>): void {
  const p = `${at}.`;
  if (!["user", "assistant", "system", "developer"].includes(m.role as string)) {
    issues.push(
      `${p}role: Invalid role: ${String(m.role)}. Must be 'user', 'assistant', 'system', or 'developer'.`,
    );
  }
  const c = m.content;
  if (c === null || c === undefined) issues.push(`${p}content: content must not be None`);
  else if (Array.isArray(c)) {
    each(c, (part, i) => {
      if (!isPlainObject(part))
        return void issues.push(`${p}content.${i}: Input should be a valid dictionary`);
      if (isStr(part.text)) return;
      if (!("type" in part))
        return void issues.push(
          `${p}content.${i}: dictionary type content field values must have key 'type'`,
        );
      if (part.type !== "input_image" && part.type !== "input_file")
        issues.push(`${p}content.${i}: Invalid type: ${String(part.type)}.`);
    });
  } else if (!isStr(c)) issues.push(`${p}content: Input should be a valid string or list`);
  checkStatus(issues, p, m, "Message");
}

function checkTools(issues: Issues, at: string, tools: unknown): void {
  if (!Array.isArray(tools)) return void issues.push(`${at}: Input should be a valid list`);
  each(tools, (t, i) => {
    const ta = `${at}.${i}`;
    if (!isPlainObject(t)) return void issues.push(`${ta}: Input should be a valid dictionary`);
    need(issues, `${ta}.`, t, "type", isStr, "a valid string");
    if (t.type === "function") {
      need(issues, `${ta}.`, t, "name", isStr, "a valid string");
      need(issues, `${ta}.`, t, "parameters", isPlainObject, "a valid dictionary");
      opt(issues, `${ta}.`, t, "strict", isBool, "a valid boolean");
      opt(issues, `${ta}.`, t, "description", isStr, "a valid string");
    }
  });
}

/** ResponsesAgentRequest rules. */
export function responsesRequestIssues(req: unknown): Issues {
  const issues: Issues = [];
  if (!isPlainObject(req)) return ["Input should be a valid dictionary"];
  if (!Array.isArray(req.input))
    issues.push(present(req.input) ? "input: Input should be a valid list" : "input: Field required");
  else each(req.input, (item, i) => checkInputItem(issues, `input.${i}`, item));
  if (present(req.custom_inputs) && !isPlainObject(req.custom_inputs))
    issues.push("custom_inputs: Input should be a valid dictionary");
  if (present(req.context)) checkContext(issues, "context", req.context);
  const tc = req.tool_choice;
  if (present(tc) && !isStr(tc) && !(isPlainObject(tc) && tc.type === "function" && isStr(tc.name)))
    issues.push('tool_choice: Input should be a string or {"type": "function", "name": <string>}');
  opt(issues, "", req, "truncation", isStr, "a valid string");
  opt(issues, "", req, "max_output_tokens", isInt, "a valid integer");
  if (present(req.metadata)) checkStringMap(issues, "metadata", req.metadata);
  for (const k of ["parallel_tool_calls", "store", "stream", "background"])
    opt(issues, "", req, k, isBool, "a valid boolean");
  if (present(req.tools)) checkTools(issues, "tools", req.tools);
  if (present(req.reasoning) && !isPlainObject(req.reasoning))
    issues.push("reasoning: Input should be a valid dictionary");
  opt(issues, "", req, "temperature", isNum, "a valid number");
  opt(issues, "", req, "top_p", isNum, "a valid number");
  opt(issues, "", req, "user", isStr, "a valid string");
  return issues;
}

function checkResponseBody(issues: Issues, res: Record<string, unknown>): void {
  for (const k of [
    "object",
    "id",
    "model",
    "instructions",
    "previous_response_id",
    "user",
    "status",
    "truncation",
  ])
    opt(issues, "", res, k, isStr, "a valid string");
  opt(issues, "", res, "created_at", isNum, "a valid number");
  if (present(res.custom_outputs) && !isPlainObject(res.custom_outputs))
    issues.push("custom_outputs: Input should be a valid dictionary");
  if (present(res.error)) {
    if (!isPlainObject(res.error)) issues.push("error: Input should be a valid dictionary");
    else need(issues, "error.", res.error, "message", isStr, "a valid string");
  }
  if (present(res.usage)) {
    const u = res.usage;
    if (!isPlainObject(u)) issues.push("usage: Input should be a valid dictionary");
    else {
      for (const k of ["input_tokens", "output_tokens", "total_tokens"])
        need(issues, "usage.", u, k, isInt, "a valid integer");
      need(issues, "usage.", u, "input_tokens_details", isPlainObject, "a valid dictionary");
      need(issues, "usage.", u, "output_tokens_details", isPlainObject, "a valid dictionary");
      if (isPlainObject(u.input_tokens_details))
        need(
          issues,
          "usage.input_tokens_details.",
          u.input_tokens_details,
          "cached_tokens",
          isInt,
          "a valid integer",
        );
      if (isPlainObject(u.output_tokens_details))
        need(
          issues,
          "usage.output_tokens_details.",
          u.output_tokens_details,
          "reasoning_tokens",
          isInt,
          "a valid integer",
        );
    }
  }
  if (present(res.metadata)) checkStringMap(issues, "metadata", res.metadata);
  if (present(res.tools)) checkTools(issues, "tools", res.tools);
}

/** ResponsesAgentResponse rules. */
export function responsesResponseIssues(res: unknown): Issues {
  if (!isPlainObject(res)) return ["Input should be a valid dictionary"];
  const issues: Issues = [];
  if (!Array.isArray(res.output))
    issues.push(present(res.output) ? "output: Input should be a valid list" : "output: Field required");
  else each(res.output, (item, i) => checkOutputItem(issues, `output.${i}`, item));
  checkResponseBody(issues, res);
  return issues;
}

/** ResponsesAgentStreamEvent rules. */
export function responsesStreamEventIssues(ev: unknown): Issues {
  if (!isPlainObject(ev)) return ["Input should be a valid dictionary"];
  const issues: Issues = [];
  need(issues, "", ev, "type", isStr, "a valid string");
  if (present(ev.custom_outputs) && !isPlainObject(ev.custom_outputs))
    issues.push("custom_outputs: Input should be a valid dictionary");
  switch (ev.type) {
    case "response.output_text.delta":
      need(issues, "", ev, "item_id", isStr, "a valid string");
      need(issues, "", ev, "delta", isStr, "a valid string");
      opt(issues, "", ev, "content_index", isInt, "a valid integer");
      opt(issues, "", ev, "output_index", isInt, "a valid integer");
      break;
    case "response.output_text.annotation.added":
      need(issues, "", ev, "item_id", isStr, "a valid string");
      need(issues, "", ev, "annotation_index", isInt, "a valid integer");
      if (!present(ev.annotation)) issues.push("annotation: Field required");
      else checkAnnotation(issues, "annotation", ev.annotation);
      break;
    case "response.output_item.done":
      if (!present(ev.item)) issues.push("item: Field required");
      else checkOutputItem(issues, "item", ev.item);
      opt(issues, "", ev, "output_index", isInt, "a valid integer");
      break;
    case "error":
      need(issues, "", ev, "message", isStr, "a valid string");
      opt(issues, "", ev, "code", isStr, "a valid string");
      opt(issues, "", ev, "param", isStr, "a valid string");
      break;
    case "response.completed":
      if (!isPlainObject(ev.response)) issues.push("response: Field required");
      else issues.push(...responsesResponseIssues(ev.response).map((s) => `response.${s}`));
      break;
    default:
  }
  return issues;
}

// ---------------------------------------------------------------- ChatAgent
function checkChatAgentMessage(issues: Issues, at: string, m: unknown, needId: boolean): void {
  if (!isPlainObject(m)) return void issues.push(`${at}: Input should be a valid dictionary`);
  const p = `${at}.`;
  need(issues, p, m, "role", isStr, "a valid string");
  opt(issues, p, m, "content", isStr, "a valid string");
  opt(issues, p, m, "name", isStr, "a valid string");
  opt(issues, p, m, "id", isStr, "a valid string");
  opt(issues, p, m, "tool_call_id", isStr, "a valid string");
  if (present(m.attachments)) checkStringMap(issues, `${p}attachments`, m.attachments);
  if (present(m.tool_calls)) {
    if (!Array.isArray(m.tool_calls)) issues.push(`${p}tool_calls: Input should be a valid list`);
    else
      each(m.tool_calls, (tc, i) => {
        const ta = `${p}tool_calls.${i}`;
        if (!isPlainObject(tc)) return void issues.push(`${ta}: Input should be a valid dictionary`);
        need(issues, `${ta}.`, tc, "id", isStr, "a valid string");
        opt(issues, `${ta}.`, tc, "type", isStr, "a valid string");
        need(issues, `${ta}.`, tc, "function", isPlainObject, "a valid dictionary");
      });
  }
  if (!present(m.content) && !present(m.tool_calls))
    issues.push(`${at}: Either 'content' or 'tool_calls' must be provided.`);
  if (
    m.role === "tool" &&
    !(isStr(m.name) && m.name.length > 0 && isStr(m.tool_call_id) && m.tool_call_id.length > 0)
  )
    issues.push(`${at}: Both 'name' and 'tool_call_id' must be provided for tool messages.`);
  if (needId && !isStr(m.id)) issues.push(`${at}: missing id`);
}

export function chatAgentRequestIssues(req: unknown): Issues {
  if (!isPlainObject(req)) return ["Input should be a valid dictionary"];
  const issues: Issues = [];
  if (!Array.isArray(req.messages))
    issues.push(
      present(req.messages) ? "messages: Input should be a valid list" : "messages: Field required",
    );
  else each(req.messages, (m, i) => checkChatAgentMessage(issues, `messages.${i}`, m, false));
  if ("context" in req && req.context !== undefined) checkContext(issues, "context", req.context);
  if (present(req.custom_inputs) && !isPlainObject(req.custom_inputs))
    issues.push("custom_inputs: Input should be a valid dictionary");
  opt(issues, "", req, "stream", isBool, "a valid boolean");
  return issues;
}

function checkChatUsage(issues: Issues, u: unknown): void {
  if (!isPlainObject(u)) return void issues.push("usage: Input should be a valid dictionary");
  for (const k of ["prompt_tokens", "completion_tokens", "total_tokens"])
    opt(issues, "usage.", u, k, isInt, "a valid integer");
}

export function chatAgentResponseIssues(res: unknown): Issues {
  if (!isPlainObject(res)) return ["Input should be a valid dictionary"];
  const issues: Issues = [];
  if (!Array.isArray(res.messages))
    issues.push(
      present(res.messages) ? "messages: Input should be a valid list" : "messages: Field required",
    );
  else {
    const sub: Issues = [];
    each(res.messages, (m, i) => checkChatAgentMessage(sub, `messages.${i}`, m, false));
    issues.push(...sub.filter((s) => !s.endsWith("missing id")));
    const ids = res.messages.map((m) => (isPlainObject(m) ? m.id : undefined));
    if (ids.some((id) => !isStr(id)))
      issues.push(
        "All ChatAgentMessage objects in field `messages` must have an ID. You can use `str(uuid.uuid4())` to generate a unique ID.",
      );
    else if (new Set(ids).size !== ids.length)
      issues.push(
        "All ChatAgentMessage objects in field `messages` must have unique IDs. You can use `str(uuid.uuid4())` to generate a unique ID.",
      );
  }
  opt(issues, "", res, "finish_reason", isStr, "a valid string");
  if (present(res.custom_outputs) && !isPlainObject(res.custom_outputs))
    issues.push("custom_outputs: Input should be a valid dictionary");
  if (present(res.usage)) checkChatUsage(issues, res.usage);
  return issues;
}

export function chatAgentChunkIssues(chunk: unknown): Issues {
  if (!isPlainObject(chunk)) return ["Input should be a valid dictionary"];
  const issues: Issues = [];
  if (!isPlainObject(chunk.delta)) issues.push("delta: Field required");
  else {
    const sub: Issues = [];
    checkChatAgentMessage(sub, "delta", chunk.delta, false);
    issues.push(...sub);
    if (!isStr(chunk.delta.id))
      issues.push(
        "The field `delta` of ChatAgentChunk must contain a ChatAgentMessage object with an ID. See the documentation for an example.",
      );
  }
  opt(issues, "", chunk, "finish_reason", isStr, "a valid string");
  if (present(chunk.custom_outputs) && !isPlainObject(chunk.custom_outputs))
    issues.push("custom_outputs: Input should be a valid dictionary");
  if (present(chunk.usage)) checkChatUsage(issues, chunk.usage);
  return issues;
}

// ---------------------------------------------------------------- ChatModel
export function chatMessageIssues(at: string, m: unknown): Issues {
  if (!isPlainObject(m)) return [`${at}: must be a dictionary`];
  const issues: Issues = [];
  if (!isStr(m.role)) issues.push(`${at}: \`role\` must be of type str, got ${typeof m.role}`);
  const hasContent = present(m.content);
  if (hasContent && !isStr(m.content)) issues.push(`${at}: \`content\` must be of type str`);
  if (!hasContent && !present(m.tool_calls) && !present(m.refusal))
    issues.push(`${at}: \`content\` is required`);
  if (present(m.refusal) && isStr(m.content) && m.content.length > 0)
    issues.push(`${at}: Both \`content\` and \`refusal\` cannot be set`);
  if (present(m.tool_calls)) {
    if (!Array.isArray(m.tool_calls)) issues.push(`${at}: \`tool_calls\` must be a list`);
    else
      each(m.tool_calls, (tc, i) => {
        if (
          !isPlainObject(tc) ||
          !isPlainObject(tc.function) ||
          !isStr(tc.function.name) ||
          !isStr(tc.function.arguments)
        )
          issues.push(
            `${at}.tool_calls.${i}: \`function\` with \`name\` and \`arguments\` (strings) is required`,
          );
      });
  }
  return issues;
}

export function chatCompletionResponseIssues(res: unknown, chunk: boolean): Issues {
  if (!isPlainObject(res)) return ["must be a dictionary"];
  const issues: Issues = [];
  if (!Array.isArray(res.choices)) issues.push("`choices` is required and must be a list");
  else
    each(res.choices, (c, i) => {
      if (!isPlainObject(c)) return void issues.push(`choices.${i}: must be a dictionary`);
      if (chunk) {
        if (!isPlainObject(c.delta)) issues.push(`choices.${i}: \`delta\` is required`);
      } else if (!isPlainObject(c.message)) issues.push(`choices.${i}: \`message\` is required`);
      else issues.push(...chatMessageIssues(`choices.${i}.message`, c.message));
      opt(issues, `choices.${i}.`, c, "index", isInt, "an integer");
    });
  for (const k of ["id", "model", "object"]) opt(issues, "", res, k, isStr, "a string");
  opt(issues, "", res, "created", isInt, "an integer");
  return issues;
}
