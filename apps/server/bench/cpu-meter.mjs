// Shared by the bench servers: the process CPU time over a measured run, per request.
// SIGUSR2 starts (or restarts) the measurement; SIGINT/SIGTERM print one JSON line to stderr
// ({"cpuUs", "cpuUsPerRequest", "userUsPerRequest", "requests"}), close the server and exit.
// `count: false` leaves the requests uncounted (no onResponse hook, whose cost would be measured too): the
// caller divides cpuUs by the load generator's own count.
export function meterRequests(app, close, { count = true } = {}) {
  let answered = 0;
  let cpuStart = process.cpuUsage();
  if (count) {
    app.addHook("onResponse", (_request, _reply, done) => {
      answered++;
      done();
    });
  }
  process.on("SIGUSR2", () => {
    answered = 0;
    cpuStart = process.cpuUsage();
  });
  const stop = async () => {
    const cpu = process.cpuUsage(cpuStart);
    const n = Math.max(1, answered);
    process.stderr.write(
      `${JSON.stringify({ cpuUs: cpu.user + cpu.system, cpuUsPerRequest: (cpu.user + cpu.system) / n, userUsPerRequest: cpu.user / n, requests: answered })}\n`,
    );
    await close();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
