// /openapi.json and /docs for a server of several models: each model's /models/{name}/invocations and
// /v2/models/{name}/infer with the request schemas of its own signature, following loads and unloads. Real HTTP
// against servers of two fixture models: the test flavor's linear model and the ONNX columns fixture.
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { saveTestModel, TEST_FLAVOR_MODULE } from "../test/fixtures/models.js";
import { post, startTestServer, type TestServer } from "../test/helpers.js";

const ONNX = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../../packages/onnx/fixtures/mlflow-columns-multi-input",
);
const IMPORTS = [TEST_FLAVOR_MODULE, "@pyfunc/onnx"];
const onnxInput = () =>
  JSON.parse(readFileSync(path.join(ONNX, "input.json"), "utf8")) as { columns: string[]; data: unknown[][] };

type Schema = {
  $ref?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  oneOf?: Schema[];
  const?: unknown;
  title?: string;
  type?: unknown;
  format?: string;
};
type Operation = {
  tags?: string[];
  requestBody: { content: Record<string, { schema: Schema; example?: unknown }> };
};
type Doc = {
  openapi: string;
  paths: Record<string, { post?: Operation; get?: unknown }>;
  components: { schemas: Record<string, Schema> };
};

const getDoc = async (url: string, route = "/openapi.json"): Promise<Doc> => {
  const res = await fetch(`${url}${route}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Doc;
};

/** The component a `$ref` names. */
const deref = (doc: Doc, s: Schema): Schema => {
  const name = s.$ref?.replace("#/components/schemas/", "");
  return name === undefined ? s : doc.components.schemas[name]!;
};

const requestSchemaOf = (doc: Doc, route: string): Schema =>
  deref(doc, doc.paths[route]!.post!.requestBody.content["application/json"]!.schema);

/** The `Row` component an invocation request's `dataframe_records` items point to. */
const rowOf = (doc: Doc, route: string): Schema => {
  const records = requestSchemaOf(doc, route).oneOf!.find((o) => o.title === "dataframe_records")!;
  return deref(doc, records.properties!.dataframe_records!.items!);
};

async function expectValid(doc: Doc): Promise<void> {
  const result = await new Validator().validate(doc as never);
  expect(result.errors ?? []).toEqual([]);
  expect(result.valid).toBe(true);
}

let linearDir: string;
beforeAll(async () => {
  linearDir = await saveTestModel({
    behavior: "linear",
    inputExample: [{ x: 1.0, y: 0.5, n: 1, name: "alice" }],
    inputExampleParams: { multiplier: 2.0 },
  });
});

describe("/openapi.json and /docs with several models (-m linear=… -m fraud=…)", () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer({
      models: [
        { name: "linear", uri: linearDir },
        { name: "fraud", uri: path.join(ONNX, "model") },
      ],
      imports: IMPORTS,
      workers: 1,
    });
  });
  afterAll(() => srv.close());

  it("documents each model's invocations and v2 inference with that model's own signature, and is valid OpenAPI 3.1", async () => {
    const doc = await getDoc(srv.url);
    await expectValid(doc);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/models/linear/invocations",
        "/models/fraud/invocations",
        "/v2/models/linear/infer",
        "/v2/models/fraud/infer",
        "/v2/models/linear",
        "/v2/models/fraud/ready",
      ]),
    );
    // no default model with two: /invocations answers 404, so it is not documented
    expect(doc.paths["/invocations"]).toBeUndefined();
    expect(rowOf(doc, "/models/linear/invocations").properties).toEqual({
      x: { type: "number", format: "double" },
      y: { type: "number", format: "double" },
      n: { type: "integer", format: "int64" },
      name: { type: "string" },
    });
    expect(rowOf(doc, "/models/fraud/invocations").properties).toEqual({
      flag: { type: "boolean" },
      x: { type: "number", format: "float" },
      name: { type: "string" },
    });
    expect(doc.components.schemas["linear.Params"]!.properties).toMatchObject({
      multiplier: { default: 1.0 },
    });
    // v2: one item schema per signature input, with its name and datatype
    const v2Fraud = requestSchemaOf(doc, "/v2/models/fraud/infer").properties!.inputs!.items!.oneOf!;
    expect(v2Fraud.map((i) => [i.properties!.name!.const, i.properties!.datatype!.const])).toEqual([
      ["flag", "BOOL"],
      ["x", "FP32"],
      ["name", "BYTES"],
    ]);
    const v2Linear = requestSchemaOf(doc, "/v2/models/linear/infer").properties!.inputs!.items!.oneOf!;
    expect(v2Linear.map((i) => i.properties!.name!.const)).toEqual(["x", "y", "n", "name"]);
    // grouped by model in the UI
    expect(doc.paths["/models/fraud/invocations"]!.post!.tags).toEqual(["fraud"]);
  });

  it("documents requests the server accepts: the saved example and a v2 request built from the schema", async () => {
    const doc = await getDoc(srv.url);
    const example =
      doc.paths["/models/linear/invocations"]!.post!.requestBody.content["application/json"]!.example;
    expect(example).toMatchObject({ params: { multiplier: 2.0 } });
    const scored = await post(`${srv.url}/models/linear/invocations`, JSON.stringify(example));
    expect(scored.status, scored.text).toBe(200);
    expect(scored.json()).toEqual({ predictions: [{ score: 0.75, greeting: "hi alice", known: true }] });

    const input = onnxInput();
    const items = requestSchemaOf(doc, "/v2/models/fraud/infer").properties!.inputs!.items!.oneOf!;
    const inputs = items.map((item) => {
      const name = item.properties!.name!.const as string;
      const column = input.columns.indexOf(name);
      return {
        name,
        datatype: item.properties!.datatype!.const,
        shape: [input.data.length, 1],
        data: input.data.map((r) => r[column]),
      };
    });
    const infer = await post(`${srv.url}/v2/models/fraud/infer`, JSON.stringify({ inputs }));
    expect(infer.status, infer.text).toBe(200);
    expect((infer.json() as { model_name: string }).model_name).toBe("fraud");
  });

  it("follows unload and load: an unloaded model leaves /openapi.json and /docs/json, a loaded one comes back", async () => {
    const ui = await fetch(`${srv.url}/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toMatch(/swagger/i);
    expect(await getDoc(srv.url, "/docs/json")).toEqual(await getDoc(srv.url));

    const unload = await post(`${srv.url}/v2/repository/models/fraud/unload`, "");
    expect(unload.status, unload.text).toBe(200);
    for (const route of ["/openapi.json", "/docs/json"]) {
      const doc = await getDoc(srv.url, route);
      await expectValid(doc);
      expect(Object.keys(doc.paths).filter((p) => p.includes("fraud"))).toEqual([]);
      expect(Object.keys(doc.components.schemas).filter((s) => s.startsWith("fraud."))).toEqual([]);
      expect(doc.paths["/models/linear/invocations"]).toBeDefined();
    }

    const load = await post(`${srv.url}/v2/repository/models/fraud/load`, "");
    expect(load.status, load.text).toBe(200);
    for (const route of ["/openapi.json", "/docs/json"]) {
      const doc = await getDoc(srv.url, route);
      expect(doc.paths["/models/fraud/invocations"]).toBeDefined();
      expect(rowOf(doc, "/models/fraud/invocations").properties).toHaveProperty("flag");
    }
  });
});

