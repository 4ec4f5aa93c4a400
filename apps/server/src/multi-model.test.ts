import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { saveModel as saveFunctionModel } from "@pyfunc/function";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SLEEP_SIGNATURE, saveTestModel, TEST_FLAVOR_MODULE } from "../test/fixtures/models.js";
import { post, startTestServer, type TestServer } from "../test/helpers.js";
import { scanModelRepository } from "./repository.js";

const PACKAGES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "packages");
const XGB = path.join(PACKAGES, "xgboost", "fixtures", "mlflow", "regressor-json");
const ONNX = path.join(PACKAGES, "onnx", "fixtures", "mlflow-columns-multi-input");
const IMPORTS = [TEST_FLAVOR_MODULE, "@pyfunc/xgboost", "@pyfunc/onnx", "@pyfunc/function"];
const readJson = (p: string) => JSON.parse(readFileSync(p, "utf8"));

const xgbInput = () => readJson(path.join(XGB, "input.json")) as { columns: string[]; data: unknown[][] };
const xgbExpected = () => readJson(path.join(XGB, "expected.json")).predictions.data as number[];
const onnxInput = () => readJson(path.join(ONNX, "input.json")) as { columns: string[]; data: unknown[][] };
const onnxExpected = () => {
  const e = readJson(path.join(ONNX, "expected.json")) as { columns: string[]; data: unknown[][] };
  return e.data.map((row) => Object.fromEntries(e.columns.map((c, i) => [c, row[i]])));
};

function expectClose(actual: unknown, expected: unknown): void {
  if (typeof expected === "number") {
    expect(typeof actual).toBe("number");
    expect(Math.abs((actual as number) - expected)).toBeLessThanOrEqual(
      1e-5 * Math.max(1, Math.abs(expected)),
    );
  } else if (Array.isArray(expected)) {
    expect((actual as unknown[]).length).toBe(expected.length);
    expected.forEach((e, i) => {
      expectClose((actual as unknown[])[i], e);
    });
  } else if (expected !== null && typeof expected === "object") {
    for (const [k, v] of Object.entries(expected)) expectClose((actual as Record<string, unknown>)[k], v);
  } else {
    expect(actual).toEqual(expected);
  }
}

/** A function model (MLflow's models from code): `10 x + 1` per row. Model code: never in the HTTP thread. */
async function saveTenXModel(dir: string, plus = 1): Promise<void> {
  const code = path.join(mkdtempSync(path.join(os.tmpdir(), "pyfunc-multi-code-")), "ten-x.mjs");
  writeFileSync(
    code,
    `export function predict(input) {
  const xs = typeof input.toRecords === "function"
    ? input.toRecords().map((r) => r.x)
    : Array.isArray(input) ? input.map((r) => r.x)
    : input.x !== undefined ? Array.from(input.x.data ?? input.x) : Array.from(input.data ?? input);
  return xs.map((x) => Number(x) * 10 + ${plus});
}
`,
  );
  await saveFunctionModel(dir, { modelCode: code });
}

/** A repository as MLServer lays one out: one sub-directory per model, named by the directory. */
async function makeRepository(): Promise<string> {
  const repo = mkdtempSync(path.join(os.tmpdir(), "pyfunc-multi-repo-"));
  cpSync(path.join(XGB, "model"), path.join(repo, "churn"), { recursive: true });
  cpSync(path.join(ONNX, "model"), path.join(repo, "fraud"), { recursive: true });
  await saveTenXModel(path.join(repo, "tenx"));
  // a model whose flavor no installed package provides (a load error), and a directory without an MLmodel
  mkdirSync(path.join(repo, "broken"));
  writeFileSync(
    path.join(repo, "broken", "MLmodel"),
    "flavors:\n  js_function:\n    loader_module: no_such_flavor_anywhere\nmlflow_version: 3.6.0\n",
  );
  mkdirSync(path.join(repo, "empty"));
  writeFileSync(path.join(repo, "empty", "README"), "not a model\n");
  mkdirSync(path.join(repo, ".hidden"));
  return repo;
}

const invoke = (url: string, name: string, body: unknown) =>
  post(`${url}/models/${name}/invocations`, JSON.stringify(body));
const records = (split: { columns: string[]; data: unknown[][] }) =>
  split.data.map((row) => Object.fromEntries(split.columns.map((c, i) => [c, row[i]])));
const repositoryIndex = async (url: string, body = "{}") =>
  (await post(`${url}/v2/repository/index`, body)).json() as {
    name: string;
    version?: string;
    state: string;
    reason: string;
  }[];

