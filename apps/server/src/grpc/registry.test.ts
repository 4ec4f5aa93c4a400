import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { saveTestModel, TEST_FLAVOR_MODULE } from "../../test/fixtures/models.js";
import { float32sOfRaw, OipClient, rawFloat32 } from "../../test/grpc-client.js";
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
const XGB = path.join(PACKAGES, "xgboost", "fixtures", "mlflow", "regressor-json");
const ONNX = path.join(PACKAGES, "onnx", "fixtures", "mlflow-columns-multi-input");
const readJson = (p: string) => JSON.parse(readFileSync(p, "utf8"));

interface InferResponse {
  model_name: string;
  model_version: string;
  outputs: { name: string; datatype: string; shape: string[]; contents: Record<string, unknown[]> | null }[];
  raw_output_contents: Buffer[];
}

function expectClose(actual: readonly number[], expected: readonly number[]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    expect(Math.abs(a - expected[i]!), `[${i}]`).toBeLessThanOrEqual(
      1e-5 * Math.max(1, Math.abs(expected[i]!)),
    );
  });
}

const xgbInput = readJson(path.join(XGB, "input.json")) as { columns: string[]; data: (number | null)[][] };
const xgbExpected = readJson(path.join(XGB, "expected.json")).predictions.data as number[];
const churnRequest = {
  model_name: "churn",
  parameters: { content_type: { string_param: "pd" } },
  inputs: xgbInput.columns.map((name) => ({ name, datatype: "FP32", shape: [xgbInput.data.length] })),
  raw_input_contents: xgbInput.columns.map((_, c) =>
    rawFloat32(xgbInput.data.map((r) => r[c] ?? Number.NaN)),
  ),
};
const onnxInput = readJson(path.join(ONNX, "input.json")) as { columns: string[]; data: unknown[][] };
const onnxExpected = readJson(path.join(ONNX, "expected.json")) as { columns: string[]; data: unknown[][] };
const column = (t: { columns: string[]; data: unknown[][] }, name: string) =>
  t.data.map((row) => row[t.columns.indexOf(name)]);
const fraudRequest = (version = "") => ({
  model_name: "fraud",
  model_version: version,
  inputs: [
    {
      name: "flag",
      datatype: "BOOL",
      shape: [onnxInput.data.length],
      contents: { bool_contents: column(onnxInput, "flag") },
    },
    {
      name: "x",
      datatype: "FP32",
      shape: [onnxInput.data.length],
      contents: { fp32_contents: column(onnxInput, "x") },
    },
    {
      name: "name",
      datatype: "BYTES",
      shape: [onnxInput.data.length],
      contents: { bytes_contents: (column(onnxInput, "name") as string[]).map((s) => Buffer.from(s)) },
    },
  ],
  outputs: [{ name: "code" }],
});
const sleepRequest = {
  model_name: "slow",
  inputs: [{ name: "x", datatype: "FP64", shape: [2], contents: { fp64_contents: [1, 2] } }],
};

/** `/metrics` samples of one family: labels (as written) → value. */
async function samples(url: string, family: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    const m = line.match(/^(\w+)(\{[^}]*\})? (\S+)$/);
    if (m !== null && m[1] === family) out.set(m[2] ?? "", Number(m[3]));
  }
  return out;
}

