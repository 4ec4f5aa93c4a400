import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { saveTestModel, TEST_FLAVOR_MODULE } from "../../test/fixtures/models.js";
import { float32sOfRaw, OipClient, rawFloat32, rawStrings, stringsOfRaw } from "../../test/grpc-client.js";
import { post } from "../../test/helpers.js";
import { type RunningServer, startServer } from "../index.js";

const PACKAGES = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "..",
  "..",
  "packages",
);
const ONNX_TENSOR = path.join(PACKAGES, "onnx", "fixtures", "mlflow-tensor-external");
const ONNX_COLUMNS = path.join(PACKAGES, "onnx", "fixtures", "mlflow-columns-multi-input");
const XGB = path.join(PACKAGES, "xgboost", "fixtures", "mlflow", "regressor-json");
const readJson = (p: string) => JSON.parse(readFileSync(p, "utf8"));

interface OutputTensor {
  name: string;
  datatype: string;
  shape: string[];
  contents: Record<string, unknown[]> | null;
}
interface InferResponse {
  model_name: string;
  id: string;
  outputs: OutputTensor[];
  raw_output_contents: Buffer[];
}

function expectClose(actual: readonly number[], expected: readonly number[], tolerance = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    expect(Math.abs(a - expected[i]!), `[${i}] ${a} vs ${expected[i]}`).toBeLessThanOrEqual(
      tolerance * Math.max(1, Math.abs(expected[i]!)),
    );
  });
}

async function start(
  modelUri: string,
  options: Parameters<typeof startServer>[0] = {},
): Promise<{ running: RunningServer; client: OipClient }> {
  const running = await startServer({
    modelUri,
    port: 0,
    grpcPort: 0,
    handleSignals: false,
    logger: false,
    workers: 1,
    ...options,
  });
  return { running, client: new OipClient(running.grpc!.address) };
}

