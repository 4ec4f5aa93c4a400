import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadModel } from "../model/load-model.js";
import type { PyFuncModel } from "../model/pyfunc-model.js";
import type { LoggedModelInfo } from "../uri/log-model.js";
import { type FakeMlflowServer, startFakeMlflowServer } from "./fake-mlflow-server.js";

export interface LogModelRoundTripOptions<O> {
  /** The flavor's logModel (usually `createLogModel(saveModel)`). */
  logModel: (
    options: O & { registeredModelName?: string; awaitRegistrationFor?: number },
  ) => Promise<LoggedModelInfo>;
  /** The flavor's save options for one model. */
  saveOptions: O;
  /** Registered model name to use. */
  name: string;
  /** Assertions on the model loaded back through `models:/<name>/1`. */
  check: (model: PyFuncModel) => void | Promise<void>;
}

/**
 * Register a vitest test: log a model with the flavor's `logModel` to a local fake MLflow tracking server
 * (MLFLOW_TRACKING_URI points at it during the test), register it, and load it back through `models:/<name>/1`.
 */
export function runLogModelRoundTrip<O>(options: LogModelRoundTripOptions<O>): void {
  describe("logModel", () => {
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

    it("logs to a run, registers a version, and loads back through models:/<name>/<version>", async () => {
      const info = await options.logModel({
        ...options.saveOptions,
        registeredModelName: options.name,
        awaitRegistrationFor: 10,
      });
      expect(info.registeredModelVersion).toMatchObject({
        name: options.name,
        version: "1",
        status: "READY",
      });
      expect(server.runs.get(info.runId)?.logged_models).toHaveLength(1);
      const model = await loadModel(`models:/${options.name}/1`, { dstPath: work, suppressWarnings: true });
      try {
        await options.check(model);
      } finally {
        await model.close();
      }
    });
  });
}
