import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { DataFrame, MlflowException, type Tensor, type TensorDict } from "@pyfunc/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compareTensor, readRuns, toTensor, toTensorDict } from "./__tests__/fixture-io.js";
import { floatToHalf, halfToFloat } from "./convert.js";
import { loadOnnxModel, type OnnxModelWrapper } from "./index.js";

const FIXTURES = fileURLToPath(new URL("../fixtures/", import.meta.url));
const fixture = (...p: string[]) => join(FIXTURES, ...p);

function tolerance(caseName: string): number {
  const c = JSON.parse(readFileSync(fixture(caseName, "case.json"), "utf8")) as {
    tolerance?: { abs: number };
  };
  return c.tolerance?.abs ?? 1e-5;
}

async function expectMlflowError(p: Promise<unknown> | (() => unknown), code: string, pattern: RegExp) {
  let error: unknown;
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(MlflowException);
  expect((error as MlflowException).errorCode).toBe(code);
  expect((error as MlflowException).message).toMatch(pattern);
}

const CASES = [
  "mlp-dynamic-batch",
  "mlp-classifier",
  "multi-io",
  "int64-embedding",
  "convnet",
  "float64-linear",
  "external-data",
  "zipmap",
  "bool-string",
];

describe("named-tensor predictions match the exporter's outputs", () => {
  for (const name of CASES) {
    it(`${name}: every run matches expected.json within the case tolerance`, async () => {
      const model = await loadOnnxModel(fixture(name, "model.onnx"), { warn: () => {} });
      const { inputs, expected } = readRuns(fixture(name));
      const tol = tolerance(name);
      try {
        for (let r = 0; r < inputs.length; r++) {
          const out = (await model.predict(toTensorDict(inputs[r]!))) as TensorDict;
          expect(Object.keys(out).sort()).toEqual(Object.keys(expected[r]!).sort());
          for (const [k, want] of Object.entries(expected[r]!)) {
            expect(compareTensor(k, out[k], want, { abs: tol }).problems).toEqual([]);
          }
        }
      } finally {
        await model.close();
      }
    });
  }
});