describe("a model repository with good and broken models, served at once over HTTP", () => {
  let repo: string;
  let srv: TestServer;
  beforeAll(async () => {
    repo = await makeRepository();
    srv = await startTestServer({ modelRepository: repo, imports: IMPORTS, workers: 1 });
  });
  afterAll(async () => {
    await srv.close();
    rmSync(repo, { recursive: true, force: true });
  });

  it("answers each model's own predictions at /models/{name}/invocations", async () => {
    const churn = await invoke(srv.url, "churn", { dataframe_split: xgbInput() });
    expect(churn.status, churn.text).toBe(200);
    expectClose((churn.json() as { predictions: unknown }).predictions, xgbExpected());
    const fraud = await invoke(srv.url, "fraud", { dataframe_records: records(onnxInput()) });
    expect(fraud.status, fraud.text).toBe(200);
    expectClose((fraud.json() as { predictions: unknown }).predictions, onnxExpected());
    const tenx = await invoke(srv.url, "tenx", { dataframe_records: [{ x: 1 }, { x: 2.5 }] });
    expect(tenx.status, tenx.text).toBe(200);
    expect(tenx.json()).toEqual({ predictions: [11, 26] });
  });

  it("answers the Open Inference Protocol per model: metadata, readiness, inference", async () => {
    const meta = (await (await fetch(`${srv.url}/v2/models/fraud`)).json()) as {
      name: string;
      inputs: { name: string }[];
    };
    expect(meta.name).toBe("fraud");
    expect(meta.inputs.map((i) => i.name)).toEqual(["flag", "x", "name"]);
    expect((await fetch(`${srv.url}/v2/models/churn/ready`)).status).toBe(200);
    const infer = await post(
      `${srv.url}/v2/models/tenx/infer`,
      JSON.stringify({ inputs: [{ name: "x", datatype: "FP64", shape: [3], data: [0, 1, -2] }] }),
    );
    expect(infer.status, infer.text).toBe(200);
    const out = infer.json() as { model_name: string; outputs: { data: number[] }[] };
    expect(out.model_name).toBe("tenx");
    expect(out.outputs[0]!.data).toEqual([1, 11, -19]);
    expect(await (await fetch(`${srv.url}/v2`)).json()).toMatchObject({
      extensions: ["binary_tensor_data", "model_repository"],
    });
  });

  it("lists every model in the repository index with its state and reason", async () => {
    const index = await repositoryIndex(srv.url);
    const byName = Object.fromEntries(index.map((i) => [i.name, i]));
    expect(Object.keys(byName).sort()).toEqual(["broken", "churn", "empty", "fraud", "tenx"]);
    for (const name of ["churn", "fraud", "tenx"])
      expect(byName[name]).toEqual({ name, state: "READY", reason: "" });
    expect(byName.broken!.state).toBe("UNAVAILABLE");
    expect(byName.broken!.reason).toContain("no_such_flavor_anywhere");
    expect(byName.empty!.state).toBe("UNAVAILABLE");
    expect(byName.empty!.reason).toContain("No MLmodel file");
    const ready = await repositoryIndex(srv.url, JSON.stringify({ ready: true }));
    expect(ready.map((i) => i.name).sort()).toEqual(["churn", "fraud", "tenx"]);
    const bad = await post(`${srv.url}/v2/repository/index`, JSON.stringify({ ready: "yes" }));
    expect(bad.status).toBe(400);
    expect(typeof (bad.json() as { error: unknown }).error).toBe("string");
  });

  it("answers requests to a broken model with its reason and to an unknown one with 404, in MLflow's shape", async () => {
    const broken = await invoke(srv.url, "broken", { dataframe_records: [{ x: 1 }] });
    expect(broken.status).toBe(503);
    const body = broken.json() as { error_code: string; message: string };
    expect(body.error_code).toBe("TEMPORARILY_UNAVAILABLE");
    expect(body.message).toContain("Model 'broken' is not available (UNAVAILABLE)");
    expect(body.message).toContain("no_such_flavor_anywhere");
    const unknown = await invoke(srv.url, "nope", { dataframe_records: [{ x: 1 }] });
    expect(unknown.status).toBe(404);
    expect(unknown.json()).toMatchObject({ error_code: "RESOURCE_DOES_NOT_EXIST" });
    expect((unknown.json() as { message: string }).message).toContain("Served models: ");
    expect((await fetch(`${srv.url}/v2/models/broken/ready`)).status).toBe(400);
    expect((await post(`${srv.url}/v2/models/broken/infer`, "{}")).status).toBe(503);
    expect((await post(`${srv.url}/v2/models/nope/infer`, "{}")).status).toBe(404);
    expect((await fetch(`${srv.url}/models/nope/ping`)).status).toBe(404);
    expect((await fetch(`${srv.url}/models/churn/ping`)).status).toBe(200);
  });

  it("has no default model with several models: /invocations says where to go", async () => {
    const res = await post(`${srv.url}/invocations`, JSON.stringify({ dataframe_records: [{ x: 1 }] }));
    expect(res.status).toBe(404);
    expect(res.json()).toMatchObject({ error_code: "ENDPOINT_NOT_FOUND" });
    expect((res.json() as { message: string }).message).toContain("/models/{name}/invocations");
    // the server itself is up
    expect((await fetch(`${srv.url}/ping`)).status).toBe(200);
  });

  it("keeps model code out of the HTTP thread per model: the function model has no fast path, XGBoost does", () => {
    const tenx = srv.server.registry.get("tenx")!.engine!;
    const churn = srv.server.registry.get("churn")!.engine!;
    expect(tenx.info.safeInThread).toBe(false);
    expect((tenx as { inlined?: number }).inlined).toBeUndefined();
    expect(churn.info.safeInThread).toBe(true);
    expect(typeof (churn as { inlined?: number }).inlined).toBe("number");
  });

  it("labels metrics by model", async () => {
    await invoke(srv.url, "tenx", { dataframe_records: [{ x: 1 }] });
    await invoke(srv.url, "broken", { dataframe_records: [{ x: 1 }] });
    const text = await (await fetch(`${srv.url}/metrics`)).text();
    expect(text).toMatch(
      /pyfunc_model_requests_total\{model="tenx",route="\/models\/:name\/invocations",status="200"\} [1-9]/,
    );
    expect(text).toMatch(
      /pyfunc_model_requests_total\{model="broken",route="\/models\/:name\/invocations",status="503"\} [1-9]/,
    );
    expect(text).toMatch(/pyfunc_model_ready\{model="churn",state="READY"\} 1/);
    expect(text).toMatch(/pyfunc_model_ready\{model="broken",state="UNAVAILABLE"\} 0/);
    expect(text).toMatch(/pyfunc_model_prediction_queue_size\{model="fraud"\} 0/);
  });

  it("is not ready while a model failed to load (strict readiness), and is once the broken ones are unloaded", async () => {
    const before = await fetch(`${srv.url}/v2/health/ready`);
    expect(before.status).toBe(400);
    expect(await before.json()).toEqual({ ready: false });
    for (const name of ["broken", "empty"])
      expect((await post(`${srv.url}/v2/repository/models/${name}/unload`, "")).status).toBe(200);
    const after = await fetch(`${srv.url}/v2/health/ready`);
    expect(after.status).toBe(200);
    const index = await repositoryIndex(srv.url);
    expect(index.find((i) => i.name === "broken")).toMatchObject({
      state: "UNAVAILABLE",
      reason: "unloaded",
    });
  });
});

