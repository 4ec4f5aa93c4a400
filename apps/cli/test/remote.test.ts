// Remote model URIs: `mlflow-artifacts:/...` served by a small stand-in for MLflow's artifact proxy (the two
// endpoints MLflow's HttpArtifactRepository uses), resolved by core and run by the built binary.
import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LINEAR_PLUGIN, linear, runCli, tempDir, writeLinearModel } from "./helpers.js";

const API = "/api/2.0/mlflow-artifacts/artifacts";
let root: string;
let server: Server;
let base: string;
const downloads = new Map<string, number>();

beforeAll(async () => {
  root = tempDir();
  server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname === API) {
      const rel = url.searchParams.get("path") ?? "";
      const dir = join(root, rel);
      let files: { path: string; is_dir: boolean; file_size?: number }[] = [];
      try {
        if (statSync(dir).isDirectory()) {
          files = readdirSync(dir).map((name) => {
            const s = statSync(join(dir, name));
            return s.isDirectory()
              ? { path: name, is_dir: true }
              : { path: name, is_dir: false, file_size: s.size };
          });
        }
      } catch {
        files = [];
      }
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(files.length > 0 ? { files } : {}));
      return;
    }
    if (url.pathname.startsWith(`${API}/`)) {
      const rel = decodeURIComponent(url.pathname.slice(API.length + 1));
      try {
        const body = readFileSync(join(root, rel));
        downloads.set(rel, (downloads.get(rel) ?? 0) + 1);
        res.end(body);
      } catch {
        res.statusCode = 404;
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ error_code: "RESOURCE_DOES_NOT_EXIST", message: `No such file ${rel}` }));
      }
      return;
    }
    res.statusCode = 404;
    res.end("{}");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(() => {
  server.close();
});

describe("pyfunc with mlflow-artifacts:/ model URIs (through core's URI resolution)", () => {
  it("predicts with 2 workers after downloading the model once; info and validate read it too", async () => {
    const name = `models/m-${randomUUID().slice(0, 8)}`;
    writeLinearModel(join(root, name));
    const env = { MLFLOW_TRACKING_URI: base };
    const uri = `mlflow-artifacts:/${name}`;
    const csv = "x1,x2\n1,2\n3,0.5\n-1,4\n";
    const r = await runCli(
      ["predict", "-m", uri, "-t", "csv", "-w", "2", "--chunk-size", "1", "--plugin", LINEAR_PLUGIN],
      {
        input: csv,
        env,
      },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ predictions: [linear(1, 2), linear(3, 0.5), linear(-1, 4)] });
    expect(downloads.get(`${name}/MLmodel`)).toBe(1);

    const info = await runCli(["info", uri, "--plugin", LINEAR_PLUGIN], { env });
    expect(info.code, info.stderr).toBe(0);
    expect(info.stdout).toMatch(/x1 +double +yes/);
    const v = await runCli(["validate", uri, "-q", "--plugin", LINEAR_PLUGIN], { env });
    expect(v.code, v.stderr).toBe(0);
  });

  it("exits 3 with the server's message for a model that is not there", async () => {
    const r = await runCli(["predict", "-m", "mlflow-artifacts:/models/absent", "--plugin", LINEAR_PLUGIN], {
      input: "{}",
      env: { MLFLOW_TRACKING_URI: base },
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("RESOURCE_DOES_NOT_EXIST");
    expect(r.stderr).toContain("models/absent");
  });
});
