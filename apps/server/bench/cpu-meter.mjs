// Shared by the bench servers: counts answered requests and reports the process CPU time per request.
// SIGUSR2 starts (or restarts) the measurement; SIGINT/SIGTERM print one JSON line to stderr
// ({"cpuUsPerRequest", "userUsPerRequest", "requests"}), close the server and exit.
export function meterRequests(app, close) {
  let answered = 0;
  let cpuStart = process.cpuUsage();
  app.addHook("onResponse", (_request, _reply, done) => {
    answered++;
    done();
  });
  process.on("SIGUSR2", () => {
    answered = 0;
    cpuStart = process.cpuUsage();
  });
  const stop = async () => {
    const cpu = process.cpuUsage(cpuStart);
    const n = Math.max(1, answered);
    process.stderr.write(
      `${JSON.stringify({ cpuUsPerRequest: (cpu.user + cpu.system) / n, userUsPerRequest: cpu.user / n, requests: answered })}\n`,
    );
    await close();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
