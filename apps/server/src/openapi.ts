import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import { signatureSpecs } from "@pyfunc/core/protocol";
import type { FastifyInstance } from "fastify";
import type { ModelInfo } from "./model-types.js";

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

/** Build the OpenAPI 3.1 document of a served model from its signature and input example. */
export function buildOpenApiDocument(info: ModelInfo, modelName: string, version: string): JsonSchema {
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
    properties: { [key]: value, params: { $ref: "#/components/schemas/Params" } },
    required: [key],
  });
  const requestSchema: JsonSchema = {
    oneOf: [
      withParams("dataframe_split", { $ref: "#/components/schemas/DataframeSplit" }),
      withParams("dataframe_records", { type: "array", items: { $ref: "#/components/schemas/Row" } }),
      withParams(
        "instances",
        columnBased ? { type: "array", items: { $ref: "#/components/schemas/Row" } } : tensorInputs,
      ),
      withParams(
        "inputs",
        columnBased
          ? {
              oneOf: [
                { type: "array", items: { $ref: "#/components/schemas/Row" } },
                { $ref: "#/components/schemas/Columns" },
              ],
            }
          : tensorInputs,
      ),
    ],
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
  const example = info.servingInputExample;
  const v2Tensor = {
    type: "object",
    properties: {
      name: { type: "string" },
      shape: { type: "array", items: { type: "integer" } },
      datatype: { type: "string" },
      parameters: { type: "object" },
      data: { type: "array" },
    },
    required: ["name", "shape", "datatype", "data"],
  };
  const v2Error = {
    description: "Error",
    content: { "application/json": { schema: { $ref: "#/components/schemas/V2Error" } } },
  };
  const nameParam = {
    name: "name",
    in: "path",
    required: true,
    schema: { type: "string", enum: [modelName] },
  };
  const okEmpty = (description: string) => ({ description });
  return {
    openapi: "3.1.0",
    info: {
      title: `${modelName} (MLflow pyfunc scoring server)`,
      version,
      description:
        "MLflow's scoring protocol (`POST /invocations`) and the Open Inference Protocol v2, generated from the " +
        "model's signature.",
    },
    servers: [{ url: "/" }],
    paths: {
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
      "/invocations": {
        post: {
          summary: "Score data with the model",
          description:
            "Send exactly one of `dataframe_split`, `dataframe_records`, `instances` or `inputs` (plus optional " +
            "`params`), or a CSV body with a header row.",
          requestBody: {
            required: true,
            content: {
              "application/json": {
                schema: { $ref: "#/components/schemas/InvocationRequest" },
                ...(example !== undefined ? { example } : {}),
              },
              "text/csv": { schema: { type: "string" } },
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
        },
      },
      "/v2/health/live": {
        get: { summary: "Liveness (Open Inference Protocol)", responses: { "200": okEmpty("Live") } },
      },
      "/v2/health/ready": {
        get: {
          summary: "Readiness (Open Inference Protocol)",
          responses: { "200": okEmpty("Ready"), "400": okEmpty("Not ready") },
        },
      },
      "/v2/models/{name}": {
        get: {
          summary: "Model metadata",
          parameters: [nameParam],
          responses: {
            "200": {
              description: "Metadata",
              content: { "application/json": { schema: { type: "object" } } },
            },
            "404": v2Error,
          },
        },
      },
      "/v2/models/{name}/ready": {
        get: {
          summary: "Model readiness",
          parameters: [nameParam],
          responses: { "200": okEmpty("Ready"), "404": v2Error },
        },
      },
      "/v2/models/{name}/infer": {
        post: {
          summary: "Inference (Open Inference Protocol v2)",
          parameters: [nameParam],
          requestBody: {
            required: true,
            content: {
              "application/json": {
                schema: {
                  type: "object",
                  properties: {
                    id: { type: "string" },
                    parameters: { type: "object" },
                    inputs: { type: "array", items: v2Tensor },
                    outputs: {
                      type: "array",
                      items: { type: "object", properties: { name: { type: "string" } } },
                    },
                  },
                  required: ["inputs"],
                },
              },
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
                      outputs: { type: "array", items: v2Tensor },
                    },
                  },
                },
              },
            },
            "400": v2Error,
            "404": v2Error,
          },
        },
      },
    },
    components: {
      schemas: {
        Row: row,
        Columns: columns,
        DataframeSplit: split,
        Params: paramsSchema,
        InvocationRequest: requestSchema,
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
        V2Error: { type: "object", properties: { error: { type: "string" } }, required: ["error"] },
      },
    },
  };
}

/** `/openapi.json` and the Swagger UI at `/docs`. */
export async function registerDocs(
  app: FastifyInstance,
  info: ModelInfo,
  modelName: string,
  version = "0.1.0",
): Promise<void> {
  const document = buildOpenApiDocument(info, modelName, version);
  await app.register(swagger, { mode: "static", specification: { document: document as never } });
  await app.register(swaggerUi, {
    routePrefix: "/docs",
    uiConfig: { tryItOutEnabled: true, deepLinking: false },
  });
  app.get("/openapi.json", { schema: { hide: true } }, async () => document);
}