describe("input mapping as mlflow.onnx's _OnnxModelWrapper", () => {
  let mlp: OnnxModelWrapper;
  let multi: OnnxModelWrapper;
  let boolString: OnnxModelWrapper;
  const mlpRuns = readRuns(fixture("mlp-dynamic-batch"));
  const run7 = mlpRuns.inputs[1]!.features!;
  const expected7 = mlpRuns.expected[1]!.probabilities!;

  beforeAll(async () => {
    mlp = await loadOnnxModel(fixture("mlp-dynamic-batch", "model.onnx"));
    multi = await loadOnnxModel(fixture("multi-io", "model.onnx"));
    boolString = await loadOnnxModel(fixture("bool-string", "model.onnx"));
  });
  afterAll(async () => {
    await Promise.all([mlp.close(), multi.close(), boolString.close()]);
  });

  it("feeds a single tensor to a single-input model and returns a dict of named tensors", async () => {
    const out = (await mlp.predict(toTensor(run7))) as TensorDict;
    expect(Object.keys(out)).toEqual(["probabilities"]);
    expect(compareTensor("probabilities", out.probabilities, expected7, { abs: 1e-5 }).problems).toEqual([]);
  });

  it("gives every caller its own result when predict is called concurrently", async () => {
    const calls = Array.from({ length: 30 }, (_, i) => i % mlpRuns.inputs.length);
    const outs = await Promise.all(calls.map((r) => mlp.predict(toTensorDict(mlpRuns.inputs[r]!))));
    outs.forEach((out, i) => {
      const want = mlpRuns.expected[calls[i]!]!.probabilities!;
      expect(
        compareTensor("probabilities", (out as TensorDict).probabilities, want, { abs: 1e-5 }).problems,
      ).toEqual([]);
    });
  });

  it("refuses a single tensor for a multi-input model, naming the inputs", async () => {
    const t: Tensor = { dtype: "float32", shape: [1, 6], data: new Float32Array(6) };
    await expectMlflowError(
      multi.predict(t),
      "INVALID_PARAMETER_VALUE",
      /single input.*\["numeric","context"\]/s,
    );
  });

  it("casts float64 data to float32 for a tensor(float) input", async () => {
    const t64: Tensor = {
      dtype: "float64",
      shape: run7.shape,
      data: Float64Array.from(run7.data as number[]),
    };
    const out = (await mlp.predict({ features: t64 })) as TensorDict;
    expect(out.probabilities!.dtype).toBe("float32");
    expect(compareTensor("probabilities", out.probabilities, expected7, { abs: 1e-5 }).problems).toEqual([]);
  });

  it("does not cast other dtypes: int64 data for a float input is refused with a typed error", async () => {
    const t: Tensor = { dtype: "int64", shape: [1, 10], data: new BigInt64Array(10) };
    await expectMlflowError(mlp.predict(t), "INVALID_PARAMETER_VALUE", /int64.*tensor\(float\)/);
  });

  it("hands a matching typed array to onnxruntime without copying it", () => {
    const data = Float32Array.from(run7.data as number[]);
    const feeds = mlp.buildFeeds({ dtype: "float32", shape: run7.shape, data });
    expect(feeds.features!.data).toBe(data);
    const ids = new BigInt64Array(10);
    const intModel = { dtype: "int64", shape: [2, 5], data: ids } as Tensor;
    return loadOnnxModel(fixture("int64-embedding", "model.onnx")).then(async (m) => {
      expect(m.buildFeeds(intModel).token_ids!.data).toBe(ids);
      await m.close();
    });
  });

  it("reads typed-array views (subarray with an offset) correctly", async () => {
    const flat = Float32Array.from(run7.data as number[]);
    const big = new Float32Array(flat.length + 30);
    big.set(flat, 13);
    const view = big.subarray(13, 13 + flat.length);
    const out = (await mlp.predict({ dtype: "float32", shape: run7.shape, data: view })) as TensorDict;
    expect(compareTensor("probabilities", out.probabilities, expected7, { abs: 1e-5 }).problems).toEqual([]);
  });

  it("accepts nested JS number lists (a JSON 'inputs' body) for a single-input model", async () => {
    const rows: number[][] = [];
    for (let i = 0; i < 7; i++) rows.push((run7.data as number[]).slice(i * 10, i * 10 + 10));
    const out = (await mlp.predict(rows)) as TensorDict;
    expect(compareTensor("probabilities", out.probabilities, expected7, { abs: 1e-5 }).problems).toEqual([]);
  });

  it("feeds a DataFrame as df.values to a single-input model and flattens each output into one column", async () => {
    const cols: Record<string, Float64Array> = {};
    for (let j = 0; j < 10; j++) {
      cols[`f${j}`] = Float64Array.from({ length: 7 }, (_, i) => (run7.data as number[])[i * 10 + j]!);
    }
    const out = await mlp.predict(DataFrame.fromColumns(cols));
    expect(out).toBeInstanceOf(DataFrame);
    const df = out as DataFrame;
    expect(df.columns).toEqual(["probabilities"]);
    expect(df.numRows).toBe(21); // (7, 3) flattened, as MLflow (mlflow#12539)
    const values = df.column("probabilities").values as Float32Array;
    expect(values).toBeInstanceOf(Float32Array);
    const asTensor: Tensor = { dtype: "float32", shape: [7, 3], data: values };
    expect(compareTensor("probabilities", asTensor, expected7, { abs: 1e-5 }).problems).toEqual([]);
  });

  it("feeds one DataFrame column per input for a multi-input model (bool, float64→float32, string)", async () => {
    const df = DataFrame.fromRecords([
      { name: "dog", flag: true, x: 1.5 },
      { name: "zebra", flag: false, x: 2 },
    ]);
    const out = (await boolString.predict(df)) as DataFrame;
    expect(out.columns).toEqual(["signed", "not_flag", "code", "name_out"]);
    expect(Array.from(out.column("signed").values as Float32Array)).toEqual([1.5, -2]);
    expect(out.column("not_flag").values).toEqual([false, true]);
    expect(Array.from(out.column("code").values as BigInt64Array)).toEqual([1n, -1n]);
    expect(out.column("name_out").values).toEqual(["dog", "zebra"]);
  });

  it("turns a list of records into a DataFrame, as pandas would", async () => {
    const out = (await boolString.predict([{ flag: false, x: 3.5, name: "bird" }])) as DataFrame;
    expect(out).toBeInstanceOf(DataFrame);
    expect(Array.from(out.column("code").values as BigInt64Array)).toEqual([2n]);
  });

  it("keeps MLflow's dtype rule on DataFrames: an int64 column for a tensor(float) input is refused", async () => {
    const df = DataFrame.fromRecords([{ flag: true, x: 3, name: "cat" }]);
    await expectMlflowError(
      boolString.predict(df),
      "INVALID_PARAMETER_VALUE",
      /'x' has dtype int64.*tensor\(float\)/,
    );
  });

  it("reports a DataFrame missing a column for one of several inputs", async () => {
    const df = DataFrame.fromRecords([{ flag: true, x: 1 }]);
    await expectMlflowError(boolString.predict(df), "INVALID_PARAMETER_VALUE", /no column 'name'/);
  });

  it("returns bool outputs as bool tensors and string outputs as str tensors", async () => {
    const out = (await boolString.predict({
      flag: { dtype: "bool", shape: [2], data: Uint8Array.of(1, 0) },
      x: { dtype: "float32", shape: [2], data: Float32Array.of(1, 2) },
      name: { dtype: "str", shape: [2], data: ["cat", "x"] },
    })) as TensorDict;
    expect(out.not_flag).toEqual({ dtype: "bool", shape: [2], data: Uint8Array.of(0, 1) });
    expect(out.name_out).toEqual({ dtype: "str", shape: [2], data: ["cat", "x"] });
    expect(out.code!.data).toEqual(BigInt64Array.of(0n, -1n));
  });

  it("refuses unknown input names, missing inputs, shape/data mismatches and non-inputs with typed errors", async () => {
    const x = toTensor(run7);
    await expectMlflowError(mlp.predict({ nope: x }), "INVALID_PARAMETER_VALUE", /Unknown ONNX input 'nope'/);
    const numeric: Tensor = { dtype: "float32", shape: [1, 6], data: new Float32Array(6) };
    await expectMlflowError(
      multi.predict({ numeric }),
      "INVALID_PARAMETER_VALUE",
      /Missing ONNX inputs \["context"\]/,
    );
    const bad: Tensor = { dtype: "float32", shape: [2, 10], data: new Float32Array(7) };
    await expectMlflowError(mlp.predict(bad), "INVALID_PARAMETER_VALUE", /needs 20 values, got 7/);
    await expectMlflowError(mlp.predict(null), "INVALID_PARAMETER_VALUE", /Input should be/);
    await expectMlflowError(mlp.predict(["a", "b"]), "INVALID_PARAMETER_VALUE", /expected numbers/);
  });

  it("turns onnxruntime's own run errors (wrong rank) into MlflowException", async () => {
    const t: Tensor = { dtype: "float32", shape: [10], data: new Float32Array(10) };
    await expectMlflowError(mlp.predict(t), "BAD_REQUEST", /ONNX Runtime failed/);
  });
});

