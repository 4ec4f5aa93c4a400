/**
 * Quick start: serve the example XGBoost model (trained in Python, saved as an MLflow model directory) with the
 * @pyfunc scoring server, score it once over HTTP exactly as a client of `mlflow models serve` would, and check the
 * answer against what XGBoost itself predicted. `--keep` leaves the server running on port 5000.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { startServer } from "@pyfunc/server";
import { xgboostExpectedFile, xgboostModelDir } from "./example-paths.js";

const keep = process.argv.includes("--keep");
const server = await startServer({
  modelUri: xgboostModelDir,
  host: "127.0.0.1",
  port: keep ? 5000 : 0,
  workers: 1,
  timeoutSeconds: 60,
  logger: keep, // request logs (pino JSON lines) only when the server keeps running
  // the flavor package to import before loading the model (found anyway when run from this package's folder)
  imports: [import.meta.resolve("@pyfunc/xgboost")],
});

const body = JSON.stringify(
  JSON.parse(await readFile(join(xgboostModelDir, "serving_input_example.json"), "utf8")),
);
const expected = JSON.parse(await readFile(xgboostExpectedFile, "utf8")) as { predictions: number[] };

console.log(`Serving ${xgboostModelDir}\n  at ${server.url}\n`);
console.log("$ curl -s", `${server.url}/invocations`, "-H 'Content-Type: application/json' \\");
console.log(`    -d '${body}'`);
const response = await fetch(`${server.url}/invocations`, {
  method: "POST",
  headers: { "Content-Type": "application/json" },
  body,
});
const answer = await response.text();
console.log(answer, "\n");

let ok = response.status === 200;
try {
  const { predictions } = JSON.parse(answer) as { predictions: number[] };
  ok &&= JSON.stringify(predictions) === JSON.stringify(expected.predictions);
  console.log(
    ok
      ? `OK: the predictions equal XGBoost's own in Python (${JSON.stringify(expected.predictions)}).`
      : `MISMATCH: Python XGBoost predicted ${JSON.stringify(expected.predictions)}.`,
  );
} catch {
  ok = false;
  console.log(`The server answered HTTP ${response.status} with a body that is not JSON.`);
}

if (keep) {
  console.log(`\nThe server keeps running on ${server.url}; stop it with Ctrl-C.`);
  process.once("SIGINT", () => void server.close().then(() => process.exit(0)));
} else {
  await server.close();
  process.exitCode = ok ? 0 : 1;
}
