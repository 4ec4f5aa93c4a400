import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { connect } from "node:http2";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { BIN, CLI_DIR, csvOf, LINEAR_PLUGIN, rows, runCli, tempDir, writeLinearModel } from "./helpers.js";

let dir: string;
let model: string;
const children: ChildProcessWithoutNullStreams[] = [];

beforeAll(() => {
  dir = tempDir();
  model = writeLinearModel(join(dir, "linear"));
});

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill("SIGKILL");
});

function serve(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [BIN, "serve", "-m", model, "--plugin", LINEAR_PLUGIN, ...args], {
    cwd: CLI_DIR,
    env: { ...process.env, PYFUNC_PLUGINS: "", ...env },
  });
  children.push(child);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const url = new Promise<string>((resolve, reject) => {
    const check = () => {
      // the "Serving … at" line is on stderr, apart from the JSON log on stdout
      const m = /Serving .* at (http:\/\/\S+)/.exec(stderr);
      if (m) resolve(m[1]!);
    };
    child.stderr.on("data", check);
    void exited.then((code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
  url.catch(() => {}); // awaited by the tests that expect a start
  return { child, url, exited, output: () => ({ stdout, stderr }) };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe("pyfunc serve (built binary)", () => {
  it("prints the URL, answers /invocations exactly as `pyfunc predict` writes (plus stdout's closing newline), and exits 0 on SIGTERM", async () => {
    const s = serve(["-p", "0"]);
    const url = await s.url;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${url}/ping`)).status).toBe(200);

    const payload = JSON.stringify({
      dataframe_split: {
        columns: ["x1", "x2"],
        data: [
          [1, 2],
          [3, 0.5],
        ],
      },
    });
    const http = await fetch(`${url}/invocations`, {
      method: "POST",
      body: payload,
      headers: { "content-type": "application/json" },
    });
    expect(http.status).toBe(200);
    const cli = await runCli(["predict", "-m", model, "--plugin", LINEAR_PLUGIN], { input: payload });
    expect(`${await http.text()}\n`).toBe(cli.stdout);

    const csv = csvOf(rows(1234));
    const httpCsv = await fetch(`${url}/invocations`, {
      method: "POST",
      body: csv,
      headers: { "content-type": "text/csv" },
    });
    const csvFile = join(dir, "serve-rows.csv");
    writeFileSync(csvFile, csv);
    const cliCsv = await runCli([
      "predict",
      "-m",
      model,
      "-i",
      csvFile,
      "--chunk-size",
      "100",
      "--plugin",
      LINEAR_PLUGIN,
    ]);
    expect(`${await httpCsv.text()}\n`).toBe(cliCsv.stdout);

    const bad = await fetch(`${url}/invocations`, {
      method: "POST",
      body: "{",
      headers: { "content-type": "application/json" },
    });
    expect(bad.status).toBe(400);

    s.child.kill("SIGTERM");
    expect(await s.exited).toBe(0);
  });

  it("takes the port from MLFLOW_PORT, as mlflow models serve", async () => {
    const port = await freePort();
    const s = serve([], { MLFLOW_PORT: String(port) });
    expect(await s.url).toBe(`http://127.0.0.1:${port}`);
    s.child.kill("SIGINT");
    expect(await s.exited).toBe(0);
  });

  it("takes the production controls: a bearer token (probes open), --no-docs, --no-metrics, --log-level", async () => {
    const port = await freePort();
    const s = serve(["-p", String(port), "--no-docs", "--no-metrics", "--log-level", "warn"], {
      PYFUNC_AUTH_TOKEN: "tok",
    });
    const url = await s.url;
    expect((await fetch(`${url}/ping`)).status).toBe(200);
    const body = JSON.stringify({ dataframe_split: { columns: ["x"], data: [[1]] } });
    const init = { method: "POST", body, headers: { "content-type": "application/json" } };
    expect((await fetch(`${url}/invocations`, init)).status).toBe(401);
    const ok = await fetch(`${url}/invocations`, {
      ...init,
      headers: { ...init.headers, authorization: "Bearer tok" },
    });
    expect(ok.status).not.toBe(401);
    for (const p of ["/docs", "/metrics"]) {
      expect((await fetch(`${url}${p}`, { headers: { authorization: "Bearer tok" } })).status).toBe(404);
    }
    s.child.kill("SIGTERM");
    expect(await s.exited).toBe(0);
    // warn level: no access lines on stdout
    expect(s.output().stdout).not.toMatch(/"msg":"request"/);
  });

  it("serves the Open Inference Protocol over gRPC on PYFUNC_GRPC_PORT", async () => {
    const [port, grpcPort] = [await freePort(), await freePort()];
    const s = serve(["-p", String(port)], { PYFUNC_GRPC_PORT: String(grpcPort) });
    await s.url;
    await new Promise<void>((resolve) => {
      const check = () => {
        if (s.output().stderr.includes(`over gRPC at 127.0.0.1:${grpcPort}`)) resolve();
      };
      s.child.stderr.on("data", check);
      check();
    });
    // one unary gRPC call by hand: ServerLive, an empty message in its 5-byte frame
    const session = connect(`http://127.0.0.1:${grpcPort}`);
    const answer = await new Promise<{ status: string | undefined; body: Buffer }>((resolve, reject) => {
      const req = session.request({
        ":method": "POST",
        ":path": "/inference.GRPCInferenceService/ServerLive",
        "content-type": "application/grpc",
        te: "trailers",
      });
      const chunks: Buffer[] = [];
      let status: string | undefined;
      req.on("trailers", (t) => {
        status = String(t["grpc-status"]);
      });
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => resolve({ status, body: Buffer.concat(chunks) }));
      req.on("error", reject);
      req.end(Buffer.alloc(5));
    });
    session.close();
    expect(answer.status).toBe("0");
    // uncompressed, 2 bytes: field 1 (live), varint true
    expect([...answer.body]).toEqual([0, 0, 0, 0, 2, 0x08, 0x01]);
    s.child.kill("SIGTERM");
    expect(await s.exited).toBe(0);
  });

  it("refuses a bad --grpc-port with exit 2", async () => {
    expect((await runCli(["serve", "-m", model, "--grpc-port", "70000"])).code).toBe(2);
    expect((await runCli(["serve", "-m", model, "--grpc-port", "-1"])).code).toBe(2);
  });

  it("refuses --tls-cert without --tls-key and a bad --drain-timeout with exit 2", async () => {
    expect((await runCli(["serve", "-m", model, "--tls-cert", "a.pem"])).code).toBe(2);
    expect((await runCli(["serve", "-m", model, "--drain-timeout", "soon"])).code).toBe(2);
  });

  it("exits 11 when the port is in use", async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const s = serve(["-p", String(port)]);
      expect(await s.exited).toBe(11);
      expect(s.output().stderr).toContain(`Cannot listen on 127.0.0.1:${port}`);
    } finally {
      blocker.close();
    }
  });

  it("exits 3 for a missing model and 2 for a bad --port, before starting anything", async () => {
    const a = await runCli(["serve", "-m", join(dir, "nope")]);
    expect(a.code).toBe(3);
    const b = await runCli(["serve", "-m", model, "-p", "http"]);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain("--port");
  });
});
