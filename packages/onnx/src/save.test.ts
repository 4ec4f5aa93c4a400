import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DataFrame, loadModel, MlflowException, Model, type TensorDict } from "@pyfunc/core";
import { afterAll, describe, expect, it } from "vitest";
import { compareTensor, readRuns, toTensor } from "./__tests__/fixture-io.js";
import { DEFAULT_ONNX_VERSION, saveModel } from "./index.js";

const FIXTURES = fileURLToPath(new URL("../fixtures/", import.meta.url));
const root = mkdtempSync(join(tmpdir(), "pyfunc-onnx-save-"));
let n = 0;
const target = () => join(root, `m${n++}`);
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function rejection(p: Promise<unknown>): Promise<MlflowException> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(MlflowException);
    return e as MlflowException;
  }
  throw new Error("expected a rejection");
}

describe("saveModel writes what mlflow.onnx writes", () => {
  it("writes model.onnx plus its sidecar, the onnx and python_function blocks, env files and an inferred signature", async () => {
    const dir = target();
    const source = join(FIXTURES, "external-data", "model.onnx");
    const sidecar = (
      JSON.parse(readFileSync(join(FIXTURES, "external-data", "case.json"), "utf8")) as { sidecar: string }
    ).sidecar;
    await saveModel(dir, {
      onnxModel: source,
      onnxSessionOptions: { intra_op_num_threads: 1, execution_mode: "sequential" },
    });
    expect(readdirSync(dir).sort()).toEqual(
      [sidecar, "MLmodel", "conda.yaml", "model.onnx", "python_env.yaml", "requirements.txt"].sort(),
    );
    expect(readFileSync(join(dir, sidecar))).toEqual(readFileSync(join(FIXTURES, "external-data", sidecar)));
    const doc = await Model.load(dir);
    expect(doc.flavors.onnx).toEqual({
      code: null,
      data: "model.onnx",
      onnx_session_options: { execution_mode: "sequential", intra_op_num_threads: 1 },
      onnx_version: DEFAULT_ONNX_VERSION,
      providers: ["CUDAExecutionProvider", "CPUExecutionProvider"],
    });
    const pyfunc = doc.flavors.python_function as Record<string, unknown>;
    expect(pyfunc.loader_module).toBe("mlflow.onnx");
    expect(pyfunc.data).toBe("model.onnx");
    expect(pyfunc.env).toEqual({ conda: "conda.yaml", virtualenv: "python_env.yaml" });
    expect(pyfunc).not.toHaveProperty("code");
    const sig = doc.signature!;
    expect(readFileSync(join(dir, "MLmodel"), "utf8")).toMatch(/^ {4}loader_module: mlflow\.onnx$/m);
    expect(sig.inputs).toBe(
      '[{"name": "input", "type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 4]}}]',
    );
    expect(sig.outputs).toBe(
      '[{"name": "output", "type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 3]}}]',
    );
    const reqs = readFileSync(join(dir, "requirements.txt"), "utf8").split("\n");
    expect(reqs[0]).toMatch(/^mlflow==/);
    expect(reqs).toContain(`onnx==${DEFAULT_ONNX_VERSION}`);
    expect(reqs.some((r) => r.startsWith("onnxruntime"))).toBe(true);
  });

  it("round-trips: the saved directory loads through core's loadModel and predicts like the source", async () => {
    const dir = target();
    await saveModel(dir, { onnxModel: join(FIXTURES, "multi-io", "model.onnx") });
    const model = await loadModel(dir, { suppressWarnings: true });
    expect(model.loaderModule).toBe("mlflow.onnx");
    const { inputs, expected } = readRuns(join(FIXTURES, "multi-io"));
    const feed = { numeric: toTensor(inputs[2]!.numeric!), context: toTensor(inputs[2]!.context!) };
    const out = (await model.predict(feed)) as TensorDict;
    for (const [k, want] of Object.entries(expected[2]!)) {
      expect(compareTensor(k, out[k], want, { abs: 1e-5 }).problems).toEqual([]);
    }
    await model.close();
  });

  it("saves from bytes, keeps an explicit null signature out and records providers as Python names", async () => {
    const dir = target();
    const bytes = new Uint8Array(readFileSync(join(FIXTURES, "mlp-dynamic-batch", "model.onnx")));
    await saveModel(dir, {
      onnxModel: bytes,
      signature: null,
      providers: ["cpu"],
      onnxVersion: "1.16.0",
      extraPipRequirements: ["numpy<2"],
    });
    const m = await Model.load(dir);
    expect(m.signature ?? null).toBeNull();
    expect(m.flavors.onnx!.providers).toEqual(["CPUExecutionProvider"]);
    expect(m.flavors.onnx!.onnx_version).toBe("1.16.0");
    expect(readFileSync(join(dir, "requirements.txt"), "utf8")).toMatch(/onnx==1\.16\.0[\s\S]*numpy<2/);
  });

  it("saves an input example beside the model", async () => {
    const dir = target();
    await saveModel(dir, {
      onnxModel: join(FIXTURES, "mlp-dynamic-batch", "model.onnx"),
      inputExample: { features: { dtype: "float32", shape: [1, 10], data: new Float32Array(10) } },
    });
    expect(existsSync(join(dir, "input_example.json"))).toBe(true);
    expect((await Model.load(dir)).savedInputExampleInfo).toBeTruthy();
  });

  it("infers symbolic and non-tensor-free signatures: ZipMap outputs are left out, strings are str", async () => {
    const dir = target();
    await saveModel(dir, { onnxModel: join(FIXTURES, "zipmap", "model.onnx") });
    const m = await Model.load(dir);
    const outputs = JSON.parse(m.signature!.outputs as string) as { name: string }[];
    expect(outputs.map((o) => o.name)).toEqual(["label", "probabilities"]);
    const dir2 = target();
    await saveModel(dir2, { onnxModel: join(FIXTURES, "bool-string", "model.onnx") });
    const inputs = JSON.parse((await Model.load(dir2)).signature!.inputs as string) as {
      name: string;
      "tensor-spec": { dtype: string; shape: number[] };
    }[];
    expect(inputs.map((i) => [i.name, i["tensor-spec"].dtype, i["tensor-spec"].shape])).toEqual([
      ["flag", "bool", [-1]],
      ["x", "float32", [-1]],
      ["name", "str", [-1]],
    ]);
  });

  it("refuses bytes that reference external data, unreadable files, bad session options, and non-ONNX input", async () => {
    const bytes = new Uint8Array(readFileSync(join(FIXTURES, "external-data", "model.onnx")));
    expect((await rejection(saveModel(target(), { onnxModel: bytes }))).message).toMatch(/external data/);
    expect((await rejection(saveModel(target(), { onnxModel: join(root, "nope.onnx") }))).errorCode).toBe(
      "INVALID_PARAMETER_VALUE",
    );
    const bad = saveModel(target(), {
      onnxModel: join(FIXTURES, "float64-linear", "model.onnx"),
      onnxSessionOptions: { graph_optimization_level: 5 },
    });
    expect((await rejection(bad)).message).toMatch(/graph_optimization_level/);
    const junk = saveModel(target(), { onnxModel: new TextEncoder().encode("not an onnx model") });
    expect((await rejection(junk)).errorCode).toBe("INVALID_PARAMETER_VALUE");
  });
});

