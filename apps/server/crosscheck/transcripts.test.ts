import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type PyfuncServer } from "../src/index.js";
import { saveTestModel, TEST_FLAVOR_MODULE } from "../test/fixtures/models.js";
import { IMPROVED_STATUS, nonFiniteToNull, readTranscript, replay, type TranscriptCase } from "./replay.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, "..", "..", "..");
const SHARED = path.resolve(REPO, "..", "shared");
const TRANSCRIPTS = path.join(SHARED, "spec", "mlflow-server-transcripts", "mlflow-2.17.2");
const XGB_MODEL = path.join(
  SHARED,
  "fixtures",
  "mlflow-real",
  "mlflow-2.17.2",
  "xgboost-binary-sklearn",
  "model",
);
const JS_TRANSCRIPT_MODEL = path.join(REPO, "packages", "custom-class", "fixtures", "transcript-model");
const haveShared = existsSync(TRANSCRIPTS) && existsSync(XGB_MODEL);
if (!haveShared) {
  console.warn(`[crosscheck] ${SHARED} is absent: skipping the MLflow transcript replay`);
}

function check(c: TranscriptCase, ours: { status: number; contentType: string; body: string }): void {
  const expected = c.response;
  const status = IMPROVED_STATUS[c.name] ?? expected.status;
  expect(ours.status, `${c.name}: status (body ${ours.body.slice(0, 300)})`).toBe(status);
  if (c.name in IMPROVED_STATUS) return;
  if (status === 415) {
    expect(ours.contentType).toMatch(/^text\/plain/);
    return;
  }
  const json = expected.body_json as Record<string, unknown> | null;
  if (json === null || typeof json !== "object" || status === 404 || status === 405) return;
  const mine = JSON.parse(ours.body) as Record<string, unknown>;
  if ("error_code" in json) {
    expect(mine.error_code, `${c.name}: error_code (${String(mine.message)})`).toBe(json.error_code);
    expect(typeof mine.message).toBe("string");
  }
  if ("predictions" in json) {
    expect(mine.predictions, `${c.name}: predictions`).toEqual(nonFiniteToNull(json.predictions));
  }
}

function replaySuite(transcriptFile: string, start: () => Promise<PyfuncServer>): void {
  const transcript = readTranscript(transcriptFile);
  let server: PyfuncServer;
  let url: string;
  beforeAll(async () => {
    server = await start();
    url = await server.listen({ host: "127.0.0.1", port: 0 });
  });
  afterAll(() => server.close());
  it.each(transcript.cases.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    check(c, await replay(url, c));
  });
}

describe.skipIf(!haveShared)(
  "MLflow 2.17.2 transcript: XGBClassifier against its real MLflow model directory",
  () => {
    replaySuite(path.join(TRANSCRIPTS, "xgboost-binary-sklearn.json"), () =>
      createServer({ modelUri: XGB_MODEL, imports: ["@pyfunc/xgboost"], workers: 1 }),
    );
  },
);

describe.skipIf(!haveShared || !existsSync(JS_TRANSCRIPT_MODEL))(
  "MLflow 2.17.2 transcript: PythonModel against the JavaScript custom-class model",
  () => {
    replaySuite(path.join(TRANSCRIPTS, "pyfunc-python-model.json"), () =>
      createServer({ modelUri: JS_TRANSCRIPT_MODEL, imports: ["@pyfunc/custom-class"], workers: 1 }),
    );
  },
);

describe.skipIf(!haveShared)(
  "MLflow 2.17.2 transcript: PythonModel against the server's own test-flavor model",
  () => {
    replaySuite(path.join(TRANSCRIPTS, "pyfunc-python-model.json"), async () =>
      createServer({
        modelUri: await saveTestModel({ behavior: "linear", config: { vocab: ["alice", "bob", "carol"] } }),
        imports: [TEST_FLAVOR_MODULE],
        workers: 1,
      }),
    );
  },
);
