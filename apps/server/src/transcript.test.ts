import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IMPROVED_STATUS, nonFiniteToNull, readTranscript, replay } from "../crosscheck/replay.js";
import { saveTestModel } from "../test/fixtures/models.js";
import { startTestServer, type TestServer } from "../test/helpers.js";

const FILE = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "..",
  "test",
  "fixtures",
  "transcripts",
  "pyfunc-python-model.json",
);
const transcript = readTranscript(FILE);

describe("replaying MLflow 2.17.2's recorded scoring-server transcript (own copy)", () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer({
      modelUri: await saveTestModel({ behavior: "linear", config: { vocab: ["alice", "bob", "carol"] } }),
      workers: 1,
    });
  });
  afterAll(() => srv.close());

  it.each(transcript.cases.map((c) => [c.name, c] as const))(
    "%s: same status, error_code and predictions",
    async (_n, c) => {
      const ours = await replay(srv.url, c);
      const status = IMPROVED_STATUS[c.name] ?? c.response.status;
      expect(ours.status, ours.body.slice(0, 300)).toBe(status);
      const json = c.response.body_json as Record<string, unknown> | null;
      if (c.name in IMPROVED_STATUS || json === null || typeof json !== "object" || status >= 404) return;
      const mine = JSON.parse(ours.body) as Record<string, unknown>;
      if ("error_code" in json) expect(mine.error_code).toBe(json.error_code);
      if ("predictions" in json) expect(mine.predictions).toEqual(nonFiniteToNull(json.predictions));
    },
  );
});
