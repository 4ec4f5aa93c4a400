import { MlflowException } from "@pyfunc/core";
import { describe, expect, it } from "vitest";
import { saveTestModel } from "../test/fixtures/models.js";
import { createServer } from "./index.js";

describe("a model that cannot be loaded", () => {
  it.each([
    ["in the worker threads", { workers: 1, inline: false }],
    ["in the workers and the HTTP thread", { workers: 1 }],
    ["in the HTTP thread", { workers: 0 }],
  ])("makes createServer reject with a typed MlflowException (%s)", async (_label, options) => {
    // the flavor module is not imported, so no plugin answers the model's loader module
    const modelUri = await saveTestModel({ behavior: "linear" });
    const error = await createServer({ modelUri, ...options }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MlflowException);
    expect((error as MlflowException).message).toMatch(/server-test-flavor/);
  });

  it("makes createServer reject for a directory without an MLmodel", async () => {
    const error = await createServer({ modelUri: "/nonexistent/model/dir", workers: 1, inline: false }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MlflowException);
  });
});
