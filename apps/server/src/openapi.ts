import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import { signatureSpecs } from "@pyfunc/core/protocol";
import type { FastifyInstance } from "fastify";
import type { ModelInfo } from "./model-types.js";
import { v2MetadataTensors } from "./v2.js";

type JsonSchema = Record<string, unknown>;

interface Spec {
  type: string;
  name?: string;
  required?: boolean;
  optional?: boolean;
  items?: Spec;
  properties?: Record<string, Spec>;
  values?: Spec;
  "tensor-spec"?: { dtype: string; shape: number[] };
  default?: unknown;
  shape?: number[] | null;
  dtype?: string;
}

function parseList(json: string | null | undefined): Spec[] | undefined {
  const specs = signatureSpecs(json) as Spec[] | undefined; // core's one signature view
  return specs !== undefined && specs.length > 0 ? specs : undefined;
}

function dtypeSchema(dtype: string): JsonSchema {
  if (dtype === "bool") return { type: "boolean" };
  if (/^u?int\d+$/.test(dtype)) return { type: "integer" };
  if (/^float\d+$/.test(dtype)) return { type: "number" };
  if (dtype === "bytes") return { type: "string", contentEncoding: "base64" };
  if (dtype === "str") return { type: "string" };
  return {};
}

/** JSON Schema for one MLflow DataType / Array / Object / Map / Any spec. */
export function colTypeSchema(spec: Spec): JsonSchema {
  switch (spec.type) {
    case "boolean":
      return { type: "boolean" };
    case "integer":
      return { type: "integer", format: "int32" };
    case "long":
      return { type: "integer", format: "int64" };
    case "float":
      return { type: "number", format: "float" };
    case "double":
      return { type: "number", format: "double" };
    case "string":
      return { type: "string" };
    case "binary":
      return { type: "string", contentEncoding: "base64" };
    case "datetime":
      return { type: "string", format: "date-time" };
    case "array":
      return { type: "array", items: spec.items ? colTypeSchema(spec.items) : {} };
    case "object": {
      const props = spec.properties ?? {};
      const required = Object.entries(props)
        .filter(([, p]) => p.required !== false && p.optional !== true)
        .map(([k]) => k);
      return {
        type: "object",
        properties: Object.fromEntries(Object.entries(props).map(([k, p]) => [k, colTypeSchema(p)])),
        ...(required.length > 0 ? { required } : {}),
        additionalProperties: false,
      };
    }
    case "map":
      return { type: "object", additionalProperties: spec.values ? colTypeSchema(spec.values) : {} };
    case "tensor": {
      const ts = spec["tensor-spec"];
      if (!ts) return {};
      let schema = dtypeSchema(ts.dtype);
      for (let i = ts.shape.length - 1; i >= 0; i--) {
        const d = ts.shape[i]!;
        schema = { type: "array", items: schema, ...(d >= 0 ? { minItems: d, maxItems: d } : {}) };
      }
      return schema;
    }
    default:
      return {};
  }
}

function paramSchema(p: Spec): JsonSchema {
  const t = p.type ?? p.dtype ?? "any";
  let base: JsonSchema =
    t === "object" ? colTypeSchema({ ...p, type: "object" }) : colTypeSchema({ type: t });
  if (Array.isArray(p.shape)) base = { type: "array", items: base };
  return p.default === undefined || p.default === null ? base : { ...base, default: p.default };
}

/** One model the document describes: its name and what its engine knows of it (signature, input example). */
export interface DocumentedModel {
  readonly name: string;
  readonly info: ModelInfo;
}

