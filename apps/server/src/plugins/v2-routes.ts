import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { PredictionEngine } from "../engine.js";
import { v2MetadataTensors } from "../v2.js";
import { toUint8 } from "./body.js";

export interface V2RoutesOptions {
  engine: PredictionEngine;
  modelName: string;
  version: string;
}

/**
 * The Open Inference Protocol v2 (KServe / MLServer REST). Its errors keep the protocol's own shape,
 * `{"error": "..."}`, as MLServer answers.
 */
export async function v2Routes(app: FastifyInstance, options: V2RoutesOptions): Promise<void> {
  const { engine, modelName, version } = options;
  const v2Error = (reply: FastifyReply, status: number, message: string) =>
    reply.code(status).send({ error: message });
  const checkName = (request: FastifyRequest, reply: FastifyReply): boolean => {
    const { name } = request.params as { name: string };
    if (name !== modelName) {
      v2Error(reply, 404, `Model ${name.slice(0, 200)} not found`);
      return false;
    }
    return true;
  };
  const ready = () => !app.draining;
  app.get("/v2", async () => ({ name: "pyfunc-server", version, extensions: [] }));
  app.get("/v2/health/live", async () => ({ live: true }));
  app.get("/v2/health/ready", async (_req, reply) =>
    reply.code(ready() ? 200 : 400).send({ ready: ready() }),
  );
  const modelMetadata = async (request: FastifyRequest, reply: FastifyReply) => {
    if (!checkName(request, reply)) return reply;
    const sig = engine.info.signature;
    return {
      name: modelName,
      versions: [],
      platform: engine.info.loaderModule ?? "pyfunc",
      inputs: v2MetadataTensors(sig?.inputs, "input"),
      outputs: v2MetadataTensors(sig?.outputs, "output"),
    };
  };
  const modelReady = async (request: FastifyRequest, reply: FastifyReply) => {
    if (!checkName(request, reply)) return reply;
    return reply.code(ready() ? 200 : 400).send({ name: modelName, ready: ready() });
  };
  const infer = (request: FastifyRequest, reply: FastifyReply) => {
    if (!checkName(request, reply)) return reply;
    const body = toUint8(request.body);
    return app.predictWithDeadline(request, reply, (signal) => engine.v2Infer(body, signal)) ?? reply;
  };
  for (const prefix of ["/v2/models/:name", "/v2/models/:name/versions/:version"]) {
    app.get(prefix, modelMetadata);
    app.get(`${prefix}/ready`, modelReady);
    app.post(`${prefix}/infer`, infer);
  }
}
