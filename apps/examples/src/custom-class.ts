/**
 * Example 2, a TypeScript custom-class model: save custom-class/model.ts (a bakery order pricer with a CSV price
 * list artifact, a model_config and zod row schemas) as an MLflow model directory, load it in-process, then
 * serve it with the @pyfunc scoring server and score it over HTTP as any MLflow client would.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadModel } from "@pyfunc/core";
import { saveModel } from "@pyfunc/custom-class";
import { startServer } from "@pyfunc/server";
import { customClassDir, resolveModelPackagesFromExamples } from "./example-paths.js";

resolveModelPackagesFromExamples();

const orders = [
  { item: "croissant", quantity: 4 },
  { item: "baguette", quantity: 2 },
  { item: "eclair", quantity: 1 },
];

const workDir = await mkdtemp(join(tmpdir(), "pyfunc-example-custom-class-"));
const modelDir = join(workDir, "bakery-pricer");
let ok = true;
const check = (what: string, passed: boolean) => {
  if (!passed) console.log(`FAILED: ${what}`);
  ok &&= passed;
};

try {
  // 1. Save: the code is compiled into the directory, the artifact copied, the config and signature recorded.
  await saveModel(modelDir, {
    pythonModel: join(customClassDir, "model.ts"),
    artifacts: { prices: join(customClassDir, "artifacts", "prices.csv") },
    modelConfig: { currency: "EUR", vatRate: 0.055 }, // take-away VAT in France
    inputExample: [{ item: "croissant", quantity: 2 }],
  });
  console.log(`Saved ${modelDir}; its MLmodel:\n`);
  console.log((await readFile(join(modelDir, "MLmodel"), "utf8")).replace(/^/gm, "  "));

  // 2. Load in-process and predict; then load again with a load-time model_config override.
  const model = await loadModel(modelDir);
  const local = await model.predict(orders);
  console.log("In-process predict:", JSON.stringify(local));
  const eatIn = await loadModel(modelDir, { modelConfig: { vatRate: 0.1 } });
  const eatInQuotes = (await eatIn.predict([orders[0]!])) as { vat: number }[];
  console.log("Loaded with modelConfig {vatRate: 0.1}:", JSON.stringify(eatInQuotes));
  await Promise.all([model.close(), eatIn.close()]);

  // 3. Serve it: two worker threads, each with its own copy of the model.
  const server = await startServer({
    modelUri: modelDir,
    host: "127.0.0.1",
    port: 0,
    workers: 2,
    timeoutSeconds: 30,
    logger: false,
    handleSignals: false,
    // the flavor package each worker imports before loading (found anyway when run from this package's folder)
    imports: [import.meta.resolve("@pyfunc/custom-class")],
  });
  try {
    console.log(`\nServing at ${server.url}`);
    const ping = await fetch(`${server.url}/ping`);
    check("GET /ping answers 200", ping.status === 200);

    const score = async (body: unknown) => {
      const text = JSON.stringify(body);
      console.log(`\n$ curl -s ${server.url}/invocations -H 'Content-Type: application/json' -d '${text}'`);
      const res = await fetch(`${server.url}/invocations`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: text,
      });
      const answer = await res.text();
      console.log(`HTTP ${res.status} ${answer}`);
      return { status: res.status, json: JSON.parse(answer) as Record<string, unknown> };
    };

    const quoted = await score({ dataframe_records: orders });
    check("POST /invocations answers 200", quoted.status === 200);
    check(
      "the server predicts what the in-process model predicts",
      JSON.stringify(quoted.json.predictions) === JSON.stringify(local),
    );

    // The zod row schema rejects quantity 0; the model itself rejects items missing from the price list.
    const invalid = await score({ dataframe_records: [{ item: "croissant", quantity: 0 }] });
    check("an invalid row is a 400 with an MLflow error code", invalid.status === 400);
    const unknown = await score({ dataframe_split: { columns: ["item", "quantity"], data: [["bagel", 1]] } });
    check("an unknown item is a 400 with an MLflow error code", unknown.status === 400);
  } finally {
    await server.close();
  }
} finally {
  await rm(workDir, { recursive: true, force: true });
}

console.log(ok ? "\nOK: saved, loaded and served; HTTP answers equal the in-process ones." : "\nFAILED");
process.exitCode = ok ? 0 : 1;