/** The component schemas, `/invocations` operation and `/v2/models/{name}/infer` operation of one model. */
function modelParts(
  info: ModelInfo,
  modelName: string,
  /** Component names of this model's own schemas: `Row` for the default model, `<model>.Row` for the others. */
  ref: (schema: string) => { $ref: string },
): { schemas: Record<string, JsonSchema>; invocations: JsonSchema; v2Infer: JsonSchema } {
  const inputs = parseList(info.signature?.inputs);
  const params = parseList(info.signature?.params);
  const columnBased = inputs?.every((s) => s.type !== "tensor") && inputs.every((s) => s.name);
  const anyValue: JsonSchema = {};

  let row: JsonSchema = { type: "object", additionalProperties: true };
  let columns: JsonSchema = { type: "object", additionalProperties: true };
  let tensorInputs: JsonSchema = anyValue;
  if (inputs !== undefined && columnBased) {
    const required = inputs
      .filter((s) => s.required !== false && s.optional !== true)
      .map((s) => s.name as string);
    row = {
      type: "object",
      properties: Object.fromEntries(inputs.map((s) => [s.name as string, colTypeSchema(s)])),
      required,
      additionalProperties: true,
    };
    columns = {
      type: "object",
      properties: Object.fromEntries(
        inputs.map((s) => [
          s.name as string,
          { oneOf: [colTypeSchema(s), { type: "array", items: colTypeSchema(s) }] },
        ]),
      ),
      additionalProperties: true,
    };
  } else if (inputs !== undefined) {
    tensorInputs =
      inputs.length === 1 && !inputs[0]!.name
        ? colTypeSchema(inputs[0]!)
        : {
            type: "object",
            properties: Object.fromEntries(inputs.map((s, i) => [s.name ?? String(i), colTypeSchema(s)])),
          };
  }
  const paramsSchema: JsonSchema =
    params === undefined
      ? { type: ["object", "null"], additionalProperties: true }
      : {
          type: ["object", "null"],
          properties: Object.fromEntries(params.map((p) => [p.name as string, paramSchema(p)])),
          additionalProperties: true,
        };
  const columnNames = inputs && columnBased ? inputs.map((s) => s.name as string) : undefined;
  const split: JsonSchema = {
    type: "object",
    properties: {
      columns: {
        type: "array",
        items: columnNames ? { type: "string", enum: columnNames } : { type: "string" },
      },
      data: { type: "array", items: { type: "array" } },
      index: { type: "array" },
    },
    required: ["data"],
    additionalProperties: false,
  };
  const withParams = (key: string, value: JsonSchema): JsonSchema => ({
    type: "object",
    title: key,
    properties: { [key]: value, params: ref("Params") },
    required: [key],
  });
  const requestSchema: JsonSchema = {
    oneOf: [
      withParams("dataframe_split", ref("DataframeSplit")),
      withParams("dataframe_records", { type: "array", items: ref("Row") }),
      withParams("instances", columnBased ? { type: "array", items: ref("Row") } : tensorInputs),
      withParams(
        "inputs",
        columnBased ? { oneOf: [{ type: "array", items: ref("Row") }, ref("Columns")] } : tensorInputs,
      ),
    ],
  };
  // the v2 inputs the signature names (GET /v2/models/{name}'s own list): one item schema per input
  const v2Inputs = v2MetadataTensors(info.signature?.inputs);
  const v2InputItem: JsonSchema =
    v2Inputs.length === 0
      ? { $ref: "#/components/schemas/V2Tensor" }
      : {
          oneOf: v2Inputs.map((t) => ({
            type: "object",
            title: t.name,
            properties: {
              name: { type: "string", const: t.name },
              shape: {
                type: "array",
                items: { type: "integer", minimum: 0 },
                description: `The signature's shape: ${JSON.stringify(t.shape)} (-1: any size)`,
              },
              datatype: { type: "string", const: t.datatype },
              parameters: { type: "object" },
              data: { type: "array" },
            },
            required: ["name", "shape", "datatype", "data"],
          })),
        };
  const v2Request: JsonSchema = {
    type: "object",
    properties: {
      id: { type: "string" },
      parameters: { type: "object" },
      inputs: { type: "array", items: v2InputItem },
      outputs: {
        type: "array",
        items: { type: "object", properties: { name: { type: "string" } } },
      },
    },
    required: ["inputs"],
  };
  const errorRef = { $ref: "#/components/schemas/Error" };
  const jsonError = (description: string) => ({
    description,
    content: { "application/json": { schema: errorRef } },
  });
  const textError = (description: string) => ({
    description,
    content: { "text/plain": { schema: { type: "string" } } },
  });
  const v2Error = {
    description: "Error",
    content: { "application/json": { schema: { $ref: "#/components/schemas/V2Error" } } },
  };
  const example = info.servingInputExample;
  const invocations: JsonSchema = {
    summary: `Score data with ${modelName}`,
    description:
      "Send exactly one of `dataframe_split`, `dataframe_records`, `instances` or `inputs` (plus optional " +
      "`params`), or a CSV body with a header row.",
    requestBody: {
      required: true,
      content: {
        "application/json": {
          schema: ref("InvocationRequest"),
          ...(example !== undefined ? { example } : {}),
        },
        "text/csv": { schema: { type: "string" } },
        "application/vnd.apache.parquet": { schema: { type: "string", format: "binary" } },
        // not MLflow types: Arrow IPC streams, and the binary tensor framing (Inference-Header-Content-Length)
        "application/vnd.apache.arrow.stream": { schema: { type: "string", format: "binary" } },
        "application/octet-stream": { schema: { type: "string", format: "binary" } },
      },
    },
    responses: {
      "200": {
        description: "Predictions",
        content: {
          "application/json": { schema: { $ref: "#/components/schemas/Predictions" } },
          "text/event-stream": { schema: { type: "string" } },
        },
      },
      "400": jsonError("Bad input or schema enforcement failure"),
      "413": jsonError("Body larger than the limit"),
      "415": textError("Unsupported content type"),
      "504": jsonError("Request processing time exceeded limit"),
    },
  };
  const v2Infer: JsonSchema = {
    summary: `Inference with ${modelName} (Open Inference Protocol v2)`,
    requestBody: {
      required: true,
      content: {
        "application/json": { schema: ref("V2InferRequest") },
        // binary tensor data extension: a JSON header of Inference-Header-Content-Length bytes, then raw tensors
        "application/octet-stream": { schema: { type: "string", format: "binary" } },
      },
    },
    responses: {
      "200": {
        description: "Outputs",
        content: {
          "application/json": {
            schema: {
              type: "object",
              properties: {
                model_name: { type: "string" },
                id: { type: "string" },
                outputs: { type: "array", items: { $ref: "#/components/schemas/V2Tensor" } },
              },
            },
          },
        },
      },
      "400": v2Error,
      "404": v2Error,
    },
  };
  return {
    schemas: {
      Row: row,
      Columns: columns,
      DataframeSplit: split,
      Params: paramsSchema,
      InvocationRequest: requestSchema,
      V2InferRequest: v2Request,
    },
    invocations,
    v2Infer,
  };
}