describe("loading and unloading through the repository API, without a restart", () => {
  let repo: string;
  let srv: TestServer;
  beforeAll(async () => {
    repo = await makeRepository();
    rmSync(path.join(repo, "broken"), { recursive: true });
    rmSync(path.join(repo, "empty"), { recursive: true });
    srv = await startTestServer({ modelRepository: repo, imports: IMPORTS, workers: 1 });
  });
  afterAll(async () => {
    await srv.close();
    rmSync(repo, { recursive: true, force: true });
  });

  it("unloads a model (its requests then get 503) and loads it again, while the others keep serving", async () => {
    expect((await fetch(`${srv.url}/v2/health/ready`)).status).toBe(200);
    const unload = await post(`${srv.url}/v2/repository/models/fraud/unload`, "");
    expect(unload.status, unload.text).toBe(200);
    expect(unload.text).toBe("");
    expect((await repositoryIndex(srv.url)).find((i) => i.name === "fraud")).toEqual({
      name: "fraud",
      state: "UNAVAILABLE",
      reason: "unloaded",
    });
    expect((await fetch(`${srv.url}/v2/models/fraud/ready`)).status).toBe(400);
    const refused = await invoke(srv.url, "fraud", { dataframe_records: records(onnxInput()) });
    expect(refused.status).toBe(503);
    expect((refused.json() as { message: string }).message).toContain("unloaded");
    // an unloaded model does not make the server unready (Triton's strict readiness)
    expect((await fetch(`${srv.url}/v2/health/ready`)).status).toBe(200);
    const churn = await invoke(srv.url, "churn", { dataframe_split: xgbInput() });
    expect(churn.status).toBe(200);
    expectClose((churn.json() as { predictions: unknown }).predictions, xgbExpected());

    const load = await post(`${srv.url}/v2/repository/models/fraud/load`, "");
    expect(load.status, load.text).toBe(200);
    const fraud = await invoke(srv.url, "fraud", { dataframe_records: records(onnxInput()) });
    expect(fraud.status, fraud.text).toBe(200);
    expectClose((fraud.json() as { predictions: unknown }).predictions, onnxExpected());
  });

  it("finds a model directory added to the repository after the start, and loads it", async () => {
    await saveTenXModel(path.join(repo, "tenx-plus-5"), 5);
    expect((await repositoryIndex(srv.url)).find((i) => i.name === "tenx-plus-5")).toEqual({
      name: "tenx-plus-5",
      state: "UNAVAILABLE",
      reason: "not loaded",
    });
    expect((await post(`${srv.url}/v2/repository/models/tenx-plus-5/load`, "")).status).toBe(200);
    const res = await invoke(srv.url, "tenx-plus-5", { dataframe_records: [{ x: 2 }] });
    expect(res.json()).toEqual({ predictions: [25] });
    // the first function model is untouched
    expect((await invoke(srv.url, "tenx", { dataframe_records: [{ x: 2 }] })).json()).toEqual({
      predictions: [21],
    });
  });

  it("reloads a loaded model from its changed directory", async () => {
    rmSync(path.join(repo, "tenx"), { recursive: true });
    await saveTenXModel(path.join(repo, "tenx"), 7);
    expect((await post(`${srv.url}/v2/repository/models/tenx/load`, "")).status).toBe(200);
    expect((await invoke(srv.url, "tenx", { dataframe_records: [{ x: 2 }] })).json()).toEqual({
      predictions: [27],
    });
  });

  it("keeps the old copy serving when a reload fails", async () => {
    const mlmodel = path.join(repo, "tenx", "MLmodel");
    const saved = readFileSync(mlmodel, "utf8");
    writeFileSync(mlmodel, saved.replace("@pyfunc/function", "no_such_flavor_anywhere"));
    try {
      const failed = await post(`${srv.url}/v2/repository/models/tenx/load`, "");
      expect(failed.status).toBe(400);
      expect((failed.json() as { error: string }).error).toContain("no_such_flavor_anywhere");
      expect((await repositoryIndex(srv.url)).find((i) => i.name === "tenx")?.state).toBe("READY");
      expect((await invoke(srv.url, "tenx", { dataframe_records: [{ x: 2 }] })).json()).toEqual({
        predictions: [27],
      });
    } finally {
      writeFileSync(mlmodel, saved);
    }
  });

  it("answers a failed load with 400 and its reason, and an unknown model with 404", async () => {
    mkdirSync(path.join(repo, "later-broken"));
    writeFileSync(path.join(repo, "later-broken", "MLmodel"), "flavors: [not, a, mapping\n");
    const failed = await post(`${srv.url}/v2/repository/models/later-broken/load`, "");
    expect(failed.status).toBe(400);
    expect((failed.json() as { error: string }).error).toContain("Failed to load model 'later-broken'");
    const entry = (await repositoryIndex(srv.url)).find((i) => i.name === "later-broken");
    expect(entry?.state).toBe("UNAVAILABLE");
    expect(entry?.reason).not.toBe("");
    const unknown = await post(`${srv.url}/v2/repository/models/nowhere/load`, "");
    expect(unknown.status).toBe(404);
    expect(unknown.json()).toEqual({ error: "Model nowhere not found" });
    expect((await post(`${srv.url}/v2/repository/models/nowhere/unload`, "")).status).toBe(404);
  });
});