describe("gRPC over the model registry: a repository of two models plus a configured one", () => {
  let repo: string;
  let running: RunningServer;
  let client: OipClient;
  beforeAll(async () => {
    repo = mkdtempSync(path.join(os.tmpdir(), "pyfunc-grpc-repo-"));
    cpSync(path.join(XGB, "model"), path.join(repo, "churn"), { recursive: true });
    // Triton's layout: the numeric version directory is the model's version
    mkdirSync(path.join(repo, "fraud"));
    cpSync(path.join(ONNX, "model"), path.join(repo, "fraud", "2"), { recursive: true });
    const slow = await saveTestModel({ behavior: "sleep", signature: null, config: { ms: 500 } });
    running = await startServer({
      modelRepository: repo,
      models: [{ name: "slow", uri: slow }],
      imports: ["@pyfunc/xgboost", "@pyfunc/onnx", TEST_FLAVOR_MODULE],
      workers: 1,
      port: 0,
      grpcPort: 0,
      handleSignals: false,
      logger: false,
    });
    client = new OipClient(running.grpc!.address);
  });
  afterAll(async () => {
    client.close();
    await running.close();
    rmSync(repo, { recursive: true, force: true });
  });

  it("answers ModelReady, ModelMetadata and ModelInfer for every model by name, as the REST routes", async () => {
    expect(await client.call("ServerReady", {})).toEqual({ ready: true });
    for (const name of ["churn", "fraud", "slow"])
      expect(await client.call("ModelReady", { name }), name).toEqual({ ready: true });
    for (const name of ["churn", "fraud"]) {
      const meta = await client.call<{
        name: string;
        versions: string[];
        platform: string;
        inputs: unknown[];
      }>("ModelMetadata", { name });
      const rest = (await (await fetch(`${running.url}/v2/models/${name}`)).json()) as {
        versions: string[];
        platform: string;
        inputs: { name: string }[];
      };
      expect(meta).toMatchObject({ name, versions: rest.versions, platform: rest.platform });
      expect((meta.inputs as { name: string }[]).map((i) => i.name)).toEqual(rest.inputs.map((i) => i.name));
    }
    const churn = await client.call<InferResponse>("ModelInfer", churnRequest);
    expect(churn.model_name).toBe("churn");
    expectClose(float32sOfRaw(churn.raw_output_contents[0]!), xgbExpected);
    const fraud = await client.call<InferResponse>("ModelInfer", fraudRequest());
    expect(fraud.model_name).toBe("fraud");
    expect(fraud.outputs[0]!.contents!.int64_contents!.map(Number)).toEqual(column(onnxExpected, "code"));
  });

  it("serves a versioned model under its own version only, and NOT_FOUND for another or an unknown model", async () => {
    const meta = await client.call<{ versions: string[] }>("ModelMetadata", { name: "fraud", version: "2" });
    expect(meta.versions).toEqual(["2"]);
    expect(await client.call("ModelReady", { name: "fraud", version: "2" })).toEqual({ ready: true });
    const v2 = await client.call<InferResponse>("ModelInfer", fraudRequest("2"));
    expect(v2.model_version).toBe("2");
    for (const [method, request] of [
      ["ModelReady", { name: "fraud", version: "1" }],
      ["ModelMetadata", { name: "fraud", version: "1" }],
      ["ModelInfer", fraudRequest("1")],
    ] as const) {
      const error = await client.failure(method, request);
      expect(error.code, method).toBe(grpc.status.NOT_FOUND);
      expect(error.details).toBe("Model fraud version 1 not found");
    }
    // a model without a version answers for any version (as its REST routes)
    expect(await client.call("ModelReady", { name: "churn", version: "7" })).toEqual({ ready: true });
    const unknown = await client.failure("ModelInfer", { ...churnRequest, model_name: "nope" });
    expect(unknown.code).toBe(grpc.status.NOT_FOUND);
    expect(unknown.details).toBe("Model nope not found");
    const empty = await client.failure("ModelMetadata", { name: "" });
    expect(empty.code).toBe(grpc.status.NOT_FOUND);
  });

  it("follows unload and load through the REST repository API: not ready and UNAVAILABLE while unloaded", async () => {
    const unload = await post(`${running.url}/v2/repository/models/churn/unload`, "");
    expect(unload.status, unload.text).toBe(200);
    expect(await client.call("ModelReady", { name: "churn" })).toEqual({ ready: false });
    for (const [method, request] of [
      ["ModelMetadata", { name: "churn" }],
      ["ModelInfer", churnRequest],
    ] as const) {
      const error = await client.failure(method, request);
      expect(error.code, method).toBe(grpc.status.UNAVAILABLE);
      expect(error.details).toBe("Model churn is not available (UNAVAILABLE): unloaded");
    }
    // the other models keep serving
    const fraud = await client.call<InferResponse>("ModelInfer", fraudRequest());
    expect(fraud.outputs[0]!.contents!.int64_contents!.map(Number)).toEqual(column(onnxExpected, "code"));
    const load = await post(`${running.url}/v2/repository/models/churn/load`, "");
    expect(load.status, load.text).toBe(200);
    expect(await client.call("ModelReady", { name: "churn" })).toEqual({ ready: true });
    const churn = await client.call<InferResponse>("ModelInfer", churnRequest);
    expectClose(float32sOfRaw(churn.raw_output_contents[0]!), xgbExpected);
  });

  it("lets a gRPC call in flight finish before an unload closes the model", async () => {
    const inFlight = client.call<InferResponse>("ModelInfer", sleepRequest);
    await new Promise((r) => setTimeout(r, 150));
    const unload = post(`${running.url}/v2/repository/models/slow/unload`, "");
    await new Promise((r) => setTimeout(r, 50));
    // unloading: new calls are refused at once, the one running keeps its copy of the model
    expect(await client.call("ModelReady", { name: "slow" })).toEqual({ ready: false });
    const during = await client.failure("ModelInfer", sleepRequest);
    expect(during.code).toBe(grpc.status.UNAVAILABLE);
    expect(during.details).toBe("Model slow is not available (UNLOADING)");
    const answer = await inFlight;
    expect(answer.outputs).toHaveLength(1);
    expect(answer.outputs[0]!.datatype).toBe("INT64");
    expect((await unload).status).toBe(200);
    const refused = await client.failure("ModelInfer", sleepRequest);
    expect(refused.code).toBe(grpc.status.UNAVAILABLE);
    expect(refused.details).toContain("unloaded");
    expect((await post(`${running.url}/v2/repository/models/slow/load`, "")).status).toBe(200);
  });

  it("counts gRPC calls in /metrics by method, model and status code, with a latency histogram", async () => {
    const before = await samples(running.url, "pyfunc_grpc_requests_total");
    const ok = '{method="ModelInfer",model="churn",code="OK"}';
    const notFound = '{method="ModelInfer",code="NOT_FOUND"}';
    const unavailable = '{method="ModelMetadata",model="slow",code="UNAVAILABLE"}';
    await client.call("ModelInfer", churnRequest);
    await client.call("ModelInfer", churnRequest);
    await client.failure("ModelInfer", { ...churnRequest, model_name: "nope" });
    await post(`${running.url}/v2/repository/models/slow/unload`, "");
    await client.failure("ModelMetadata", { name: "slow" });
    await client.call("ServerLive", {});
    const after = await samples(running.url, "pyfunc_grpc_requests_total");
    const delta = (labels: string) => (after.get(labels) ?? 0) - (before.get(labels) ?? 0);
    expect(delta(ok)).toBe(2);
    expect(delta(notFound)).toBe(1);
    expect(delta(unavailable)).toBe(1);
    expect(delta('{method="ServerLive",code="OK"}')).toBe(1);
    const counts = await samples(running.url, "pyfunc_grpc_request_duration_seconds_count");
    expect(counts.get(ok)).toBe(after.get(ok));
    const buckets = await samples(running.url, "pyfunc_grpc_request_duration_seconds_bucket");
    expect(buckets.get('{le="+Inf",method="ModelInfer",model="churn",code="OK"}')).toBe(after.get(ok));
    const sums = await samples(running.url, "pyfunc_grpc_request_duration_seconds_sum");
    expect(sums.get(ok)).toBeGreaterThan(0);
    expect((await samples(running.url, "pyfunc_grpc_requests_in_flight")).get("")).toBe(0);
    // the HTTP families do not count gRPC calls
    const http = await samples(running.url, "pyfunc_model_requests_total");
    expect([...http.keys()].some((k) => k.includes("ModelInfer"))).toBe(false);
    await post(`${running.url}/v2/repository/models/slow/load`, "");
  });

  it("counts a call past the client's deadline once, and leaves nothing in flight", async () => {
    const before = await samples(running.url, "pyfunc_grpc_requests_total");
    const late = await client.failure("ModelInfer", sleepRequest, { deadlineMs: 150 });
    expect(late.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    // the model's sleep (500 ms) ends; the call was counted when its deadline passed
    await new Promise((r) => setTimeout(r, 600));
    const after = await samples(running.url, "pyfunc_grpc_requests_total");
    const changed = [...after].filter(([k, v]) => k.includes('model="slow"') && v !== (before.get(k) ?? 0));
    expect(changed).toHaveLength(1);
    expect(changed[0]![1] - (before.get(changed[0]![0]) ?? 0)).toBe(1);
    expect(changed[0]![0]).toMatch(/code="(DEADLINE_EXCEEDED|CANCELLED)"/);
    expect((await samples(running.url, "pyfunc_grpc_requests_in_flight")).get("")).toBe(0);
  });
});
