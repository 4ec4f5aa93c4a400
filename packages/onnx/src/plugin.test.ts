import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { defaultFlavorRegistry, loadModel, MlflowException, Model, type TensorDict } from "@pyfunc/core";
import { afterAll, describe, expect, it } from "vitest";
import { compareTensor, readRuns, toTensor } from "./__tests__/fixture-io.js";
import { loadOnnxModel, OnnxModelWrapper, onnxFlavor } from "./index.js";

const FIXTURES = fileURLToPath(new URL("../fixtures/", import.meta.url));
const SRC = join(FIXTURES, "mlflow-tensor-external", "model");
const root = mkdtempSync(join(tmpdir(), "pyfunc-onnx-plugin-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

function copyWith(edit: (m: Model) => void): string {
  const dir = join(root, `m${n++}`);
  cpSync(SRC, dir, { recursive: true });
  const m = Model.fromYaml(readFileSync(join(dir, "MLmodel"), "utf8"));
  edit(m);
  writeFileSync(join(dir, "MLmodel"), m.toYaml());
  return dir;
}

async function predictsLikeTorch(dir: string, warnings: string[] = []): Promise<void> {
  const model = await loadModel(dir, { onWarning: (w) => warnings.push(w) });
  const { inputs, expected } = readRuns(join(FIXTURES, "mlflow-tensor-external"));
  const out = (await model.predict(toTensor(inputs[0]!.input!))) as TensorDict;
  expect(compareTensor("output", out.output, expected[0]!.output!, { abs: 1e-5 }).problems).toEqual([]);
  expect(model.unwrap()).toBeDefined();
  await model.close();
}

describe("the onnx flavor plugin", () => {
  it("is registered on import for loader modules mlflow.onnx and @pyfunc/onnx", () => {
    expect(onnxFlavor.name).toBe("onnx");
    expect(defaultFlavorRegistry.resolve("mlflow.onnx")).toBe(onnxFlavor);
    expect(defaultFlavorRegistry.resolve("@pyfunc/onnx")).toBe(onnxFlavor);
  });

  it("applies onnx_session_options and providers from the MLmodel", async () => {
    const dir = copyWith((m) => {
      m.flavors.onnx!.onnx_session_options = {
        intra_op_num_threads: 1,
        inter_op_num_threads: 1,
        execution_mode: "PARALLEL",
        graph_optimization_level: 1,
      };
      m.flavors.onnx!.providers = ["CPUExecutionProvider"];
    });
    await predictsLikeTorch(dir);
  });

  it("falls back to cpu with a warning for providers this runtime lacks", async () => {
    const dir = copyWith((m) => {
      m.flavors.onnx!.providers = ["OpenVINOExecutionProvider"];
    });
    const warnings: string[] = [];
    await predictsLikeTorch(dir, warnings);
    expect(warnings.join("\n")).toMatch(/OpenVINOExecutionProvider/);
  });

  it("finds the graph through the onnx block when the pyfunc block has no data, and without an onnx block", async () => {
    await predictsLikeTorch(
      copyWith((m) => {
        delete m.flavors.python_function!.data;
      }),
    );
    await predictsLikeTorch(
      copyWith((m) => {
        delete m.flavors.onnx;
      }),
    );
  });

  it("refuses an onnx block whose data leads outside the model directory", async () => {
    const dir = copyWith((m) => {
      delete m.flavors.python_function!.data;
      m.flavors.onnx!.data = "../../etc/passwd";
    });
    await expect(loadModel(dir, { suppressWarnings: true })).rejects.toBeInstanceOf(MlflowException);
  });

  it("loads a bare .onnx file with loadOnnxModel and refuses a directory there", async () => {
    const m = await loadOnnxModel(join(SRC, "model.onnx"));
    expect(m).toBeInstanceOf(OnnxModelWrapper);
    expect(m.inputTypes).toEqual([["input", "tensor(float)"]]);
    await m.close();
    await expect(loadOnnxModel(SRC)).rejects.toBeInstanceOf(MlflowException);
  });
});