describe("/openapi.json for a model repository and for a default model next to a named one", () => {
  let repo: string;
  beforeAll(() => {
    repo = mkdtempSync(path.join(os.tmpdir(), "pyfunc-openapi-repo-"));
    cpSync(linearDir, path.join(repo, "scorer"), { recursive: true });
    cpSync(path.join(ONNX, "model"), path.join(repo, "fraud"), { recursive: true });
  });
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  it("documents every model of --model-repository by its directory name", async () => {
    const srv = await startTestServer({ modelRepository: repo, imports: IMPORTS, workers: 1 });
    try {
      const doc = await getDoc(srv.url);
      await expectValid(doc);
      expect(Object.keys(rowOf(doc, "/models/scorer/invocations").properties!)).toEqual([
        "x",
        "y",
        "n",
        "name",
      ]);
      expect(Object.keys(rowOf(doc, "/models/fraud/invocations").properties!)).toEqual(["flag", "x", "name"]);
    } finally {
      await srv.close();
    }
  });

  it("documents /invocations with the default model's schema and the named model under its own name", async () => {
    const srv = await startTestServer({
      modelUri: linearDir,
      models: [{ name: "fraud", uri: path.join(ONNX, "model") }],
      imports: IMPORTS,
      workers: 1,
    });
    try {
      const doc = await getDoc(srv.url);
      await expectValid(doc);
      // the default model's components keep their plain names (Row, Params …)
      expect(doc.paths["/invocations"]!.post!.requestBody.content["application/json"]!.schema).toEqual({
        $ref: "#/components/schemas/InvocationRequest",
      });
      expect(Object.keys(rowOf(doc, "/invocations").properties!)).toEqual(["x", "y", "n", "name"]);
      expect(Object.keys(rowOf(doc, "/models/fraud/invocations").properties!)).toEqual(["flag", "x", "name"]);
      expect(doc.components.schemas["fraud.Row"]).toBeDefined();
    } finally {
      await srv.close();
    }
  });
});
