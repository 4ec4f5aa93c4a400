// Issue 17's findings 1, 2, 5, 6, 7 and 9–11, reproduced against a real `pyfunc serve` process (the CLI from this
// clone), with the report's requests: per finding what the client saw (status, time to the answer) and whether the
// server lived. Findings 3 and 4 are bench/shapes.mjs; finding 8 is the "big bodies in flight" case of run.mjs.
// A measurement, not a test (the tests are src/isolation, hardening, drain, scheduling .test.ts).
//   node bench/findings.mjs        (after `pnpm build`)
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { MODELS } from "./models.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.resolve(HERE, "..", "..", "cli", "dist", "bin.js");
const HOSTILE = path.join(HERE, "..", "test", "fixtures", "hostile-model.mjs");
const TMP = mkdtempSync(path.join(os.tmpdir(), "pyfunc-findings-"));
process.on("exit", () => rmSync(TMP, { recursive: true, force: true }));

const { saveModel } = await import("@pyfunc/function");
const hostileDir = path.join(TMP, "hostile");
await saveModel(hostileDir, { modelCode: HOSTILE, signature: null });

const body = (mode) => JSON.stringify({ dataframe_split: { columns: ["mode", "x"], data: [[mode, 1]] } });

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** `pyfunc serve` in a child process; resolves when /ping answers. */
async function serve(modelDir, extra = []) {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [CLI, "serve", "-m", modelDir, "-p", String(port), "--log-level", "silent", ...extra],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  let exited = null;
  child.on("exit", (code, signal) => {
    exited = { code, signal };
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    if (exited) throw new Error(`serve exited: ${stderr.slice(0, 400)}`);
    try {
      if ((await fetch(`${url}/ping`)).ok) break;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    child,
    port,
    exited: () => exited,
    stderr: () => stderr,
    stop: () =>
      new Promise((r) => {
        if (exited) return r();
        child.on("exit", r);
        child.kill("SIGKILL");
      }),
  };
}

async function timed(url, init) {
  const t = performance.now();
  try {
    const res = await fetch(url, init);
    const text = await res.text();
    return { status: res.status, ms: performance.now() - t, bytes: text.length, text };
  } catch (e) {
    return { status: `error (${e.cause?.code ?? e.message})`, ms: performance.now() - t, bytes: 0, text: "" };
  }
}
const post = (url, b, headers = {}) =>
  timed(`${url}/invocations`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: b,
  });

/** Ping every 50 ms while `work` runs: the longest ping. */
async function withPings(url, work) {
  let stop = false;
  let worst = 0;
  const pinger = (async () => {
    while (!stop) {
      const p = await timed(`${url}/ping`);
      worst = Math.max(worst, p.ms);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  const result = await work();
  stop = true;
  await pinger;
  return { ...result, worstPingMs: worst };
}

const rows = [];
const row = (finding, request, seen) => {
  rows.push({ finding, request, seen });
  process.stderr.write(`${finding} | ${request} | ${seen}\n`);
};
const ms = (x) => `${Math.round(x)} ms`;

// Finding 1: warmed with 20 ordinary requests, then one hostile request each.
{
  const srv = await serve(hostileDir, ["-t", "5", "-w", "1"]);
  for (let i = 0; i < 20; i++) await post(srv.url, body("ok"));
  for (const mode of ["async-throw", "exit", "loop", "oom"]) {
    const r = await withPings(srv.url, () => post(srv.url, body(mode)));
    const after = await post(srv.url, body("ok"));
    row(
      "1 model code kills/hangs the server",
      `mode=${mode} (-t 5, warmed)`,
      `${r.status} in ${ms(r.ms)}; worst /ping ${ms(r.worstPingMs)}; next request ${after.status}; server ${srv.exited() ? "EXITED" : "alive"}`,
    );
  }
  await srv.stop();
}

// Finding 2: -t 1, a model call of 2 s.
{
  const srv = await serve(hostileDir, ["-t", "1", "-w", "1"]);
  for (let i = 0; i < 20; i++) await post(srv.url, body("ok"));
  const r = await withPings(srv.url, () => post(srv.url, body("busy-2s")));
  row(
    "2 timeout on every path",
    "mode=busy-2s (-t 1, warmed)",
    `${r.status} in ${ms(r.ms)}; worst /ping ${ms(r.worstPingMs)}`,
  );
  await srv.stop();
}

// Finding 5: a client that disconnects; the next request's wait.
{
  const srv = await serve(hostileDir, ["-t", "30", "-w", "1"]);
  for (let i = 0; i < 5; i++) await post(srv.url, body("ok"));
  const ac = new AbortController();
  const gone = fetch(`${srv.url}/invocations`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: body("loop"),
    signal: ac.signal,
  }).catch(() => {});
  await new Promise((r) => setTimeout(r, 300));
  ac.abort();
  await gone;
  const next = await post(srv.url, body("ok"));
  row(
    "5 disconnect cancels work",
    "endless request aborted after 0.3 s, then one ordinary request",
    `next: ${next.status} in ${ms(next.ms)}`,
  );
  await srv.stop();
}

// Finding 6: a body that stalls after its headers; the connection cap.
{
  const srv = await serve(MODELS.xgboost.modelDir, ["--body-timeout", "2", "--max-connections", "100"]);
  const t = performance.now();
  const closed = await new Promise((resolve) => {
    const s = net.connect(srv.port, "127.0.0.1", () => {
      s.write(
        'POST /invocations HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"da',
      );
    });
    let answer = "";
    s.on("data", (d) => {
      answer += d;
    });
    s.on("close", () => resolve(answer.split("\r\n")[0] || "(closed without answer)"));
    s.on("error", () => {});
  });
  row(
    "6 body timeout",
    "headers, 4 body bytes of 100, then silence (--body-timeout 2)",
    `${closed} after ${ms(performance.now() - t)}`,
  );
  const sockets = [];
  for (let i = 0; i < 300; i++) {
    sockets.push(
      await new Promise((resolve) => {
        const s = net.connect(srv.port, "127.0.0.1", () => resolve(s));
        s.on("error", () => resolve(s));
      }),
    );
  }
  await new Promise((r) => setTimeout(r, 500));
  const open = sockets.filter((s) => !s.destroyed && s.readyState === "open").length;
  for (const s of sockets) s.destroy();
  await new Promise((r) => setTimeout(r, 300));
  const fresh = await timed(`${srv.url}/ping`);
  row(
    "6 connection cap",
    "300 idle connections (--max-connections 100)",
    `${open} kept open; /ping afterwards ${fresh.status}`,
  );
  await srv.stop();
}

// Finding 7: SIGTERM under 16 keep-alive connections; the drain deadline.
{
  const srv = await serve(MODELS.xgboost.modelDir, ["--drain-timeout", "3"]);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const xgbBody = JSON.stringify({
    dataframe_split: { columns: ["f one", "f_two", "f3", "f4"], data: [[1, 2, 3, 4]] },
  });
  const one = () =>
    new Promise((resolve) => {
      const req = http.request(
        `${srv.url}/invocations`,
        {
          method: "POST",
          agent,
          headers: { "content-type": "application/json", "content-length": Buffer.byteLength(xgbBody) },
        },
        (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode));
        },
      );
      req.on("error", (e) => resolve(e.code ?? "error"));
      req.end(xgbBody);
    });
  await Promise.all(Array.from({ length: 16 }, one));
  const outcomes = [];
  const load = Array.from({ length: 16 }, async () => {
    for (let i = 0; i < 4; i++) outcomes.push(await one());
  });
  setTimeout(() => srv.child.kill("SIGTERM"), 5);
  await Promise.all(load);
  const resets = outcomes.filter((o) => o === "ECONNRESET").length;
  const count = (s) => outcomes.filter((o) => o === s).length;
  row(
    "7 drain drops nothing",
    "SIGTERM while 16 keep-alive connections send 4 requests each",
    `${count(200)} × 200, ${resets} ECONNRESET, ${outcomes.length - count(200) - resets} other (refused after close: ${count("ECONNREFUSED")})`,
  );
  agent.destroy();
  await srv.stop();
  const slow = await serve(hostileDir, ["-t", "60", "--drain-timeout", "3"]);
  void post(slow.url, body("loop"));
  await new Promise((r) => setTimeout(r, 300));
  const t = performance.now();
  await new Promise((r) => {
    slow.child.on("exit", r);
    slow.child.kill("SIGTERM");
  });
  row(
    "7 drain deadline",
    "SIGTERM during an endless request (--drain-timeout 3)",
    `exit after ${ms(performance.now() - t)}`,
  );
}

// Finding 9: the model directory.
{
  const outside = path.join(TMP, "outside-MLmodel");
  writeFileSync(outside, "flavors: {}\nsecret: do-not-echo\n");
  const linked = path.join(TMP, "linked");
  mkdirSync(linked);
  symlinkSync(outside, path.join(linked, "MLmodel"));
  const fifoDir = path.join(TMP, "fifo");
  mkdirSync(fifoDir);
  writeFileSync(
    path.join(fifoDir, "MLmodel"),
    "flavors:\n  python_function:\n    loader_module: mlflow.xgboost\n    data: model.xgb\n  xgboost:\n    data: model.xgb\n    model_class: xgboost.core.Booster\n",
  );
  execFileSync("mkfifo", [path.join(fifoDir, "model.xgb")]);
  for (const [what, dir] of [
    ["MLmodel a symlink out of the directory", linked],
    ["a FIFO as data", fifoDir],
  ]) {
    const t = performance.now();
    const out = await new Promise((resolve) => {
      const c = spawn(process.execPath, [CLI, "predict", "-m", dir, "-i", "-", "-t", "json"], {
        stdio: ["pipe", "pipe", "pipe"],
      });
      let err = "";
      c.stderr.on("data", (d) => {
        err += d;
      });
      const timer = setTimeout(() => c.kill("SIGKILL"), 20_000);
      c.on("exit", (code) => {
        clearTimeout(timer);
        resolve({ code, err });
      });
      c.stdin.end('{"inputs": [[1, 2, 3, 4]]}');
    });
    const echoed = out.err.includes("do-not-echo") ? "; content ECHOED" : "";
    row(
      "9 model directory",
      what,
      `exit ${out.code} in ${ms(performance.now() - t)}: ${out.err.trim().split("\n")[0].slice(0, 140)}${echoed}`,
    );
  }
}

// Finding 10: error shapes.
{
  const srv = await serve(MODELS.xgboost.modelDir);
  const longUrl = await timed(`${srv.url}/invocations?${"x".repeat(20_000)}`, { method: "POST" });
  row("10 error shapes", "a 20 KB URL", `${longUrl.status} ${longUrl.text.slice(0, 90)}`);
  const parquet = await timed(`${srv.url}/invocations`, {
    method: "POST",
    headers: { "content-type": "application/vnd.apache.parquet" },
    body: Buffer.concat([
      Buffer.from("PAR1garbage"),
      Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]),
      Buffer.from("PAR1"),
    ]),
  });
  row(
    "10 error shapes",
    "a Parquet body with a garbage footer",
    `${parquet.status} ${parquet.text.slice(0, 120)}`,
  );
  const traversal = await timed(`${srv.url}/docs/static/%2e%2e/%2e%2e/package.json`);
  row("10 error shapes", "/docs/static/%2e%2e/…", `${traversal.status} ${traversal.text.slice(0, 90)}`);
  const badLength = await new Promise((resolve) => {
    const s = net.connect(srv.port, "127.0.0.1", () =>
      s.write("POST /invocations HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-length: abc\r\n\r\n"),
    );
    let a = "";
    s.on("data", (d) => {
      a += d;
    });
    s.on("close", () =>
      resolve(`${a.split("\r\n")[0]} ${a.slice(a.indexOf("\r\n\r\n") + 4, a.indexOf("\r\n\r\n") + 80)}`),
    );
    s.on("error", () => resolve(a || "error"));
  });
  row("10 error shapes", "Content-Length: abc", badLength);
  await srv.stop();
}

