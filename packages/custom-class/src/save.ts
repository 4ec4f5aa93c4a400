import { cp, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  saveModel as coreSaveModel,
  MlflowException,
  Model,
  type Params,
  type PyFuncInput,
  type PyFuncOutput,
  type SaveModelOptions,
  type SignatureInput,
} from "@pyfunc/core";
import { stageModelCode } from "@pyfunc/core/model-code";
import {
  signatureFromRowSchemas,
  TYPE_FROM_EXAMPLE_ERROR_MESSAGE,
  updateSignatureForTypeHintFromExample,
} from "@pyfunc/core/schema";
import { parseChatCompletionRequest } from "./agents/chat-model.js";
import {
  AGENT_TASKS,
  CHAT_AGENT_INPUT_EXAMPLE,
  CHAT_AGENT_INPUT_SCHEMA,
  CHAT_AGENT_OUTPUT_SCHEMA,
  CHAT_MODEL_INPUT_EXAMPLE,
  CHAT_MODEL_INPUT_SCHEMA,
  CHAT_MODEL_OUTPUT_SCHEMA,
  RESPONSES_AGENT_INPUT_EXAMPLE,
  RESPONSES_AGENT_INPUT_SCHEMA,
  RESPONSES_AGENT_OUTPUT_SCHEMA,
} from "./agents/signatures.js";
import { chatAgentRequestIssues, isPlainObject, responsesRequestIssues } from "./agents/validate.js";
import { type AgentKind, agentKindOf, createPythonModelContext } from "./base.js";
import { CUSTOM_CLASS_LOADER_MODULE, importModelInstance } from "./plugin.js";
import { zodJsonSchema } from "./schema.js";
import { PACKAGE_VERSION } from "./version.js";
import { declaredSchemas, declaresTypeFromExample, implementationFor } from "./wrapper.js";

export interface SaveCustomModelOptions {
  /** The model-code file (`.ts`/`.mts`/`.js`/`.mjs`) that calls `setModel(instance)` or default-exports it. */
  pythonModel: string;
  /** Artifact name → local path or `file://` URI (file or directory), copied under `artifacts/`. */
  artifacts?: Record<string, string>;
  /** Written as the pyfunc block's `config`; available as `context.modelConfig` (overridable at load). */
  modelConfig?: Record<string, unknown>;
  /** Files or directories copied under `code/` (recorded as `code`). */
  codePaths?: string[];
  /** The model signature; derived from `static inputSchema`/`outputSchema` or inferred from the example when absent. */
  signature?: SignatureInput | null;
  inputExample?: PyFuncInput;
  inputExampleParams?: Params;
  metadata?: Record<string, unknown>;
  /** Default: true when the class defines `predictStream` (always true for the agent interfaces). */
  streamable?: boolean;
  /** Base directory of relative paths. Default `process.cwd()`. */
  cwd?: string;
}

interface ResolvedArtifact {
  name: string;
  source: string;
  uri: string;
  relPath: string;
}

async function resolveArtifacts(artifacts: Record<string, string>, cwd: string): Promise<ResolvedArtifact[]> {
  const out: ResolvedArtifact[] = [];
  const used = new Map<string, string>();
  for (const [name, uri] of Object.entries(artifacts)) {
    if (typeof uri !== "string" || uri.length === 0) {
      throw MlflowException.invalidParameter(`Artifact '${name}' must be a path or a file:// URI.`);
    }
    let source: string;
    if (/^file:/i.test(uri)) source = fileURLToPath(uri);
    else if (/^[a-zA-Z][a-zA-Z0-9+.-]+:\/\//.test(uri)) {
      throw MlflowException.invalidParameter(
        `Artifact '${name}' has URI '${uri}': only local paths and file:// URIs are supported; download it first.`,
      );
    } else source = path.resolve(cwd, uri);
    const st = await stat(source).catch(() => undefined);
    if (!st) throw MlflowException.invalidParameter(`Artifact '${name}' not found at '${source}'.`);
    const base = path.basename(source);
    const clash = used.get(base);
    if (clash !== undefined) {
      throw MlflowException.invalidParameter(
        `Artifacts '${clash}' and '${name}' would both be saved as 'artifacts/${base}'; rename one of them.`,
      );
    }
    used.set(base, name);
    out.push({ name, source, uri, relPath: `artifacts/${base}` });
  }
  return out;
}