describe("unloading a model with requests in flight", () => {
  it("lets the running requests finish before closing the model, and refuses new ones meanwhile", async () => {
    const slow = await saveTestModel({ behavior: "sleep", signature: SLEEP_SIGNATURE });
    const fast = await saveTestModel({ behavior: "linear" });
    const srv = await startTestServer({
      models: [
        { name: "slow", uri: slow },
        { name: "fast", uri: fast },
      ],
      workers: 2,
    });
    try {
      const order: string[] = [];
      const body = JSON.stringify({ dataframe_records: [{ a: 1 }, { a: 2 }], params: { ms: 600 } });
      const running = [0, 1].map(() =>
        post(`${srv.url}/models/slow/invocations`, body).then((r) => {
          order.push("request");
          return r;
        }),
      );
      // wait until both are running on the model
      while (srv.server.registry.get("slow")!.inFlight < 2) await new Promise((r) => setTimeout(r, 10));
      const unloading = post(`${srv.url}/v2/repository/models/slow/unload`, "").then((r) => {
        order.push("unload");
        return r;
      });
      // meanwhile the model takes no new request
      await new Promise((r) => setTimeout(r, 50));
      const refused = await post(`${srv.url}/models/slow/invocations`, body);
      expect(refused.status).toBe(503);
      const answers = await Promise.all(running);
      for (const a of answers) {
        expect(a.status, a.text).toBe(200);
        expect(a.json()).toEqual({ predictions: [2] });
      }
      expect((await unloading).status).toBe(200);
      expect(order).toEqual(["request", "request", "unload"]);
      expect(srv.server.registry.get("slow")!.state).toBe("UNAVAILABLE");
      // the other model never stopped
      expect((await fetch(`${srv.url}/models/fast/ping`)).status).toBe(200);
    } finally {
      await srv.close();
    }
  });
});

