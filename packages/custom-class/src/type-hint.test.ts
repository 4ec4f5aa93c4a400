import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadModel } from "@pyfunc/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { saveModel } from "./index.js";

const SOURCES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../test-sources");
let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "pyfunc-type-hint-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("signatures from a row schema (MLflow's type-hint signatures)", () => {
  it("marks the signature is_signature_from_type_hint and predicts z.record rows of different keys", async () => {
    const target = path.join(root, "record");
    const model = await saveModel(target, { pythonModel: path.join(SOURCES, "record-rows.ts") });
    expect(model.isSignatureFromTypeHint).toBe(true);
    expect(await readFile(path.join(target, "MLmodel"), "utf8")).toMatch(/is_signature_from_type_hint: true/);
    const loaded = await loadModel(target);
    expect(await loaded.predict([{ a: "x" }, { b: "y", c: "z" }])).toEqual(["a", "b,c"]);
  });
});
