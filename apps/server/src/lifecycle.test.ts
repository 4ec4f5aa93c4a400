import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { SLEEP_SIGNATURE, saveTestModel } from "../test/fixtures/models.js";
import { post } from "../test/helpers.js";

const CHILD = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  "..",
  "test",
  "fixtures",
  "serve-child.mjs",
);

function startChild(
  modelDir: string,
): Promise<{ child: ChildProcess; url: string; exit: Promise<number | null> }> {
  const child = spawn(process.execPath, [CHILD, modelDir], { stdio: ["ignore", "pipe", "pipe"] });
  const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    child.stderr!.on("data", (d: Buffer) => {
      err += d.toString();
    });
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /LISTENING (\S+)/.exec(out);
      if (m) resolve({ child, url: m[1]!, exit });
    });
    child.once("exit", (code) => reject(new Error(`server exited early (${code}): ${err}`)));
  });
}

describe("graceful shutdown in a real child process", () => {
  it.each(["SIGTERM", "SIGINT"] as const)(
    "on %s finishes every in-flight request, refuses new connections, then exits 0",
    async (signal) => {
      const modelDir = await saveTestModel({ behavior: "sleep", signature: SLEEP_SIGNATURE });
      const { child, url, exit } = await startChild(modelDir);
      const body = (ms: number) => JSON.stringify({ dataframe_records: [{ a: 1 }], params: { ms } });
      const inFlight = [
        post(`${url}/invocations`, body(3000)),
        post(`${url}/invocations`, body(3000)),
        post(`${url}/invocations`, body(2000)),
      ];
      // signal only once the server holds all three requests (the metrics request itself is the fourth)
      for (let i = 0; i < 100; i++) {
        const metrics = await (await fetch(`${url}/metrics`)).text();
        const inFlight = Number(/^pyfunc_http_requests_in_flight (\d+)/m.exec(metrics)?.[1] ?? 0);
        if (inFlight >= 4) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      child.kill(signal);
      const results = await Promise.all(inFlight);
      expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
      expect(results.map((r) => r.json())).toEqual([
        { predictions: [1] },
        { predictions: [1] },
        { predictions: [1] },
      ]);
      expect(await exit).toBe(0);
      await expect(fetch(`${url}/ping`)).rejects.toThrow();
    },
    30_000,
  );
});