export interface ServerDocumentOptions {
  /** The models to describe (those READY now), in the server's order. */
  models: readonly DocumentedModel[];
  /** The one `POST /invocations` answers for, when it is among `models`. */
  defaultModel?: string | undefined;
  version: string;
}

/**
 * The OpenAPI 3.1 document of a server: the server routes, `/invocations` for the default model, and for every
 * model `/models/{name}/invocations` and `/v2/models/{name}/…` with the request schemas derived from that model's
 * signature (components `Row`, `Params` … for the default model, `<name>.Row`, `<name>.Params` … for the others).
 */
export function buildServerOpenApiDocument(options: ServerDocumentOptions): JsonSchema {
  const { models, version } = options;
  const byDefault = models.find((m) => m.name === options.defaultModel);
  const okEmpty = (description: string) => ({ description });
  const v2Error = {
    description: "Error",
    content: { "application/json": { schema: { $ref: "#/components/schemas/V2Error" } } },
  };
  const paths: Record<string, JsonSchema> = {
    "/ping": { get: { summary: "Health check", responses: { "200": okEmpty("The model is loaded") } } },
    "/health": {
      get: {
        summary: "Health check (alias of /ping)",
        responses: { "200": okEmpty("The model is loaded") },
      },
    },
    "/version": { get: { summary: "Server version", responses: { "200": okEmpty("Version text") } } },
    "/metrics": {
      get: {
        summary: "Prometheus metrics",
        responses: {
          "200": { description: "Metrics", content: { "text/plain": { schema: { type: "string" } } } },
        },
      },
    },
  };
  const schemas: Record<string, JsonSchema> = {};
  const parts = new Map<string, ReturnType<typeof modelParts>>();
  for (const m of models) {
    // component names are unique per (model, schema): the suffixes hold no ".", so the last "." splits them
    const prefix = m === byDefault ? "" : `${m.name}.`;
    const p = modelParts(m.info, m.name, (schema) => ({ $ref: `#/components/schemas/${prefix}${schema}` }));
    for (const [k, v] of Object.entries(p.schemas)) schemas[`${prefix}${k}`] = v;
    parts.set(m.name, p);
  }
  if (byDefault !== undefined) paths["/invocations"] = { post: parts.get(byDefault.name)!.invocations };
  paths["/v2/health/live"] = {
    get: { summary: "Liveness (Open Inference Protocol)", responses: { "200": okEmpty("Live") } },
  };
  paths["/v2/health/ready"] = {
    get: {
      summary: "Readiness (Open Inference Protocol)",
      responses: { "200": okEmpty("Ready"), "400": okEmpty("Not ready") },
    },
  };
  for (const m of models) {
    const p = parts.get(m.name)!;
    const tags = models.length > 1 ? { tags: [m.name] } : {};
    const name = encodeURIComponent(m.name);
    paths[`/models/${name}/invocations`] = { post: { ...tags, ...p.invocations } };
    paths[`/v2/models/${name}`] = {
      get: {
        ...tags,
        summary: `Metadata of ${m.name}`,
        responses: {
          "200": { description: "Metadata", content: { "application/json": { schema: { type: "object" } } } },
          "404": v2Error,
        },
      },
    };
    paths[`/v2/models/${name}/ready`] = {
      get: {
        ...tags,
        summary: `Readiness of ${m.name}`,
        responses: { "200": okEmpty("Ready"), "404": v2Error },
      },
    };
    paths[`/v2/models/${name}/infer`] = { post: { ...tags, ...p.v2Infer } };
  }
  const single = models.length === 1 ? models[0]!.name : undefined;
  return {
    openapi: "3.1.0",
    info: {
      title:
        single !== undefined
          ? `${single} (MLflow pyfunc scoring server)`
          : `MLflow pyfunc scoring server (${models.length} models)`,
      version,
      description:
        "MLflow's scoring protocol (`POST /invocations`, `POST /models/{name}/invocations`) and the Open Inference " +
        "Protocol v2, generated from each model's signature" +
        (models.length > 1 ? `: ${models.map((m) => `\`${m.name}\``).join(", ")}.` : "."),
    },
    servers: [{ url: "/" }],
    paths,
    components: {
      schemas: {
        ...schemas,
        Predictions: {
          type: "object",
          properties: { predictions: {} },
          description: '`{"predictions": ...}`; in unified LLM mode the model output itself.',
        },
        Error: {
          type: "object",
          properties: {
            error_code: { type: "string" },
            message: { type: "string" },
            stack_trace: { type: "string" },
          },
          required: ["error_code", "message"],
        },
        V2Tensor: {
          type: "object",
          properties: {
            name: { type: "string" },
            shape: { type: "array", items: { type: "integer" } },
            datatype: { type: "string" },
            parameters: { type: "object" },
            data: { type: "array" },
          },
          required: ["name", "shape", "datatype", "data"],
        },
        V2Error: { type: "object", properties: { error: { type: "string" } }, required: ["error"] },
      },
    },
  };
}

/** The OpenAPI 3.1 document of a server serving one model (the default) from its signature and input example. */
export function buildOpenApiDocument(info: ModelInfo, modelName: string, version: string): JsonSchema {
  return buildServerOpenApiDocument({
    models: [{ name: modelName, info }],
    defaultModel: modelName,
    version,
  });
}

/** What the docs read of the server's models (ModelRegistry satisfies it). */
export interface DocumentedRegistry {
  models(): Iterable<{ readonly name: string; readonly engine?: { readonly info: ModelInfo } | undefined }>;
  readonly defaultModel?: { readonly name: string } | undefined;
}

/**
 * The document of the models READY now, rebuilt only when that set changes (a load, an unload, a reload: each
 * loaded copy has its own engine, so its identity says whether the cached document is still right).
 */
export function liveDocument(registry: DocumentedRegistry, version: string): () => JsonSchema {
  let cached: { engines: unknown[]; names: string[]; document: JsonSchema } | undefined;
  return () => {
    const models: DocumentedModel[] = [];
    const engines: unknown[] = [];
    for (const m of registry.models()) {
      const engine = m.engine;
      if (engine === undefined) continue;
      models.push({ name: m.name, info: engine.info });
      engines.push(engine);
    }
    const names = models.map((m) => m.name);
    if (
      cached !== undefined &&
      cached.engines.length === engines.length &&
      cached.engines.every((e, i) => e === engines[i] && cached!.names[i] === names[i])
    )
      return cached.document;
    const document = buildServerOpenApiDocument({
      models,
      defaultModel: registry.defaultModel?.name,
      version,
    });
    cached = { engines, names, document };
    return document;
  };
}

/**
 * `/openapi.json` and the Swagger UI at `/docs`, both describing the models READY at the time of the request
 * (`/docs/json`, which the UI reads, and `/openapi.json` are the same document).
 */
export async function registerDocs(
  app: FastifyInstance,
  registry: DocumentedRegistry,
  version = "0.1.0",
): Promise<void> {
  const document = liveDocument(registry, version);
  await app.register(swagger, { mode: "static", specification: { document: document() as never } });
  await app.register(swaggerUi, {
    routePrefix: "/docs",
    uiConfig: { tryItOutEnabled: true, deepLinking: false },
    // the UI's own /docs/json: the live document instead of the one given at registration
    transformSpecification: () => document(),
    transformSpecificationClone: false,
  });
  app.get("/openapi.json", { schema: { hide: true } }, async () => document());
}
