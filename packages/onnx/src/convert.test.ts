import { fileURLToPath } from "node:url";
import { MlflowException } from "@pyfunc/core";
import { DataFrame } from "@pyfunc/core/inputs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { columnToInputTensor, frameToInputTensor, tensorToOrt } from "./convert.js";
import { loadOnnxModel, type OnnxModelWrapper } from "./index.js";

const MLP = fileURLToPath(new URL("../fixtures/mlp-dynamic-batch/model.onnx", import.meta.url));

describe("DataFrame → feeds through core's data layer", () => {
  it("gives int8 and int16 columns numpy's common dtype int16 (df.values), not int64", () => {
    const df = DataFrame.fromColumns({ a: Int8Array.of(-3, 4), b: Int16Array.of(300, -2) });
    expect(frameToInputTensor(df, "int16")).toEqual({
      dtype: "int16",
      shape: [2, 2],
      data: Int16Array.of(-3, 300, 4, -2),
    });
  });

  it("promotes float32 with small integer columns to float32 and with int32 to float64, as numpy", () => {
    const f = Float32Array.of(0.5, 1.5);
    expect(frameToInputTensor(DataFrame.fromColumns({ f, i: Int16Array.of(1, 2) })).dtype).toBe("float32");
    expect(frameToInputTensor(DataFrame.fromColumns({ f, u: Uint8Array.of(1, 2) })).dtype).toBe("float32");
    expect(frameToInputTensor(DataFrame.fromColumns({ f, i: Int32Array.of(1, 2) })).dtype).toBe("float64");
  });

  it("writes float64 columns straight into float32 for a tensor(float) input, with float64 → float32 rounding", () => {
    const a = Float64Array.of(0.1, 1 / 3, 1e40);
    const b = Float64Array.of(-2.5, Math.PI, Number.NaN);
    const t = frameToInputTensor(DataFrame.fromColumns({ a, b }), "float32");
    expect(t.dtype).toBe("float32");
    expect(t.shape).toEqual([3, 2]);
    expect(t.data).toEqual(Float32Array.from([a[0]!, b[0]!, a[1]!, b[1]!, a[2]!, b[2]!]));
    // a float64 input keeps float64
    expect(frameToInputTensor(DataFrame.fromColumns({ a, b }), "float64").data).toBeInstanceOf(Float64Array);
  });

  it("makes an object tensor of a frame with string columns and a bool tensor of an all-bool frame", () => {
    const strings = frameToInputTensor(DataFrame.fromColumns({ s: ["x", "y"], t: ["z", "w"] }), "string");
    expect(strings).toEqual({ dtype: "object", shape: [2, 2], data: ["x", "z", "y", "w"] });
    const flags = frameToInputTensor(DataFrame.fromColumns({ p: [true, false], q: [false, false] }), "bool");
    expect(flags).toEqual({ dtype: "bool", shape: [2, 2], data: Uint8Array.of(1, 0, 0, 0) });
  });

  it("hands a column's typed array to onnxruntime without a copy when it has the input's type", () => {
    const values = Float32Array.of(1, 2, 3);
    const df = DataFrame.fromColumns({ x: values });
    const t = columnToInputTensor(df.column("x"));
    expect(t.data).toBe(values);
    expect(tensorToOrt(t, { name: "x", type: "float32" }).data).toBe(values);
  });
});

describe("numpy's promotion on a real model", () => {
  let mlp: OnnxModelWrapper;
  beforeAll(async () => {
    mlp = await loadOnnxModel(MLP);
  });
  afterAll(async () => {
    await mlp.close();
  });

  it("feeds int8 + int16 columns as an int16 df.values, which a tensor(float) input refuses (as onnxruntime)", async () => {
    const cols: Record<string, Int8Array | Int16Array> = {};
    for (let j = 0; j < 10; j++) cols[`f${j}`] = j % 2 === 0 ? Int8Array.of(j) : Int16Array.of(j * 100);
    let error: unknown;
    try {
      await mlp.predict(DataFrame.fromColumns(cols));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MlflowException);
    expect((error as MlflowException).errorCode).toBe("INVALID_PARAMETER_VALUE");
    expect((error as Error).message).toMatch(/has dtype int16 but the model expects tensor\(float\)/);
  });

  it("refuses a ragged nested list with a typed error", async () => {
    let error: unknown;
    try {
      await mlp.predict([[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [1]]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MlflowException);
    expect((error as Error).message).toMatch(/ragged nested list/);
  });
});