const AGENT_NAMES: Record<AgentKind, string> = {
  responses: "ResponsesAgent",
  chat_agent: "ChatAgent",
  chat_model: "ChatModel",
};
const REQUEST_NAMES: Record<AgentKind, string> = {
  responses: "ResponsesRequest",
  chat_agent: "ChatAgentRequest",
  chat_model: "ChatCompletionRequest",
};
const RESPONSE_NAMES: Record<AgentKind, string> = {
  responses: "ResponsesResponse",
  chat_agent: "ChatAgentResponse",
  chat_model: "ChatCompletionResponse",
};

function agentDefaults(kind: AgentKind): {
  inputs: string;
  outputs: string;
  example: Record<string, unknown>;
} {
  if (kind === "responses")
    return {
      inputs: RESPONSES_AGENT_INPUT_SCHEMA,
      outputs: RESPONSES_AGENT_OUTPUT_SCHEMA,
      example: RESPONSES_AGENT_INPUT_EXAMPLE,
    };
  if (kind === "chat_agent")
    return {
      inputs: CHAT_AGENT_INPUT_SCHEMA,
      outputs: CHAT_AGENT_OUTPUT_SCHEMA,
      example: CHAT_AGENT_INPUT_EXAMPLE,
    };
  return {
    inputs: CHAT_MODEL_INPUT_SCHEMA,
    outputs: CHAT_MODEL_OUTPUT_SCHEMA,
    example: CHAT_MODEL_INPUT_EXAMPLE,
  };
}

/** Check (and for ChatModel, reshape) a user input example of an agent, as MLflow does at save. */
function agentExample(kind: AgentKind, example: PyFuncInput): Record<string, unknown> {
  const fail = (detail: string): never => {
    throw new MlflowException(
      `Invalid input example. Expected a ${REQUEST_NAMES[kind]} object or dictionary with its schema. Pydantic validation error: ${detail}`,
      "INTERNAL_ERROR",
    );
  };
  if (kind === "chat_model") {
    const dict = Array.isArray(example) ? { messages: example } : example;
    if (!isPlainObject(dict)) return fail("expected a list of messages or a dict");
    try {
      const { messages } = parseChatCompletionRequest(dict);
      const out: Record<string, unknown> = { messages };
      for (const [k, v] of Object.entries(dict))
        if (k !== "messages" && k in CHAT_MODEL_INPUT_EXAMPLE_KEYS) out[k] = v;
      return out;
    } catch (error) {
      return fail((error as Error).message);
    }
  }
  if (!isPlainObject(example)) return fail("expected a dictionary");
  const issues = kind === "responses" ? responsesRequestIssues(example) : chatAgentRequestIssues(example);
  if (issues.length > 0) fail(issues.join("; "));
  return example;
}
const CHAT_MODEL_INPUT_EXAMPLE_KEYS: Record<string, true> = Object.fromEntries(
  [
    "temperature",
    "max_tokens",
    "stop",
    "n",
    "stream",
    "top_p",
    "top_k",
    "frequency_penalty",
    "presence_penalty",
    "custom_inputs",
    "tools",
  ].map((k) => [k, true]),
);

/**
 * Save a custom-class model ("models from code"): the model-code file is compiled with esbuild into one ES module
 * (relative imports inlined, package imports resolved from the loading application), artifacts are copied under
 * `artifacts/`, and the MLmodel gets a `js_function` block with `loader_module: "@pyfunc/custom-class"`.
 * The code is run once at save time (as MLflow does) to find the model, detect streaming and agent interfaces,
 * and, when there is an input example, to check or infer the output.
 */
