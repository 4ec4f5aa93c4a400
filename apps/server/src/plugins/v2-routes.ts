import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { type ModelRegistry, RepositoryError, type ServedModel } from "../registry.js";
import { v2MetadataTensors } from "../v2.js";
import { inferenceHeaderLengthOf, toUint8 } from "./body.js";

export interface V2RoutesOptions {
  registry: ModelRegistry;
  version: string;
  /** `/v2/health/ready` needs every model READY (Triton's `--strict-readiness`, the default). */
  strictReadiness: boolean;
  /** `POST /v2/repository/models/{name}/load|unload` are allowed (Triton's explicit model control). */
  modelControl: boolean;
}

/**
 * The Open Inference Protocol v2 (KServe / MLServer REST) for every model of the server, and its model
 * repository extension (`/v2/repository/index`, `…/models/{name}/load`, `…/unload`, as MLServer and Triton).
 * Its errors keep the protocol's own shape, `{"error": "..."}`, as MLServer answers.
 */
export async function v2Routes(app: FastifyInstance, options: V2RoutesOptions): Promise<void> {
  const { registry, version, strictReadiness, modelControl } = options;
  const v2Error = (reply: FastifyReply, status: number, message: string) =>
    reply.code(status).send({ error: message });

  /** The model a `/v2/models/{name}[/versions/{v}]` path names, or undefined after answering 404. */
  const resolve = (request: FastifyRequest, reply: FastifyReply): ServedModel | undefined => {
    const { name, version: wanted } = request.params as { name: string; version?: string };
    const model = registry.get(name);
    if (model === undefined) {
      v2Error(reply, 404, `Model ${name.slice(0, 200)} not found`);
      return undefined;
    }
    // a model without a version answers for any (as before); one with a version only for it
    if (wanted !== undefined && model.version !== undefined && wanted !== model.version) {
      v2Error(reply, 404, `Model ${model.name} version ${wanted.slice(0, 200)} not found`);
      return undefined;
    }
    request.pyfuncModel = model.name;
    return model;
  };
  const unavailable = (reply: FastifyReply, model: ServedModel) =>
    v2Error(
      reply,
      503,
      `Model ${model.name} is not available (${model.state})${model.reason !== "" ? `: ${model.reason}` : ""}`,
    );

  app.get("/v2", async () => ({
    name: "pyfunc-server",
    version,
    extensions: modelControl ? ["binary_tensor_data", "model_repository"] : ["binary_tensor_data"],
  }));
  app.get("/v2/health/live", async () => ({ live: true }));
  app.get("/v2/health/ready", async (_req, reply) => {
    const ready = !app.draining && registry.ready(strictReadiness);
    return reply.code(ready ? 200 : 400).send({ ready });
  });
  const modelMetadata = async (request: FastifyRequest, reply: FastifyReply) => {
    const model = resolve(request, reply);
    if (model === undefined) return reply;
    const engine = model.engine;
    if (engine === undefined) return unavailable(reply, model);
    const sig = engine.info.signature;
    return {
      name: model.name,
      versions: model.version !== undefined ? [model.version] : [],
      platform: engine.info.loaderModule ?? "pyfunc",
      inputs: v2MetadataTensors(sig?.inputs, "input"),
      outputs: v2MetadataTensors(sig?.outputs, "output"),
    };
  };
  const modelReady = async (request: FastifyRequest, reply: FastifyReply) => {
    const model = resolve(request, reply);
    if (model === undefined) return reply;
    const ready = !app.draining && model.engine !== undefined;
    return reply.code(ready ? 200 : 400).send({ name: model.name, ready });
  };
  const infer = (request: FastifyRequest, reply: FastifyReply) => {
    const model = resolve(request, reply);
    if (model === undefined) return reply;
    if (model.engine === undefined) return unavailable(reply, model);
    const body = toUint8(request.body);
    const headerLength = inferenceHeaderLengthOf(request);
    return (
      app.predictWithDeadline(request, reply, (signal) => model.v2Infer(body, signal, headerLength)) ?? reply
    );
  };
  for (const prefix of ["/v2/models/:name", "/v2/models/:name/versions/:version"]) {
    app.get(prefix, modelMetadata);
    app.get(`${prefix}/ready`, modelReady);
    app.post(`${prefix}/infer`, infer);
  }

  // the model repository extension
  app.post("/v2/repository/index", async (request, reply) => {
    const raw = toUint8(request.body);
    let ready = false;
    if (raw.byteLength > 0) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString("utf8"));
      } catch {
        return v2Error(reply, 400, "The repository index request is not valid JSON");
      }
      if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
        return v2Error(reply, 400, "The repository index request must be a JSON object");
      const flag = (parsed as { ready?: unknown }).ready;
      if (flag !== undefined && typeof flag !== "boolean")
        return v2Error(reply, 400, "'ready' must be a boolean");
      ready = flag === true;
    }
    return reply.code(200).send(registry.index(ready));
  });
  const control = (action: "load" | "unload") => async (request: FastifyRequest, reply: FastifyReply) => {
    const { name } = request.params as { name: string };
    if (!modelControl) {
      return v2Error(
        reply,
        400,
        `Explicit model ${action} is not allowed: the server was started without model control`,
      );
    }
    try {
      await (action === "load" ? registry.load(name) : registry.unload(name));
    } catch (error) {
      if (error instanceof RepositoryError) {
        if (error.status >= 400 && error.status < 500 && error.status !== 404)
          request.log.warn({ model: name }, error.message);
        return v2Error(reply, error.status, error.message);
      }
      throw error;
    }
    request.log.info({ model: name }, action === "load" ? "model loaded" : "model unloaded");
    return reply.code(200).send();
  };
  app.post("/v2/repository/models/:name/load", control("load"));
  app.post("/v2/repository/models/:name/unload", control("unload"));
}
