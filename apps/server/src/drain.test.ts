// Issue 17, finding 7: SIGTERM under keep-alive load drops nothing, and the drain has a deadline.
import { type ChildProcess, spawn } from "node:child_process";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { SLEEP_SIGNATURE, saveTestModel, TEST_FLAVOR_MODULE } from "../test/fixtures/models.js";
import { SPLIT_3 } from "../test/helpers.js";

const CHILD = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  "..",
  "test",
  "fixtures",
  "drain-child.mjs",
);

function startChild(
  modelDir: string,
  drainTimeoutMs?: number,
): Promise<{ child: ChildProcess; url: string }> {
  const args = [
    CHILD,
    modelDir,
    TEST_FLAVOR_MODULE,
    ...(drainTimeoutMs !== undefined ? [String(drainTimeoutMs)] : []),
  ];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
      const url = out.match(/https?:\/\/\S+/)?.[0];
      if (url !== undefined) resolve({ child, url });
    });
    child.once("exit", (code) => reject(new Error(`server exited early (${code})`)));
  });
}

function postOn(agent: http.Agent, url: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${url}/invocations`,
      {
        method: "POST",
        agent,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

describe("drain on SIGTERM", () => {
  it("answers every request written on 16 keep-alive connections after the signal: 0 resets", async () => {
    const { child, url } = await startChild(await saveTestModel({ behavior: "linear" }));
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    const body = JSON.stringify(SPLIT_3);
    const counts = { ok: 0, other: 0, resets: 0, refused: 0, afterSignal: 0 };
    let signalled = false;
    const loop = async () => {
      for (;;) {
        try {
          const status = await postOn(agent, url, body);
          if (status === 200) counts.ok++;
          else counts.other++;
          if (signalled) counts.afterSignal++;
        } catch (error) {
          const code = (error as { code?: string }).code;
          if (code === "ECONNREFUSED") {
            counts.refused++;
            return; // the server stopped accepting: nothing more to send
          }
          counts.resets++;
          return;
        }
      }
    };
    const loops = Array.from({ length: 16 }, loop);
    while (counts.ok < 400) await new Promise((r) => setTimeout(r, 10));
    signalled = true;
    child.kill("SIGTERM");
    await Promise.all(loops);
    agent.destroy();
    expect(await exited).toBe(0);
    expect(counts.resets).toBe(0);
    expect(counts.other).toBe(0);
    expect(counts.afterSignal).toBeGreaterThan(0); // requests already on the wire were answered
  });

  it("exits at the drain deadline when a request runs longer", async () => {
    const modelDir = await saveTestModel({ behavior: "sleep", signature: SLEEP_SIGNATURE });
    const { child, url } = await startChild(modelDir, 300);
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    const agent = new http.Agent({ keepAlive: false });
    const slow = postOn(
      agent,
      url,
      JSON.stringify({ dataframe_records: [{ a: 1 }], params: { ms: 120_000 } }),
    ).catch(() => "cut");
    await new Promise((r) => setTimeout(r, 500));
    child.kill("SIGTERM");
    // a drain without a deadline would wait for the 120 s request (and this test would time out)
    expect(await exited).toBe(1);
    expect(await slow).toBe("cut");
  });
});
