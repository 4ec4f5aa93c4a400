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

describe("TypeFromExample (MLflow's update_signature_for_type_hint_from_example)", () => {
  const save = (name: string, file: string, inputExample?: unknown) =>
    saveModel(path.join(root, name), {
      pythonModel: path.join(SOURCES, file),
      ...(inputExample !== undefined ? { inputExample: inputExample as never } : {}),
    });

  it("infers the signature from the example, marks type_hint_from_example and predicts in the example's form", async () => {
    const strings = await save("tfe-strings", "from-example.ts", ["x", "y", "z"]);
    expect(strings.typeHintFromExample).toBe(true);
    expect(strings.isSignatureFromTypeHint).toBeUndefined();
    expect(strings.signature?.inputs).toBe('[{"type": "string", "required": true}]');
    expect(await readFile(path.join(root, "tfe-strings", "MLmodel"), "utf8")).toMatch(
      /type_hint_from_example: true/,
    );
    expect(await (await loadModel(path.join(root, "tfe-strings"))).predict(["a", "b"])).toEqual(["a", "b"]);

    const records = [
      { role: "user", content: "hello" },
      { role: "admin", content: "hi" },
    ];
    await save("tfe-records", "from-example.ts", records);
    const loaded = await loadModel(path.join(root, "tfe-records"));
    expect(await loaded.predict([{ role: "user", content: "bye" }])).toEqual([
      { role: "user", content: "bye" },
    ]);
  });

  it("without the type hint the model gets the enforced DataFrame (the control)", async () => {
    const model = await save("untyped", "untyped-echo.ts", ["x", "y"]);
    expect(model.typeHintFromExample).toBeUndefined();
    const out = await (await loadModel(path.join(root, "untyped"))).predict(["a", "b"]);
    expect(out).toEqual({ dataframe: [{ "0": "a" }, { "0": "b" }] });
  });

  it("warns and leaves the model unmarked without an example or with one that is not a list or DataFrame", async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on("warning", onWarning);
    try {
      const none = await save("tfe-none", "from-example.ts");
      const dict = await save("tfe-dict", "from-example.ts", { a: "x" });
      await new Promise((r) => setImmediate(r));
      expect(none.typeHintFromExample).toBeUndefined();
      expect(dict.typeHintFromExample).toBeUndefined();
    } finally {
      process.off("warning", onWarning);
    }
    expect(warnings.some((w) => /Input example must be provided when using TypeFromExample/.test(w))).toBe(
      true,
    );
    expect(
      warnings.some((w) =>
        /must be one of DataFrame or list when using TypeFromExample as type hint, got object/.test(w),
      ),
    ).toBe(true);
  });
});