describe("MLflow-style model directories (MLmodel per spec 1.4)", () => {
  it("loads the tensor-signature directory with a <uuid>.data sidecar and predicts the torch outputs", async () => {
    const base = join(FIXTURES, "mlflow-tensor-external");
    const model = await loadModel(join(base, "model"), { suppressWarnings: true });
    const { inputs, expected } = readRuns(base);
    const out = (await model.predict(toTensor(inputs[0]!.input!))) as TensorDict;
    expect(compareTensor("output", out.output, expected[0]!.output!, { abs: 1e-5 }).problems).toEqual([]);
    await model.close();
  });

  it("loads the column-signature multi-input directory and returns a DataFrame with one column per output", async () => {
    const base = join(FIXTURES, "mlflow-columns-multi-input");
    const model = await loadModel(join(base, "model"), { suppressWarnings: true });
    const input = JSON.parse(readFileSync(join(base, "input.json"), "utf8")) as {
      columns: string[];
      data: unknown[][];
    };
    const expected = JSON.parse(readFileSync(join(base, "expected.json"), "utf8")) as {
      columns: string[];
      data: unknown[][];
    };
    const df = DataFrame.fromColumns({
      flag: input.data.map((r) => r[0]),
      x: Float32Array.from(input.data.map((r) => r[1] as number)),
      name: input.data.map((r) => r[2]),
    });
    const out = (await model.predict(df)) as DataFrame;
    expect(out.columns).toEqual(expected.columns);
    const rows = out.toRecords().map((r) => expected.columns.map((c) => r[c]));
    expect(rows).toEqual(expected.data);
    await model.close();
  });
});
