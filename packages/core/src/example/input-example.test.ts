import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { tableFromArrays } from "apache-arrow";
import { afterAll, describe, expect, it } from "vitest";
import { MlflowException } from "../errors/mlflow-exception.js";
import { DataFrame } from "../inputs/dataframe.js";
import type { Tensor, TensorDict } from "../inputs/tensor.js";
import type { SavedInputExampleInfo } from "../mlmodel/model.js";
import { PyFloat } from "../schema/pyjson.js";
import { ModelSignature } from "../signature/signature.js";
import {
  prepareInputExample,
  readInputExample,
  readInputExampleParams,
  saveInputExample,
} from "./input-example.js";

const here = dirname(fileURLToPath(import.meta.url));
type Entry = {
  signature: { inputs: string | null; outputs: string | null; params?: string | null } | null;
  saved_input_example_info: SavedInputExampleInfo;
  "input_example.json": string;
  "serving_input_example.json": string;
};
const real = JSON.parse(
  readFileSync(join(here, "../../fixtures/schema/real-signatures.json"), "utf8"),
) as Record<string, Entry>;

const dirs: string[] = [];
async function tmp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), "pyfunc-example-"));
  dirs.push(d);
  return d;
}
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe("input examples written by real MLflow: read back and written again byte for byte", () => {
  for (const [name, e] of Object.entries(real)) {
    it(`reproduces input_example.json and serving_input_example.json of ${name}`, async () => {
      const src = await tmp();
      await writeFile(join(src, "input_example.json"), e["input_example.json"]);
      await writeFile(join(src, "serving_input_example.json"), e["serving_input_example.json"]);
      const info = e.saved_input_example_info;
      const sig = e.signature ? ModelSignature.fromDict(e.signature) : null;
      const example = await readInputExample(src, info, sig?.inputs);
      let params = await readInputExampleParams(src, info);
      if (params) {
        // JSON cannot tell 2.0 from 2: mark the float-typed params as Python floats
        const specs = sig?.params?.params ?? [];
        params = Object.fromEntries(
          Object.entries(params).map(([k, v]) => {
            const t = specs.find((p) => p.name === k)?.dtype;
            return [k, (t === "double" || t === "float") && typeof v === "number" ? new PyFloat(v) : v];
          }),
        );
      }
      const out = await tmp();
      const written = await saveInputExample(out, example, params);
      expect(written).toEqual(info);
      expect(await readFile(join(out, "input_example.json"), "utf8")).toBe(e["input_example.json"]);
      expect(await readFile(join(out, "serving_input_example.json"), "utf8")).toBe(
        e["serving_input_example.json"],
      );
    });
  }
});