export async function saveModel(target: string, options: SaveCustomModelOptions): Promise<Model> {
  if (!options || typeof options.pythonModel !== "string" || options.pythonModel.length === 0) {
    throw MlflowException.invalidParameter(
      "saveModel: `pythonModel` (path of the model-code file) is required.",
    );
  }
  const cwd = options.cwd ?? process.cwd();
  const artifacts = await resolveArtifacts(options.artifacts ?? {}, cwd);
  const staged = await stageModelCode(options.pythonModel, cwd);
  try {
    const instance = await importModelInstance(staged.stagingDir, staged.bundlePath, [import.meta.url]);
    const context = createPythonModelContext(
      Object.fromEntries(artifacts.map((a) => [a.name, a.source])),
      options.modelConfig ?? {},
    );
    const impl = await implementationFor(instance, context);
    const kind = agentKindOf(instance);

    const coreOptions: SaveModelOptions = {
      loaderModule: CUSTOM_CLASS_LOADER_MODULE,
      pyfuncFlavorKey: "js_function",
      code: null,
      packageVersions: { "@pyfunc/custom-class": PACKAGE_VERSION },
      writeFiles: async (dir) => {
        await cp(staged.bundlePath, path.join(dir, staged.fileName));
        for (const a of artifacts)
          await cp(a.source, path.join(dir, a.relPath), { recursive: true, errorOnExist: true });
      },
    };
    if (options.codePaths) coreOptions.codePaths = options.codePaths.map((p) => path.resolve(cwd, p));
    if (options.modelConfig) coreOptions.modelConfig = options.modelConfig;
    let streamable: boolean;
    let metadata = options.metadata;

    if (kind) {
      const name = AGENT_NAMES[kind];
      if (options.signature !== undefined && options.signature !== null) {
        throw MlflowException.invalidParameter(
          `${name} subclasses have a standard signature that is set automatically. Please remove the \`signature\` parameter from the call to log_model() or save_model().`,
        );
      }
      const defaults = agentDefaults(kind);
      const example =
        options.inputExample === undefined ? defaults.example : agentExample(kind, options.inputExample);
      try {
        await impl.predict(example);
      } catch (error) {
        throw new MlflowException(
          `Failed to save ${name}. Ensure your model's predict() method returns a ${RESPONSE_NAMES[kind]} object or a dict with the same schema.` +
            `Pydantic validation error: ${(error as Error).message}`,
          "INTERNAL_ERROR",
          { cause: error },
        );
      }
      coreOptions.signature = { inputs: defaults.inputs, outputs: defaults.outputs, params: null };
      coreOptions.inputExample = example;
      metadata = { task: AGENT_TASKS[kind], ...(options.metadata ?? {}) };
      streamable = true;
    } else {
      streamable = options.streamable ?? typeof instance.predictStream === "function";
      const schemas = declaredSchemas(instance);
      if (options.signature !== undefined) coreOptions.signature = options.signature;
      else if (schemas.input) {
        coreOptions.signature = signatureFromRowSchemas({ ...schemas, input: schemas.input }, zodJsonSchema);
        // As MLflow marks signatures from type hints: the row schema validates the input, so core must not
        // re-split it by the column signature (a `z.record` row would otherwise become one string per column).
        const typed = new Model();
        typed.isSignatureFromTypeHint = true;
        coreOptions.mlflowModel = typed;
      }
      if (declaresTypeFromExample(instance)) {
        // MLflow's TypeFromExample type hint: the signature comes from the example (or `signature`), and the model is
        // marked so that predict hands it the input in the example's form
        if (options.inputExample === undefined)
          process.emitWarning(TYPE_FROM_EXAMPLE_ERROR_MESSAGE, "PyfuncWarning");
        else if (options.signature !== null) {
          const marked = new Model();
          if (updateSignatureForTypeHintFromExample(options.inputExample, marked))
            coreOptions.mlflowModel = marked;
        }
      }
      if (options.inputExample !== undefined) {
        coreOptions.inputExample = options.inputExample;
        if (options.inputExampleParams) coreOptions.inputExampleParams = options.inputExampleParams;
        coreOptions.predictForSignature = async (example: PyFuncInput): Promise<PyFuncOutput> =>
          await impl.predict(example, options.inputExampleParams);
      }
    }
    if (metadata) coreOptions.metadata = metadata;
    const artifactBlock: Record<string, { path: string; uri: string }> = {};
    for (const a of artifacts) artifactBlock[a.name] = { path: a.relPath, uri: a.uri };
    coreOptions.pyfuncExtra = {
      model_code_path: staged.fileName,
      model_code_source: path.basename(staged.entryPath),
      streamable,
      ...(artifacts.length > 0 ? { artifacts: artifactBlock } : {}),
    };
    return await coreSaveModel(target, coreOptions);
  } finally {
    await staged.dispose();
  }
}