// Finding 11: production controls (each a flag of `pyfunc serve`).
{
  const srv = await serve(MODELS.xgboost.modelDir, [
    "--auth-token",
    "s3cret",
    "--cors-origin",
    "https://app.example",
    "--no-docs",
  ]);
  const noToken = await timed(`${srv.url}/invocations`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: "{}",
  });
  const ping = await timed(`${srv.url}/ping`);
  const preflight = await fetch(`${srv.url}/invocations`, {
    method: "OPTIONS",
    headers: {
      origin: "https://app.example",
      "access-control-request-method": "POST",
      authorization: "Bearer s3cret",
    },
  });
  // fetch does not send a Host header of the caller's; node:http does
  const rebinding = await new Promise((resolve) => {
    http
      .get(`${srv.url}/ping`, { headers: { host: "evil.example" } }, (res) => {
        res.resume();
        resolve({ status: res.statusCode });
      })
      .on("error", (e) => resolve({ status: e.code }));
  });
  const docs = await timed(`${srv.url}/docs`, { headers: { authorization: "Bearer s3cret" } });
  row(
    "11 production controls",
    "--auth-token, --cors-origin, Host allow-list, --no-docs",
    `no token ${noToken.status}; /ping ${ping.status}; OPTIONS ${preflight.status} (allow-origin ${preflight.headers.get("access-control-allow-origin")}); Host evil.example ${rebinding.status}; /docs ${docs.status}`,
  );
  await srv.stop();
}

console.log("| finding | request | seen |\n| --- | --- | --- |");
for (const r of rows) console.log(`| ${r.finding} | ${r.request} | ${r.seen} |`);
process.exit(0);