describe("saveInputExample / readInputExample", () => {
  it("saves a DataFrame as a split dict without index and reads it back as a DataFrame", async () => {
    const dir = await tmp();
    const df = DataFrame.fromColumns({
      a: new BigInt64Array([1n, 2n]),
      b: new Float64Array([0.5, Number.NaN]),
      s: ["x", null],
    });
    const info = await saveInputExample(dir, df);
    expect(info).toEqual({
      artifact_path: "input_example.json",
      type: "dataframe",
      pandas_orient: "split",
      serving_input_path: "serving_input_example.json",
    });
    expect(await readFile(join(dir, "input_example.json"), "utf8")).toBe(
      '{"columns": ["a", "b", "s"], "data": [[1, 0.5, "x"], [2, null, null]]}',
    );
    const back = (await readInputExample(dir, info)) as DataFrame;
    expect(back).toBeInstanceOf(DataFrame);
    expect(back.columns).toEqual(["a", "b", "s"]);
    expect(back.column("a").dtype).toBe("int64");
  });
  it("drops default integer column names and records pandas_orient values", () => {
    const p = prepareInputExample(
      DataFrame.fromColumns({ "0": new Float64Array([1]), "1": new Float64Array([2]) }),
    );
    expect(p.info.pandas_orient).toBe("values");
    expect(p.inputExampleJson).toBe('{"data": [[1.0, 2.0]]}');
  });
  it("saves a tensor as nested lists and reads it back as a tensor of the schema's dtype", async () => {
    const dir = await tmp();
    const t: Tensor = { dtype: "float32", shape: [2, 2], data: new Float32Array([1, 2.5, 3, 4]) };
    const info = await saveInputExample(dir, t);
    expect(info.type).toBe("ndarray");
    expect(await readFile(join(dir, "input_example.json"), "utf8")).toBe("[[1.0, 2.5], [3.0, 4.0]]");
    expect(await readFile(join(dir, "serving_input_example.json"), "utf8")).toBe(
      '{\n  "inputs": [\n    [\n      1.0,\n      2.5\n    ],\n    [\n      3.0,\n      4.0\n    ]\n  ]\n}',
    );
    const sig = ModelSignature.fromDict({
      inputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 2]}}]',
      outputs: null,
    });
    expect(await readInputExample(dir, info, sig.inputs)).toEqual(t);
  });
  it("saves a dict of tensors as {name: lists}", async () => {
    const dir = await tmp();
    const d: TensorDict = { a: { dtype: "int64", shape: [2], data: new BigInt64Array([1n, 2n]) } };
    const info = await saveInputExample(dir, d);
    expect(info.type).toBe("ndarray");
    expect(await readFile(join(dir, "input_example.json"), "utf8")).toBe('{"a": [1, 2]}');
    const back = (await readInputExample(dir, info)) as TensorDict;
    expect(back.a!.shape).toEqual([2]);
  });
  it("saves sparse matrices with data/indices/indptr/shape and a dense serving example", async () => {
    const dir = await tmp();
    const m = {
      format: "csc" as const,
      shape: [2, 2] as [number, number],
      indptr: [0, 1, 1],
      indices: [1],
      values: new Float64Array([5]),
    };
    const info = await saveInputExample(dir, m);
    expect(info.type).toBe("sparse_matrix_csc");
    expect(await readFile(join(dir, "input_example.json"), "utf8")).toBe(
      '{"data": [5.0], "indices": [1], "indptr": [0, 1, 1], "shape": [2, 2]}',
    );
    const back = await readInputExample(dir, info);
    expect(back).toMatchObject({ format: "csc", shape: [2, 2] });
  });
  it("saves dicts, lists and scalars as json_object; unified-LLM dicts are served unwrapped", () => {
    expect(prepareInputExample({ question: "hi" }).servingInputJson).toBe(
      '{\n  "inputs": {\n    "question": "hi"\n  }\n}',
    );
    const llm = prepareInputExample(
      { messages: [{ role: "user", content: "hi" }] },
      { temperature: new PyFloat(0.5) },
    );
    expect(llm.info).toMatchObject({ type: "json_object", params: "true" });
    expect(JSON.parse(llm.servingInputJson!)).toEqual({
      messages: [{ role: "user", content: "hi" }],
      temperature: 0.5,
    });
    expect(prepareInputExample(["a", "b"]).inputExampleJson).toBe('["a", "b"]');
    expect(prepareInputExample("hello").servingInputJson).toBe('{\n  "inputs": "hello"\n}');
  });
  it("wraps data and params as {inputs, params} and reads both back", async () => {
    const dir = await tmp();
    const info = await saveInputExample(dir, [{ x: 1 }], { k: 3 });
    expect(await readFile(join(dir, "input_example.json"), "utf8")).toBe(
      '{"inputs": [{"x": 1}], "params": {"k": 3}}',
    );
    expect(await readInputExample(dir, info)).toEqual([{ x: 1 }]);
    expect(await readInputExampleParams(dir, info)).toEqual({ k: 3 });
  });
  it("accepts an Arrow Table as a DataFrame example", () => {
    const p = prepareInputExample(tableFromArrays({ a: new Float64Array([1.5]) }) as never);
    expect(p.inputExampleJson).toBe('{"columns": ["a"], "data": [[1.5]]}');
  });
  it("refuses an artifact path that escapes the model directory", async () => {
    const dir = await tmp();
    await expect(
      readInputExample(dir, { artifact_path: "../x.json", type: "json_object" }),
    ).rejects.toBeInstanceOf(MlflowException);
  });
  it("refuses unknown example types as MLflow", async () => {
    const dir = await tmp();
    await expect(
      readInputExample(dir, { artifact_path: "input_example.json", type: "image" }),
    ).rejects.toThrow("This version of mlflow can not load example of type image");
  });
});

describe("reading untrusted input example files", () => {
  it("never throws anything but MlflowException, whatever the file holds", async () => {
    const { default: fc } = await import("fast-check");
    const dir = await tmp();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
          fc.string(),
        ),
        fc.constantFrom("dataframe", "ndarray", "json_object", "sparse_matrix_csr", "sparse_matrix_csc"),
        fc.boolean(),
        async (text, type, params) => {
          await writeFile(join(dir, "input_example.json"), text);
          const info: SavedInputExampleInfo = {
            artifact_path: "input_example.json",
            type,
            ...(params ? { params: "true" } : {}),
          };
          try {
            await readInputExample(dir, info);
            await readInputExampleParams(dir, info);
          } catch (e) {
            expect(e).toBeInstanceOf(MlflowException);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