describe("worker threads", () => {
  it("loads and predicts inside worker threads (how a server pool runs models in parallel)", async () => {
    const { inputs, expected } = readRuns(fixture("mlp-dynamic-batch"));
    const x = inputs[1]!.features!;
    const run = () =>
      new Promise<{ names: string[]; data: number[] }>((resolve, reject) => {
        const worker = new Worker(new URL("./__tests__/worker-predict.mjs", import.meta.url), {
          workerData: { modelPath: fixture("mlp-dynamic-batch", "model.onnx"), shape: x.shape, data: x.data },
        });
        worker.once("message", (m) => {
          resolve(m as { names: string[]; data: number[] });
          void worker.terminate();
        });
        worker.once("error", reject);
      });
    const results = await Promise.all([run(), run()]);
    for (const r of results) {
      expect(r.names).toEqual(["probabilities"]);
      const t: Tensor = { dtype: "float32", shape: [7, 3], data: Float32Array.from(r.data) };
      expect(compareTensor("probabilities", t, expected[1]!.probabilities!, { abs: 1e-5 }).problems).toEqual(
        [],
      );
    }
  });
});

describe("float16 tensors (held as float32 values in @pyfunc/core)", () => {
  it("encodes float16 input and decodes float16 output exactly", async () => {
    const model = await loadOnnxModel(fixture("float16-scale", "model.onnx"));
    const { inputs, expected } = readRuns(fixture("float16-scale"));
    const x = inputs[0]!.x!;
    const out = (await model.predict({
      dtype: "float16",
      shape: x.shape,
      data: Float32Array.from(x.data as number[]),
    })) as TensorDict;
    expect(out.y!.dtype).toBe("float16");
    expect(out.y!.data).toBeInstanceOf(Float32Array);
    expect(Array.from(out.y!.data as Float32Array)).toEqual(expected[0]!.y!.data);
    await model.close();
  });

  it("rounds float32 values to the nearest float16 (ties to even), as numpy's astype(float16)", () => {
    const vals = Float32Array.of(
      1 + 2 ** -11,
      1 + 3 * 2 ** -11,
      65520,
      2 ** -25,
      2 ** -24 * 1.5,
      -0,
      1e-8,
      Number.NaN,
    );
    const back = halfToFloat(floatToHalf(vals));
    expect(Array.from(back.slice(0, 7))).toEqual([
      1,
      1 + 2 ** -9,
      Number.POSITIVE_INFINITY,
      0,
      2 ** -23,
      -0,
      0,
    ]);
    expect(Number.isNaN(back[7])).toBe(true);
  });
});

