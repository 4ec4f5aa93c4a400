import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadModel } from "@pyfunc/core";
import { type FakeMlflowServer, startFakeMlflowServer } from "@pyfunc/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { logModel } from "./index.js";

const here = path.dirname(fileURLToPath(import.meta.url));
let server: FakeMlflowServer;
let work: string;
const savedEnv = process.env.MLFLOW_TRACKING_URI;

beforeAll(async () => {
  server = await startFakeMlflowServer();
  work = await mkdtemp(path.join(tmpdir(), "pyfunc-logmodel-"));
  process.env.MLFLOW_TRACKING_URI = server.url;
});

afterAll(async () => {
  if (savedEnv === undefined) delete process.env.MLFLOW_TRACKING_URI;
  else process.env.MLFLOW_TRACKING_URI = savedEnv;
  await server.close();
  await rm(work, { recursive: true, force: true });
});

describe("logModel", () => {
  it("logs to a run, registers a version, and loads back through models:/<name>/<version>", async () => {
    const info = await logModel({
      pythonModel: path.join(here, "../fixtures/sources/echo.mjs"),
      registeredModelName: "echo",
      awaitRegistrationFor: 10,
    });
    expect(info.registeredModelVersion).toMatchObject({ name: "echo", version: "1", status: "READY" });
    expect(server.runs.get(info.runId)?.logged_models).toHaveLength(1);
    const model = await loadModel("models:/echo/1", { dstPath: work, suppressWarnings: true });
    expect(await model.predict([{ text: "hi there" }])).toEqual(["hi there"]);
    expect(model.isStreamable).toBe(true);
    await model.close();
  });
});