describe("named models next to a default one", () => {
  let srv: TestServer;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "pyfunc-multi-named-"));
    await saveTenXModel(path.join(dir, "tenx"));
    srv = await startTestServer({
      modelUri: path.join(XGB, "model"),
      models: [{ name: "tenx", uri: path.join(dir, "tenx"), version: "3", workers: 2 }],
      imports: IMPORTS,
      workers: 1,
    });
  });
  afterAll(async () => {
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("answers /invocations with the default model and /models/{name}/invocations with the named one", async () => {
    const byDefault = await post(`${srv.url}/invocations`, JSON.stringify({ dataframe_split: xgbInput() }));
    expect(byDefault.status).toBe(200);
    expectClose((byDefault.json() as { predictions: unknown }).predictions, xgbExpected());
    const same = await invoke(srv.url, "mlflow-model", { dataframe_split: xgbInput() });
    expect(same.text).toBe(byDefault.text);
    expect((await invoke(srv.url, "tenx", { dataframe_records: [{ x: 3 }] })).json()).toEqual({
      predictions: [31],
    });
    expect((await fetch(`${srv.url}/ping`)).status).toBe(200);
    // each model has its own pool, sized by its own `workers`
    expect(srv.server.registry.get("tenx")!.engine!.threads).toBe(2);
    expect(srv.server.registry.get("mlflow-model")!.engine!.threads).toBe(1);
  });

  it("serves a model's own version on /v2/models/{name}/versions/{v} and 404 for another", async () => {
    const meta = (await (await fetch(`${srv.url}/v2/models/tenx`)).json()) as { versions: string[] };
    expect(meta.versions).toEqual(["3"]);
    expect((await fetch(`${srv.url}/v2/models/tenx/versions/3/ready`)).status).toBe(200);
    const other = await fetch(`${srv.url}/v2/models/tenx/versions/4/ready`);
    expect(other.status).toBe(404);
    expect(await other.json()).toEqual({ error: "Model tenx version 4 not found" });
    expect((await repositoryIndex(srv.url)).find((i) => i.name === "tenx")).toEqual({
      name: "tenx",
      version: "3",
      state: "READY",
      reason: "",
    });
  });

  it("answers /ping with 503 once the default model is unloaded", async () => {
    expect((await post(`${srv.url}/v2/repository/models/mlflow-model/unload`, "")).status).toBe(200);
    const ping = await fetch(`${srv.url}/ping`);
    expect(ping.status).toBe(503);
    expect(await ping.json()).toMatchObject({ error_code: "TEMPORARILY_UNAVAILABLE" });
    expect(
      (await post(`${srv.url}/invocations`, JSON.stringify({ dataframe_split: xgbInput() }))).status,
    ).toBe(503);
    expect((await post(`${srv.url}/v2/repository/models/mlflow-model/load`, "")).status).toBe(200);
    expect((await fetch(`${srv.url}/ping`)).status).toBe(200);
  });
});

