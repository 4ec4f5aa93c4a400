import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { saveTestModel } from "../test/fixtures/models.js";
import { post, startTestServer, type TestServer } from "../test/helpers.js";

describe("Open Inference Protocol v2 with a column-based model", () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer({
      modelUri: await saveTestModel({ behavior: "linear" }),
      workers: 1,
      modelName: "scorer",
    });
  });
  afterAll(() => srv.close());

  it("answers health and readiness", async () => {
    expect((await fetch(`${srv.url}/v2/health/live`)).status).toBe(200);
    expect((await fetch(`${srv.url}/v2/health/ready`)).status).toBe(200);
    const ready = await fetch(`${srv.url}/v2/models/scorer/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ name: "scorer", ready: true });
    expect(await (await fetch(`${srv.url}/v2`)).json()).toMatchObject({
      name: "pyfunc-server",
      extensions: ["binary_tensor_data"],
    });
  });

  it("describes the model's inputs and outputs from its signature", async () => {
    const res = await fetch(`${srv.url}/v2/models/scorer`);
    expect(res.status).toBe(200);
    const meta = (await res.json()) as Record<string, unknown>;
    expect(meta.name).toBe("scorer");
    expect(meta.inputs).toEqual([
      { name: "x", datatype: "FP64", shape: [-1, 1] },
      { name: "y", datatype: "FP64", shape: [-1, 1] },
      { name: "n", datatype: "INT64", shape: [-1, 1] },
      { name: "name", datatype: "BYTES", shape: [-1, 1] },
    ]);
    expect(meta.outputs).toEqual([
      { name: "score", datatype: "FP64", shape: [-1, 1] },
      { name: "greeting", datatype: "BYTES", shape: [-1, 1] },
      { name: "known", datatype: "BOOL", shape: [-1, 1] },
    ]);
  });

  it("infers with v2 tensors decoded into a DataFrame, echoing the id and filtering outputs", async () => {
    const body = {
      id: "abc",
      inputs: [
        { name: "x", shape: [2], datatype: "FP64", data: [1.0, 2.5] },
        { name: "y", shape: [2], datatype: "FP64", data: [0.5, 1.0] },
        { name: "n", shape: [2, 1], datatype: "INT64", data: [[1], [2]] },
        { name: "name", shape: [2], datatype: "BYTES", data: ["alice", "zed"] },
      ],
    };
    const res = await post(`${srv.url}/v2/models/scorer/infer`, JSON.stringify(body));
    expect(res.status).toBe(200);
    const json = res.json() as {
      model_name: string;
      id: string;
      outputs: { name: string; data: unknown[]; datatype: string; shape: number[] }[];
    };
    expect(json.model_name).toBe("scorer");
    expect(json.id).toBe("abc");
    expect(json.outputs.map((o) => o.name)).toEqual(["score", "greeting", "known"]);
    expect(json.outputs[0]).toEqual({ name: "score", shape: [2], datatype: "FP64", data: [1.0, 2.25] });
    expect(json.outputs[1]).toMatchObject({ datatype: "BYTES", data: ["hi alice", "hi zed"] });
    expect(json.outputs[2]).toMatchObject({ datatype: "BOOL", data: [true, false] });
    const filtered = await post(
      `${srv.url}/v2/models/scorer/versions/1/infer`,
      JSON.stringify({ ...body, outputs: [{ name: "greeting" }] }),
    );
    expect((filtered.json() as { outputs: { name: string }[] }).outputs.map((o) => o.name)).toEqual([
      "greeting",
    ]);
  });

  it.each([
    ["malformed JSON", "{", 400],
    ["no inputs", "{}", 400],
    [
      "a shape that does not match the data",
      JSON.stringify({ inputs: [{ name: "x", shape: [3], datatype: "FP64", data: [1] }] }),
      400,
    ],
    [
      "an unknown datatype",
      JSON.stringify({ inputs: [{ name: "x", shape: [1], datatype: "FP128", data: [1] }] }),
      400,
    ],
    [
      "a schema failure",
      JSON.stringify({ inputs: [{ name: "y", shape: [1], datatype: "FP64", data: [1] }] }),
      400,
    ],
  ])("answers %s with 4xx and an {error} body", async (_name, body, status) => {
    const res = await post(`${srv.url}/v2/models/scorer/infer`, body);
    expect(res.status).toBe(status);
    expect(typeof (res.json() as { error: unknown }).error).toBe("string");
  });

  it("answers 404 for another model name", async () => {
    const res = await post(`${srv.url}/v2/models/other/infer`, "{}");
    expect(res.status).toBe(404);
    expect(res.json()).toEqual({ error: "Model other not found" });
    expect((await fetch(`${srv.url}/v2/models/other`)).status).toBe(404);
  });
});

describe("Open Inference Protocol v2 with a tensor model", () => {
  let srv: TestServer;
  beforeAll(async () => {
    const signature = {
      inputs: JSON.stringify([{ type: "tensor", "tensor-spec": { dtype: "float32", shape: [-1, 2] } }]),
      outputs: null,
      params: null,
    };
    srv = await startTestServer({
      modelUri: await saveTestModel({ behavior: "echo", signature }),
      workers: 0,
    });
  });
  afterAll(() => srv.close());

  it("decodes one unnamed tensor and encodes a tensor output as output-0", async () => {
    const meta = (await (await fetch(`${srv.url}/v2/models/mlflow-model`)).json()) as { inputs: unknown };
    expect(meta.inputs).toEqual([{ name: "input-0", datatype: "FP32", shape: [-1, 2] }]);
    const res = await post(
      `${srv.url}/v2/models/mlflow-model/infer`,
      JSON.stringify({
        inputs: [{ name: "input-0", shape: [2, 2], datatype: "FP32", data: [1, 2, 3, 4.5] }],
      }),
    );
    expect(res.status).toBe(200);
    expect((res.json() as { outputs: unknown }).outputs).toEqual([
      { name: "output-0", shape: [2, 2], datatype: "FP32", data: [1, 2, 3, 4.5] },
    ]);
  });
});
