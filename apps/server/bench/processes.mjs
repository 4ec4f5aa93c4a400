// The bench processes: a bench server in its own process (its own JIT state and heap, as in production), with a
// CPU meter (cpu-meter.mjs), and Debian's wrk (one C thread) driving it.
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const WRK = process.env.WRK ?? "/usr/bin/wrk";

/** Start a bench server process; resolves to { url, startMeter(), stop() → its CPU report }. */
export function startProcess(script, args, env = {}) {
  const child = spawn(process.execPath, [path.join(HERE, script), ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.on("exit", (code) => reject(new Error(`${script} exited (${code}): ${stderr.slice(0, 500)}`)));
    child.stdout.on("data", (d) => {
      out += d;
      const url = out.match(/http:\/\/[^\s]+/)?.[0];
      if (url === undefined) return;
      child.removeAllListeners("exit");
      resolve({
        url,
        startMeter: () => child.kill("SIGUSR2"),
        stop: () =>
          new Promise((done) => {
            child.on("exit", () => {
              const line = stderr.split("\n").find((l) => l.startsWith('{"cpuUs'));
              done(line ? JSON.parse(line) : {});
            });
            child.kill("SIGINT");
          }),
      });
    });
  });
}

/** Run `command` to its end; resolves to its stdout and stderr (rejects when it fails). */
export function runProcess(command, args, env = {}) {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d) => {
    out += d;
  });
  child.stderr.on("data", (d) => {
    out += d;
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${command} (${code}): ${out.slice(0, 500)}`)),
    );
  });
}

/** One wrk run of `seconds` at `connections` POSTing `file` to `url`: resolves to its BENCH line (requests,
 * duration_us, p50_us, p99_us, errors, non2xx). */
export async function wrk(url, file, connections, seconds) {
  const out = await runProcess(
    WRK,
    ["-t1", `-c${connections}`, `-d${seconds}s`, "--timeout", "30s", "-s", path.join(HERE, "post.lua"), url],
    { BENCH_BODY_FILE: file },
  );
  const line = out.split("\n").find((l) => l.startsWith("BENCH "));
  if (line === undefined) throw new Error(`wrk printed no BENCH line: ${out.slice(0, 500)}`);
  return JSON.parse(line.slice(6));
}