describe("one model, as before", () => {
  it("keeps model control off: load and unload are refused, nothing is advertised", async () => {
    const srv = await startTestServer({ modelUri: await saveTestModel({ behavior: "linear" }) });
    try {
      const res = await post(`${srv.url}/v2/repository/models/mlflow-model/unload`, "");
      expect(res.status).toBe(400);
      expect((res.json() as { error: string }).error).toContain("model control");
      expect((await fetch(`${srv.url}/v2/models/mlflow-model/ready`)).status).toBe(200);
      expect(await (await fetch(`${srv.url}/v2`)).json()).toMatchObject({
        extensions: ["binary_tensor_data"],
      });
      expect(await repositoryIndex(srv.url)).toEqual([{ name: "mlflow-model", state: "READY", reason: "" }]);
    } finally {
      await srv.close();
    }
  });

  it("refuses invalid and duplicate model names", async () => {
    const uri = await saveTestModel({ behavior: "linear" });
    await expect(startTestServer({ models: [{ name: "a/b", uri }] })).rejects.toThrow(
      /not a valid model name/,
    );
    await expect(
      startTestServer({
        models: [
          { name: "a", uri },
          { name: "a", uri },
        ],
      }),
    ).rejects.toThrow(/Two models are named 'a'/);
    await expect(startTestServer({ models: [{ name: "a", uri }], defaultModel: "b" })).rejects.toThrow(
      /default model 'b'/,
    );
  });
});

describe("scanModelRepository", () => {
  it("reads MLServer's model-settings.json and Triton's numeric version directories", () => {
    const repo = mkdtempSync(path.join(os.tmpdir(), "pyfunc-multi-scan-"));
    try {
      // MLServer: name and version from model-settings.json, parameters.uri relative to the folder
      mkdirSync(path.join(repo, "folder-a", "artifacts"), { recursive: true });
      writeFileSync(path.join(repo, "folder-a", "artifacts", "MLmodel"), "flavors: {}\n");
      writeFileSync(
        path.join(repo, "folder-a", "model-settings.json"),
        JSON.stringify({ name: "renamed", parameters: { uri: "./artifacts", version: "v1.2" } }),
      );
      // Triton: <model>/<version>/, the highest served
      for (const v of ["1", "12", "3"]) {
        mkdirSync(path.join(repo, "triton", v), { recursive: true });
        writeFileSync(path.join(repo, "triton", v, "MLmodel"), "flavors: {}\n");
      }
      mkdirSync(path.join(repo, "bad-settings"));
      writeFileSync(path.join(repo, "bad-settings", "model-settings.json"), "{not json");
      writeFileSync(path.join(repo, "a-file.txt"), "ignored");
      const scan = scanModelRepository(repo);
      expect(scan.models).toEqual([
        { name: "renamed", uri: path.join(repo, "folder-a", "artifacts"), version: "v1.2" },
        { name: "triton", uri: path.join(repo, "triton", "12"), version: "12" },
      ]);
      expect(scan.broken.map((b) => b.name)).toEqual(["bad-settings"]);
      expect(scan.broken[0]!.reason).toContain("Cannot read the model settings");
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });
});

describe("the repository API on hostile input", () => {
  let srv: TestServer;
  beforeAll(async () => {
    const uri = await saveTestModel({ behavior: "linear" });
    srv = await startTestServer({ models: [{ name: "only", uri }] });
  });
  afterAll(() => srv.close());

  it("answers any index body with 200 and a list, or 400 and an {error} (never a 5xx)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.json(),
          fc.string(),
          fc.uint8Array({ maxLength: 64 }),
          fc.record({ ready: fc.anything() }).map((o) => JSON.stringify(o)),
        ),
        async (body) => {
          const res = await post(`${srv.url}/v2/repository/index`, body);
          expect([200, 400]).toContain(res.status);
          const json = res.json() as unknown;
          if (res.status === 200) expect(Array.isArray(json)).toBe(true);
          else expect(typeof (json as { error: unknown }).error).toBe("string");
        },
      ),
      { numRuns: 60 },
    );
  });

  it("answers any model name in a path with 404 (or the model's own answer), never a 5xx", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 40 }), async (name) => {
        const segment = encodeURIComponent(name);
        const res = await post(`${srv.url}/models/${segment}/invocations`, "{}");
        const load = await post(`${srv.url}/v2/repository/models/${segment}/load`, "");
        if (name === "only") return;
        expect(res.status).toBe(404);
        expect(load.status).toBe(404);
      }),
      { numRuns: 60 },
    );
  });
});