describe("non-tensor outputs (ZipMap)", () => {
  it("skips the ZipMap output with a warning that names it and returns the tensor outputs", async () => {
    const warnings: string[] = [];
    const model = await loadOnnxModel(fixture("zipmap", "model.onnx"), { warn: (m) => warnings.push(m) });
    expect(model.allOutputNames).toEqual(["label", "output_probability", "probabilities"]);
    expect(model.outputNames).toEqual(["label", "probabilities"]);
    expect(model.skippedOutputs.map((s) => s.name)).toEqual(["output_probability"]);
    expect(warnings.join("\n")).toMatch(/output_probability/);
    const out = (await model.predict({
      X: { dtype: "float32", shape: [1, 2], data: Float32Array.of(0.5, -1) },
    })) as TensorDict;
    expect(Object.keys(out)).toEqual(["label", "probabilities"]);
    await model.close();
  });

  it("fails clearly when every output is a ZipMap", async () => {
    await expectMlflowError(
      loadOnnxModel(fixture("zipmap-only", "model.onnx")),
      "NOT_IMPLEMENTED",
      /no tensor outputs.*ZipMap/s,
    );
  });

  it("refuses to flatten outputs of different sizes into one DataFrame, as MLflow", async () => {
    const model = await loadOnnxModel(fixture("zipmap", "model.onnx"), { warn: () => {} });
    const df = DataFrame.fromColumns({ a: Float32Array.of(1, 2), b: Float32Array.of(3, 4) });
    await expectMlflowError(
      model.predict(df),
      "INVALID_PARAMETER_VALUE",
      /All arrays must be of the same length/,
    );
    await model.close();
  });
});

describe("external weights in a sidecar file", () => {
  it("resolves the <uuid>.data file next to model.onnx when loading by path", async () => {
    const c = JSON.parse(readFileSync(fixture("external-data", "case.json"), "utf8")) as { sidecar: string };
    expect(readFileSync(fixture("external-data", c.sidecar)).length).toBeGreaterThanOrEqual(1024);
    const model = await loadOnnxModel(fixture("external-data", "model.onnx"));
    const { inputs, expected } = readRuns(fixture("external-data"));
    const out = (await model.predict(toTensor(inputs[1]!.input!))) as TensorDict;
    expect(compareTensor("output", out.output, expected[1]!.output!, { abs: 1e-5 }).problems).toEqual([]);
    await model.close();
  });

  it("fails with a typed error when the sidecar is missing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pyfunc-onnx-"));
    try {
      copyFileSync(fixture("external-data", "model.onnx"), join(dir, "model.onnx"));
      await expectMlflowError(
        loadOnnxModel(join(dir, "model.onnx")),
        "INVALID_STATE",
        /Failed to load ONNX model/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
