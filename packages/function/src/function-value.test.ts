import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { loadModel, MlflowException } from "@pyfunc/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ModelFunction, saveModel } from "./index.js";

const SOURCES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../test-sources");
let root: string;
// the user's own modules, imported as the application that saves the model imports them
let score: ModelFunction;
let addOne: ModelFunction;
beforeAll(async () => {
  ({ score } = await import(pathToFileURL(path.join(SOURCES, "typed-predict.ts")).href));
  ({ default: addOne } = await import(pathToFileURL(path.join(SOURCES, "fns/add-one.mjs")).href));
  root = await mkdtemp(path.join(os.tmpdir(), "pyfunc-function-value-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("saving a function value (MLflow's python_model=<callable>)", () => {
  it("saves the module exporting the function, its zod row schema as the signature, and validates rows", async () => {
    const target = path.join(root, "typed");
    const model = await saveModel(target, {
      predict: score,
      module: pathToFileURL(path.join(SOURCES, "typed-predict.ts")),
    });
    const block = model.flavors.js_function as Record<string, unknown>;
    expect(block.model_code_function).toBe("score");
    expect(block.model_code_source).toBe("typed-predict.ts");
    expect(model.isSignatureFromTypeHint).toBe(true);
    const mlmodel = await readFile(path.join(target, "MLmodel"), "utf8");
    expect(mlmodel).toContain("model_code_function: score");
    expect(mlmodel).toContain("is_signature_from_type_hint: true");
    expect(model.signature?.inputs).toBe(
      '[{"type": "double", "name": "x", "required": true}, {"type": "string", "name": "name", "required": true}]',
    );
    expect(model.signature?.outputs).toBe(
      '[{"type": "double", "name": "y", "required": true}, {"type": "string", "name": "label", "required": true}]',
    );

    const loaded = await loadModel(target);
    expect(await loaded.predict([{ x: 1.5, name: "a" }])).toEqual([{ y: 3, label: "A" }]);
    const error = await loaded.predict([{ x: 1, name: "" }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MlflowException);
    expect((error as MlflowException).errorCode).toBe("INVALID_PARAMETER_VALUE");
    expect((error as MlflowException).message).toMatch(/row 0: name: /);
  });

  it("finds a default-exported function among codePaths and infers the signature from the input example", async () => {
    const target = path.join(root, "default");
    const model = await saveModel(target, {
      predict: addOne,
      codePaths: [path.join(SOURCES, "fns")],
      inputExample: [{ v: 1.5 }, { v: 2.5 }],
    });
    const block = model.flavors.js_function as Record<string, unknown>;
    expect(block.model_code_function).toBe("default");
    expect(block.model_code_path).toBe("add-one.mjs");
    expect(model.isSignatureFromTypeHint).toBeUndefined();
    expect(model.signature?.inputs).toBe('[{"type": "double", "name": "v", "required": true}]');
    expect(model.signature?.outputs).toBe('[{"type": "double", "required": true}]');
    const loaded = await loadModel(target);
    expect(await loaded.predict([{ v: 10.5 }, { v: 20.5 }])).toEqual([11.5, 21.5]);
  });

  it("refuses a function no given module exports, saying how to save it", async () => {
    const inline = (rows: unknown[]) => rows;
    const error = await saveModel(path.join(root, "inline"), {
      predict: inline,
      module: path.join(SOURCES, "typed-predict.ts"),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MlflowException);
    expect((error as MlflowException).errorCode).toBe("INVALID_PARAMETER_VALUE");
    expect((error as MlflowException).message).toMatch(
      /`inline`: it is not exported by the module given as `module`/,
    );
    expect((error as MlflowException).message).toMatch(/cannot be pickled/);

    const noModule = await saveModel(path.join(root, "none"), { predict: score }).catch((e: unknown) => e);
    expect((noModule as MlflowException).message).toMatch(
      /Cannot save the function passed as `predict` `score`/,
    );
  });

  it("refuses modelCode and predict together", async () => {
    await expect(
      saveModel(path.join(root, "both"), { predict: score, modelCode: path.join(SOURCES, "js-model.mjs") }),
    ).rejects.toThrow(/either `modelCode` or `predict`/);
  });
});

describe("TypeFromExample (MLflow's update_signature_for_type_hint_from_example)", () => {
  it("infers the signature from the example, marks type_hint_from_example and predicts in the example's form", async () => {
    const { echo } = (await import(pathToFileURL(path.join(SOURCES, "from-example/echo.mjs")).href)) as {
      echo: ModelFunction;
    };
    const target = path.join(root, "from-example");
    const model = await saveModel(target, {
      predict: echo,
      codePaths: [path.join(SOURCES, "from-example")],
      inputExample: [1.5, 2.5],
    });
    expect(model.typeHintFromExample).toBe(true);
    expect(model.signature?.inputs).toBe('[{"type": "double", "required": true}]');
    expect(await readFile(path.join(target, "MLmodel"), "utf8")).toMatch(/type_hint_from_example: true/);
    const loaded = await loadModel(target);
    // without the mark the function would get the enforced DataFrame; MLflow converts it back to a list
    expect(await loaded.predict([3.5, 4.5])).toEqual([3.5, 4.5]);
  });
});
