import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/**
 * A small MLflow tracking server for tests: the REST endpoints @pyfunc uses, with request and response shapes
 * from MLflow's REST API docs, and the mlflow-artifacts proxy backed by a temp folder.
 */
export interface FakeMlflowServer {
  url: string;
  artifactRoot: string;
  runs: Map<string, { experiment_id: string; artifact_uri: string; status: string; logged_models: string[] }>;
  versions: Map<
    string,
    { version: string; source: string; run_id: string; current_stage: string; status: string }[]
  >;
  aliases: Map<string, string>;
  loggedModels: Map<
    string,
    {
      model_id: string;
      name: string;
      artifact_uri: string;
      source_run_id: string;
      experiment_id: string;
      status?: string;
      model_type?: string;
      tags?: { key: string; value: string }[];
      params?: { key: string; value: string }[];
    }
  >;
  /** Model outputs recorded with `runs/outputs` (MLflow 3), by run ID. */
  runOutputs: Map<string, { model_id: string; step: number }[]>;
  requests: { method: string; path: string; auth?: string }[];
  /** When set, every request needs `Authorization: Bearer <token>` (401 without, 403 with a wrong one). */
  token?: string;
  /** Paths whose download is cut short after half the bytes. */
  truncate: Set<string>;
  /** Versions stay PENDING_REGISTRATION for this many polls. */
  pendingPolls: number;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

const notFound = (res: ServerResponse, message: string) =>
  send(res, 404, { error_code: "RESOURCE_DOES_NOT_EXIST", message });

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export interface FakeMlflowServerOptions {
  /** 3 serves MLflow 3's logged-models create / params / finalize and runs/outputs; 2 (default) answers them 404. */
  mlflowVersion?: 2 | 3;
}

export async function startFakeMlflowServer(
  options: FakeMlflowServerOptions = {},
): Promise<FakeMlflowServer> {
  const mlflow3 = options.mlflowVersion === 3;
  let modelCounter = 0;
  const artifactRoot = await mkdtemp(join(tmpdir(), "fake-mlflow-"));
  let runCounter = 0;
  let pollCount = 0;
  const state = {
    runs: new Map(),
    versions: new Map(),
    aliases: new Map(),
    loggedModels: new Map(),
    runOutputs: new Map(),
    requests: [],
    truncate: new Set<string>(),
    pendingPolls: 0,
  } as unknown as FakeMlflowServer;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://x");
    const path = url.pathname;
    state.requests.push({ method: req.method ?? "", path, auth: req.headers.authorization });
    if (state.token !== undefined) {
      const auth = req.headers.authorization;
      if (!auth) return send(res, 401, { error_code: "UNAUTHENTICATED", message: "Missing credentials" });
      if (auth !== `Bearer ${state.token}`)
        return send(res, 403, { error_code: "PERMISSION_DENIED", message: "Bad token" });
    }
    const q = (k: string) => url.searchParams.get(k) ?? "";
    const body =
      req.method === "POST" || req.method === "PATCH"
        ? JSON.parse((await readBody(req)).toString() || "{}")
        : {};

    const artPrefix = "/api/2.0/mlflow-artifacts/artifacts";
    if (path === artPrefix && req.method === "GET") {
      const dir = join(artifactRoot, q("path"));
      const info = await stat(dir).catch(() => undefined);
      if (!info?.isDirectory()) return send(res, 200, {});
      const entries = await readdir(dir, { withFileTypes: true });
      const files = await Promise.all(
        entries.map(async (e) => ({
          path: e.name,
          is_dir: e.isDirectory(),
          ...(e.isDirectory() ? {} : { file_size: (await stat(join(dir, e.name))).size }),
        })),
      );
      return send(res, 200, { files });
    }
    if (path.startsWith(`${artPrefix}/`)) {
      const rel = decodeURIComponent(path.slice(artPrefix.length + 1));
      const file = join(artifactRoot, rel);
      if (req.method === "PUT") {
        await mkdir(dirname(file), { recursive: true });
        await writeFile(file, await readBody(req));
        return send(res, 200, {});
      }
      const data = await readFile(file).catch(() => undefined);
      if (!data) return notFound(res, `No artifact at ${rel}`);
      if (state.truncate.has(rel)) {
        res.writeHead(200, { "Content-Length": data.length });
        res.write(data.subarray(0, Math.floor(data.length / 2)));
        // Cut the connection once the client has the headers and part of the body.
        setTimeout(() => res.destroy(), 50);
        return;
      }
      res.writeHead(200, { "Content-Length": data.length, "Content-Type": "application/octet-stream" });
      return res.end(data);
    }

    switch (`${req.method} ${path}`) {
      case "GET /api/2.0/mlflow/runs/get": {
        const run = state.runs.get(q("run_id"));
        if (!run) return notFound(res, `Run with id=${q("run_id")} not found`);
        return send(res, 200, {
          run: {
            info: {
              run_id: q("run_id"),
              run_uuid: q("run_id"),
              experiment_id: run.experiment_id,
              artifact_uri: run.artifact_uri,
              status: run.status,
            },
            data: {},
          },
        });
      }
      case "POST /api/2.0/mlflow/runs/create": {
        const id = `run${++runCounter}`.padEnd(32, "0");
        const run = {
          experiment_id: String(body.experiment_id ?? "0"),
          artifact_uri: `mlflow-artifacts:/${body.experiment_id ?? "0"}/${id}/artifacts`,
          status: "RUNNING",
          logged_models: [] as string[],
        };
        state.runs.set(id, run);
        return send(res, 200, {
          run: {
            info: {
              run_id: id,
              experiment_id: run.experiment_id,
              artifact_uri: run.artifact_uri,
              status: "RUNNING",
            },
          },
        });
      }
      case "POST /api/2.0/mlflow/runs/update": {
        const run = state.runs.get(body.run_id);
        if (!run) return notFound(res, "no run");
        run.status = body.status;
        return send(res, 200, { run_info: { run_id: body.run_id, status: body.status } });
      }
      case "POST /api/2.0/mlflow/runs/log-model": {
        const run = state.runs.get(body.run_id);
        if (!run) return notFound(res, "no run");
        if (typeof body.model_json !== "string")
          return send(res, 400, { error_code: "INVALID_PARAMETER_VALUE", message: "model_json" });
        run.logged_models.push(body.model_json);
        return send(res, 200, {});
      }
      case "GET /api/2.0/mlflow/registered-models/alias": {
        const v = state.aliases.get(`${q("name")}@${q("alias")}`);
        if (!v) return notFound(res, `Registered model alias ${q("alias")} not found.`);
        return send(res, 200, { model_version: { name: q("name"), version: v, aliases: [q("alias")] } });
      }
      case "POST /api/2.0/mlflow/registered-models/get-latest-versions": {
        const all = state.versions.get(body.name);
        if (!all) return notFound(res, `Registered Model with name=${body.name} not found`);
        const stages: string[] = body.stages ?? [];
        const picked = all.filter(
          (v) =>
            stages.length === 0 || stages.map((s) => s.toLowerCase()).includes(v.current_stage.toLowerCase()),
        );
        return send(
          res,
          200,
          picked.length ? { model_versions: picked.map((v) => ({ name: body.name, ...v })) } : {},
        );
      }
      case "GET /api/2.0/mlflow/model-versions/get-download-uri": {
        const v = state.versions.get(q("name"))?.find((x) => x.version === q("version"));
        if (!v) return notFound(res, `Model Version (name=${q("name")}, version=${q("version")}) not found`);
        return send(res, 200, { artifact_uri: v.source });
      }
      case "GET /api/2.0/mlflow/model-versions/get": {
        const v = state.versions.get(q("name"))?.find((x) => x.version === q("version"));
        if (!v) return notFound(res, "no version");
        if (v.status === "PENDING_REGISTRATION" && ++pollCount > state.pendingPolls) v.status = "READY";
        return send(res, 200, { model_version: { name: q("name"), ...v } });
      }
      case "POST /api/2.0/mlflow/registered-models/create": {
        if (state.versions.has(body.name)) {
          return send(res, 400, {
            error_code: "RESOURCE_ALREADY_EXISTS",
            message: `Registered Model (name=${body.name}) already exists.`,
          });
        }
        state.versions.set(body.name, []);
        return send(res, 200, { registered_model: { name: body.name } });
      }
      case "POST /api/2.0/mlflow/model-versions/create": {
        const list = state.versions.get(body.name);
        if (!list) return notFound(res, "no registered model");
        const v = {
          version: String(list.length + 1),
          source: body.source,
          run_id: body.run_id,
          current_stage: "None",
          status: state.pendingPolls > 0 ? "PENDING_REGISTRATION" : "READY",
        };
        list.push(v);
        return send(res, 200, { model_version: { name: body.name, ...v } });
      }
      case "POST /api/2.0/mlflow/logged-models": {
        if (!mlflow3) break;
        const id = `m-${String(++modelCounter).padStart(32, "0")}`;
        const experimentId = String(body.experiment_id ?? "0");
        const model = {
          model_id: id,
          name: String(body.name ?? ""),
          experiment_id: experimentId,
          artifact_uri: `mlflow-artifacts:/${experimentId}/models/${id}/artifacts`,
          source_run_id: String(body.source_run_id ?? ""),
          status: "LOGGED_MODEL_PENDING",
          model_type: body.model_type,
          tags: body.tags ?? [],
          params: body.params ?? [],
        };
        state.loggedModels.set(id, model);
        return send(res, 200, { model: { info: model, data: { params: model.params } } });
      }
      case "POST /api/2.0/mlflow/runs/outputs": {
        if (!mlflow3) break;
        if (!state.runs.get(body.run_id)) return notFound(res, "no run");
        const list = state.runOutputs.get(body.run_id) ?? [];
        list.push(...(body.models ?? []));
        state.runOutputs.set(body.run_id, list);
        return send(res, 200, {});
      }
      case "POST /api/2.0/mlflow/logged-models/search": {
        const models = [...state.loggedModels.values()].filter(
          (m) =>
            (body.experiment_ids ?? []).includes(m.experiment_id) && body.filter === `name = '${m.name}'`,
        );
        return send(res, 200, { models: models.map((m) => ({ info: m })) });
      }
      default: {
        const m = /^\/api\/2\.0\/mlflow\/logged-models\/([^/]+)$/.exec(path);
        if (m && req.method === "GET") {
          const model = state.loggedModels.get(m[1]!);
          if (!model) return notFound(res, `Logged model ${m[1]} not found`);
          return send(res, 200, { model: { info: model } });
        }
        if (m && req.method === "PATCH" && mlflow3) {
          const model = state.loggedModels.get(m[1]!);
          if (!model) return notFound(res, `Logged model ${m[1]} not found`);
          model.status = String(body.status);
          return send(res, 200, { model: { info: model } });
        }
        return send(res, 404, {
          error_code: "ENDPOINT_NOT_FOUND",
          message: `No endpoint ${req.method} ${path}`,
        });
      }
    }
    // MLflow 2 has no logged-models endpoints.
    return send(res, 404, { error_code: "ENDPOINT_NOT_FOUND", message: `No endpoint ${req.method} ${path}` });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) =>
      send(res, 500, { error_code: "INTERNAL_ERROR", message: String(e) }),
    );
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  state.url = `http://127.0.0.1:${port}`;
  state.artifactRoot = artifactRoot;
  state.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await rm(artifactRoot, { recursive: true, force: true });
  };
  return state;
}

/** Write a tiny model directory into the fake artifact store at `relPath`. */
export async function putModel(
  server: FakeMlflowServer,
  relPath: string,
  files: Record<string, string>,
): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    const full = join(server.artifactRoot, relPath, name);
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, content);
  }
}