describe("gRPC Open Inference Protocol with the ONNX tensor model (packages/onnx/fixtures)", () => {
  let running: RunningServer;
  let client: OipClient;
  const run = readJson(path.join(ONNX_TENSOR, "inputs.json")).runs[0].input as {
    shape: number[];
    data: number[];
  };
  const expected = readJson(path.join(ONNX_TENSOR, "expected.json")).runs[0].output as {
    shape: number[];
    data: number[];
  };
  beforeAll(async () => {
    ({ running, client } = await start(path.join(ONNX_TENSOR, "model"), {
      imports: ["@pyfunc/onnx"],
      modelName: "iris",
    }));
  });
  afterAll(async () => {
    client.close();
    await running.close();
  });

  it("answers ServerLive, ServerReady, ServerMetadata and ModelReady", async () => {
    expect(await client.call("ServerLive", {})).toEqual({ live: true });
    expect(await client.call("ServerReady", {})).toEqual({ ready: true });
    expect(await client.call("ServerMetadata", {})).toMatchObject({ name: "pyfunc-server", extensions: [] });
    expect(await client.call("ModelReady", { name: "iris" })).toEqual({ ready: true });
    expect(await client.call("ModelReady", { name: "iris", version: "1" })).toEqual({ ready: true });
  });

  it("gives the model's metadata as the REST route does", async () => {
    const meta = await client.call<Record<string, unknown>>("ModelMetadata", { name: "iris" });
    const rest = (await (await fetch(`${running.url}/v2/models/iris`)).json()) as {
      platform: string;
      inputs: { shape: number[] }[];
      outputs: { shape: number[] }[];
    };
    expect(meta).toMatchObject({ name: "iris", versions: [], platform: rest.platform });
    const shapes = (ts: { shape: number[] }[]) => ts.map((t) => ({ ...t, shape: t.shape.map(String) }));
    expect(meta.inputs).toEqual(shapes(rest.inputs));
    expect(meta.outputs).toEqual(shapes(rest.outputs));
    expect(meta.inputs).toEqual([{ name: "input", datatype: "FP32", shape: ["-1", "4"] }]);
  });

  it("infers from raw_input_contents and answers raw_output_contents, as the REST v2 route does", async () => {
    const response = await client.call<InferResponse>("ModelInfer", {
      model_name: "iris",
      id: "req-1",
      inputs: [{ name: "input", datatype: "FP32", shape: run.shape }],
      raw_input_contents: [rawFloat32(run.data)],
    });
    expect(response.model_name).toBe("iris");
    expect(response.id).toBe("req-1");
    expect(response.outputs).toHaveLength(1);
    expect(response.outputs[0]).toMatchObject({
      name: "output",
      datatype: "FP32",
      shape: expected.shape.map(String),
      contents: null,
    });
    expect(response.raw_output_contents).toHaveLength(1);
    const values = float32sOfRaw(response.raw_output_contents[0]!);
    expectClose(values, expected.data);
    const rest = await post(
      `${running.url}/v2/models/iris/infer`,
      JSON.stringify({ inputs: [{ name: "input", datatype: "FP32", shape: run.shape, data: run.data }] }),
    );
    expect(rest.status, rest.text).toBe(200);
    const restData = (rest.json() as { outputs: { data: number[] }[] }).outputs[0]!.data;
    expect(values).toEqual(restData.map((v) => Math.fround(v)));
  });

  it("infers from typed contents and answers typed contents", async () => {
    const response = await client.call<InferResponse>("ModelInfer", {
      model_name: "iris",
      inputs: [{ name: "input", datatype: "FP32", shape: run.shape, contents: { fp32_contents: run.data } }],
    });
    expect(response.raw_output_contents).toEqual([]);
    expect(response.outputs[0]!.datatype).toBe("FP32");
    expectClose(response.outputs[0]!.contents!.fp32_contents as number[], expected.data);
  });

  it("refuses raw contents that do not fit the shape, and an input the signature refuses, with INVALID_ARGUMENT", async () => {
    const short = await client.failure("ModelInfer", {
      model_name: "iris",
      inputs: [{ name: "input", datatype: "FP32", shape: [4, 4] }],
      raw_input_contents: [rawFloat32(run.data.slice(0, 15))],
    });
    expect(short.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(short.details).toContain("60 raw bytes");
    const mixed = await client.failure("ModelInfer", {
      model_name: "iris",
      inputs: [{ name: "input", datatype: "FP32", shape: [1, 4], contents: { fp32_contents: [1, 2, 3, 4] } }],
      raw_input_contents: [rawFloat32([1, 2, 3, 4])],
    });
    expect(mixed.code).toBe(grpc.status.INVALID_ARGUMENT);
    // three columns where the signature says four: the schema enforcement's own message
    const wrongShape = await client.failure("ModelInfer", {
      model_name: "iris",
      inputs: [{ name: "input", datatype: "FP32", shape: [2, 3] }],
      raw_input_contents: [rawFloat32([1, 2, 3, 4, 5, 6])],
    });
    expect(wrongShape.code).toBe(grpc.status.INVALID_ARGUMENT);
    const rest = await post(
      `${running.url}/v2/models/iris/infer`,
      JSON.stringify({
        inputs: [{ name: "input", datatype: "FP32", shape: [2, 3], data: [1, 2, 3, 4, 5, 6] }],
      }),
    );
    expect(rest.status).toBe(400);
    expect(wrongShape.details).toBe((rest.json() as { error: string }).error);
    const datatype = await client.failure("ModelInfer", {
      model_name: "iris",
      inputs: [{ name: "input", datatype: "COMPLEX64", shape: [1] }],
      raw_input_contents: [Buffer.alloc(8)],
    });
    expect(datatype.code).toBe(grpc.status.INVALID_ARGUMENT);
  });

  it("answers NOT_FOUND for an unknown model on every per-model call", async () => {
    for (const [method, request] of [
      ["ModelReady", { name: "nope" }],
      ["ModelMetadata", { name: "nope" }],
      ["ModelInfer", { model_name: "nope", inputs: [] }],
    ] as const) {
      const error = await client.failure(method, request);
      expect(error.code, method).toBe(grpc.status.NOT_FOUND);
      expect(error.details).toBe("Model nope not found");
    }
  });
});

describe("gRPC Open Inference Protocol with the ONNX columns model: BOOL, FP32 and BYTES in, INT64 out", () => {
  let running: RunningServer;
  let client: OipClient;
  const input = readJson(path.join(ONNX_COLUMNS, "input.json")) as { columns: string[]; data: unknown[][] };
  const expected = readJson(path.join(ONNX_COLUMNS, "expected.json")) as {
    columns: string[];
    data: unknown[][];
  };
  const column = (t: { columns: string[]; data: unknown[][] }, name: string) =>
    t.data.map((row) => row[t.columns.indexOf(name)]);
  const n = input.data.length;
  beforeAll(async () => {
    ({ running, client } = await start(path.join(ONNX_COLUMNS, "model"), { imports: ["@pyfunc/onnx"] }));
  });
  afterAll(async () => {
    client.close();
    await running.close();
  });

  it("decodes raw BOOL, FP32 and length-prefixed BYTES columns and encodes every output raw", async () => {
    const flags = column(input, "flag") as boolean[];
    const response = await client.call<InferResponse>("ModelInfer", {
      model_name: "mlflow-model",
      inputs: [
        { name: "flag", datatype: "BOOL", shape: [n] },
        { name: "x", datatype: "FP32", shape: [n] },
        { name: "name", datatype: "BYTES", shape: [n] },
      ],
      raw_input_contents: [
        Buffer.from(flags.map((f) => (f ? 1 : 0))),
        rawFloat32(column(input, "x") as number[]),
        rawStrings(column(input, "name") as string[]),
      ],
    });
    const byName = Object.fromEntries(response.outputs.map((o, i) => [o.name, { ...o, i }]));
    expect(Object.keys(byName).sort()).toEqual([...expected.columns].sort());
    const raw = (name: string) => response.raw_output_contents[byName[name]!.i]!;
    expect(byName.signed!.datatype).toBe("FP32");
    expectClose(float32sOfRaw(raw("signed")), column(expected, "signed") as number[]);
    expect(byName.not_flag!.datatype).toBe("BOOL");
    expect([...raw("not_flag")].map((b) => b === 1)).toEqual(column(expected, "not_flag"));
    expect(byName.code!.datatype).toBe("INT64");
    const codes = raw("code");
    expect(Array.from({ length: n }, (_, i) => Number(codes.readBigInt64LE(i * 8)))).toEqual(
      column(expected, "code"),
    );
    expect(byName.name_out!.datatype).toBe("BYTES");
    expect(stringsOfRaw(raw("name_out"))).toEqual(column(expected, "name_out"));
  });

  it("decodes typed contents and answers typed contents, keeping only the requested outputs", async () => {
    const response = await client.call<InferResponse>("ModelInfer", {
      model_name: "mlflow-model",
      inputs: [
        { name: "flag", datatype: "BOOL", shape: [n], contents: { bool_contents: column(input, "flag") } },
        { name: "x", datatype: "FP32", shape: [n], contents: { fp32_contents: column(input, "x") } },
        {
          name: "name",
          datatype: "BYTES",
          shape: [n],
          contents: { bytes_contents: (column(input, "name") as string[]).map((s) => Buffer.from(s)) },
        },
      ],
      outputs: [{ name: "code" }, { name: "name_out" }],
    });
    expect(response.outputs.map((o) => o.name)).toEqual(["code", "name_out"]);
    expect(response.outputs[0]!.contents!.int64_contents!.map(Number)).toEqual(column(expected, "code"));
    expect(
      (response.outputs[1]!.contents!.bytes_contents as Buffer[]).map((b) => b.toString("utf8")),
    ).toEqual(column(expected, "name_out"));
  });

  it("refuses a missing column (the signature's check) and non-UTF-8 BYTES with INVALID_ARGUMENT", async () => {
    const missing = await client.failure("ModelInfer", {
      model_name: "mlflow-model",
      inputs: [{ name: "x", datatype: "FP32", shape: [1], contents: { fp32_contents: [1] } }],
    });
    expect(missing.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(missing.details).toMatch(/flag/);
    const binary = await client.failure("ModelInfer", {
      model_name: "mlflow-model",
      inputs: [
        { name: "flag", datatype: "BOOL", shape: [1] },
        { name: "x", datatype: "FP32", shape: [1] },
        { name: "name", datatype: "BYTES", shape: [1] },
      ],
      raw_input_contents: [Buffer.from([1]), rawFloat32([1]), Buffer.from([2, 0, 0, 0, 0xff, 0xfe])],
    });
    expect(binary.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(binary.details).toContain("UTF-8");
  });
});

describe("gRPC Open Inference Protocol with the XGBoost regressor (packages/xgboost/fixtures)", () => {
  let running: RunningServer;
  let client: OipClient;
  const input = readJson(path.join(XGB, "input.json")) as { columns: string[]; data: number[][] };
  const expected = readJson(path.join(XGB, "expected.json")).predictions.data as number[];
  beforeAll(async () => {
    ({ running, client } = await start(path.join(XGB, "model"), {
      imports: ["@pyfunc/xgboost"],
      workers: 2,
    }));
  });
  afterAll(async () => {
    client.close();
    await running.close();
  });

  const columnValues = (c: number) => input.data.map((row) => row[c] ?? Number.NaN);
  const pd = { content_type: { string_param: "pd" } };

  it("scores raw FP32 columns (NaN for missing values) as a DataFrame like Python MLflow", async () => {
    const response = await client.call<InferResponse>("ModelInfer", {
      model_name: "mlflow-model",
      parameters: pd,
      inputs: input.columns.map((name) => ({ name, datatype: "FP32", shape: [input.data.length] })),
      raw_input_contents: input.columns.map((_, c) => rawFloat32(columnValues(c))),
    });
    expect(response.outputs[0]).toMatchObject({ datatype: "FP32", shape: [String(expected.length)] });
    expectClose(float32sOfRaw(response.raw_output_contents[0]!), expected);
  });

  it("scores typed FP64 columns the same way", async () => {
    const response = await client.call<InferResponse>("ModelInfer", {
      model_name: "mlflow-model",
      parameters: pd,
      inputs: input.columns.map((name, c) => ({
        name,
        datatype: "FP64",
        shape: [input.data.length],
        contents: { fp64_contents: columnValues(c) },
      })),
    });
    expectClose(response.outputs[0]!.contents!.fp32_contents as number[], expected);
  });

  it("refuses a tensor without the model's feature names with INVALID_ARGUMENT", async () => {
    const error = await client.failure("ModelInfer", {
      model_name: "mlflow-model",
      inputs: [{ name: "input-0", datatype: "FP32", shape: [1, 4] }],
      raw_input_contents: [rawFloat32([1, 2, 3, 4])],
    });
    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error.details).toContain("f_two");
  });
});

describe("gRPC limits: bearer token, message size, timeouts, drain", () => {
  it("requires the bearer token on all but ServerLive and ServerReady", async () => {
    const { running, client } = await start(path.join(ONNX_TENSOR, "model"), {
      imports: ["@pyfunc/onnx"],
      authToken: "s3cret",
    });
    try {
      expect(await client.call("ServerLive", {})).toEqual({ live: true });
      expect(await client.call("ServerReady", {})).toEqual({ ready: true });
      for (const method of ["ServerMetadata", "ModelMetadata", "ModelReady", "ModelInfer"]) {
        const error = await client.failure(method, { name: "mlflow-model", model_name: "mlflow-model" });
        expect(error.code, method).toBe(grpc.status.UNAUTHENTICATED);
        const wrong = await client.failure(method, {}, { token: "guess" });
        expect(wrong.code, method).toBe(grpc.status.UNAUTHENTICATED);
      }
      expect(await client.call("ModelReady", { name: "mlflow-model" }, { token: "s3cret" })).toEqual({
        ready: true,
      });
    } finally {
      client.close();
      await running.close();
    }
  });

  it("refuses a message over the body limit with RESOURCE_EXHAUSTED", async () => {
    const { running, client } = await start(path.join(ONNX_TENSOR, "model"), {
      imports: ["@pyfunc/onnx"],
      bodyLimit: 4096,
    });
    try {
      const ok = await client.call<InferResponse>("ModelInfer", {
        model_name: "mlflow-model",
        inputs: [{ name: "input", datatype: "FP32", shape: [1, 4] }],
        raw_input_contents: [rawFloat32([1, 2, 3, 4])],
      });
      expect(ok.outputs).toHaveLength(1);
      const big = await client.failure("ModelInfer", {
        model_name: "mlflow-model",
        inputs: [{ name: "input", datatype: "FP32", shape: [256, 4] }],
        raw_input_contents: [rawFloat32(new Array(1024).fill(1))],
      });
      expect(big.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    } finally {
      client.close();
      await running.close();
    }
  });

  it("answers DEADLINE_EXCEEDED past the server's timeout and past the client's deadline", async () => {
    const modelUri = await saveTestModel({ behavior: "sleep", signature: null, config: { ms: 3000 } });
    const { running, client } = await start(modelUri, { timeoutSeconds: 0.3, imports: [TEST_FLAVOR_MODULE] });
    const request = {
      model_name: "mlflow-model",
      inputs: [{ name: "x", datatype: "FP64", shape: [1], contents: { fp64_contents: [1] } }],
    };
    try {
      const server = await client.failure("ModelInfer", request);
      expect(server.code).toBe(grpc.status.DEADLINE_EXCEEDED);
      expect(server.details).toContain("exceeded limit (0.3 s)");
      const own = await client.failure("ModelInfer", request, { deadlineMs: 150 });
      expect(own.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    } finally {
      client.close();
      await running.close();
    }
  });

  it("drains: a call in flight is answered, then new calls are refused", async () => {
    const modelUri = await saveTestModel({ behavior: "sleep", signature: null, config: { ms: 600 } });
    const { running, client } = await start(modelUri, { imports: [TEST_FLAVOR_MODULE] });
    const request = {
      model_name: "mlflow-model",
      inputs: [{ name: "x", datatype: "FP64", shape: [2], contents: { fp64_contents: [1, 2] } }],
    };
    try {
      const inFlight = client.call<InferResponse>("ModelInfer", request);
      await new Promise((r) => setTimeout(r, 150));
      const closed = running.close();
      const answer = await inFlight;
      expect(answer.outputs).toHaveLength(1);
      expect(answer.outputs[0]!.datatype).toBe("INT64");
      await closed;
      const late = await client.failure("ServerReady", {}, { deadlineMs: 2000 });
      expect(late.code).toBe(grpc.status.UNAVAILABLE);
    } finally {
      client.close();
    }
  });
});

describe("gRPC answers are encoded from the prediction's values, not from the REST JSON", () => {
  it("keeps non-finite floats (JSON's null) in raw and typed answers", async () => {
    const modelUri = await saveTestModel({ behavior: "echo", signature: null });
    const { running, client } = await start(modelUri, { imports: [TEST_FLAVOR_MODULE] });
    const values = [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN, 1.5];
    try {
      const raw = await client.call<InferResponse>("ModelInfer", {
        model_name: "mlflow-model",
        parameters: { content_type: { string_param: "np" } },
        inputs: [{ name: "x", datatype: "FP64", shape: [4] }],
        raw_input_contents: [Buffer.from(Float64Array.from(values).buffer)],
      });
      expect(raw.outputs[0]).toMatchObject({ datatype: "FP64", shape: ["4"] });
      const bytes = raw.raw_output_contents[0]!;
      expect(
        Array.from(new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + 32))),
      ).toEqual(values);
      const typed = await client.call<InferResponse>("ModelInfer", {
        model_name: "mlflow-model",
        parameters: { content_type: { string_param: "np" } },
        inputs: [{ name: "x", datatype: "FP64", shape: [4], contents: { fp64_contents: values } }],
      });
      expect(typed.outputs[0]!.contents!.fp64_contents).toEqual(values);
    } finally {
      client.close();
      await running.close();
    }
  });
});
