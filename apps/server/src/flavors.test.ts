import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { post } from "../test/helpers.js";
import { createServer, type PyfuncServer } from "./index.js";

const PACKAGES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "packages");
const readJson = (p: string) => JSON.parse(readFileSync(p, "utf8"));

function expectClose(actual: unknown, expected: unknown, where = "$"): void {
  if (typeof expected === "number" && typeof actual === "number") {
    expect(Math.abs(actual - expected), where).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(expected)));
  } else if (Array.isArray(expected)) {
    expect(Array.isArray(actual), where).toBe(true);
    expect((actual as unknown[]).length, where).toBe(expected.length);
    expected.forEach((e, i) => {
      expectClose((actual as unknown[])[i], e, `${where}[${i}]`);
    });
  } else if (expected !== null && typeof expected === "object") {
    for (const [k, v] of Object.entries(expected))
      expectClose((actual as Record<string, unknown>)[k], v, `${where}.${k}`);
  } else {
    expect(actual, where).toEqual(expected);
  }
}

const CASES = [
  {
    name: "@pyfunc/xgboost regressor (JSON booster written by Python MLflow's layout)",
    imports: ["@pyfunc/xgboost"],
    dir: path.join(PACKAGES, "xgboost", "fixtures", "mlflow", "regressor-json"),
    expected: (dir: string) => readJson(path.join(dir, "expected.json")).predictions.data as unknown[],
  },
  {
    name: "@pyfunc/onnx three-input model with a column signature",
    imports: ["@pyfunc/onnx"],
    dir: path.join(PACKAGES, "onnx", "fixtures", "mlflow-columns-multi-input"),
    expected: (dir: string) => {
      const e = readJson(path.join(dir, "expected.json")) as { columns: string[]; data: unknown[][] };
      return e.data.map((row) => Object.fromEntries(e.columns.map((c, i) => [c, row[i]])));
    },
  },
];

describe.each(CASES)("$name served over HTTP", ({ imports, dir, expected }) => {
  let server: PyfuncServer;
  let url: string;
  beforeAll(async () => {
    server = await createServer({ modelUri: path.join(dir, "model"), imports, workers: 1 });
    url = await server.listen();
  });
  afterAll(() => server.close());

  it("scores dataframe_split and dataframe_records like Python MLflow", async () => {
    const split = readJson(path.join(dir, "input.json")) as { columns: string[]; data: unknown[][] };
    const res = await post(`${url}/invocations`, JSON.stringify({ dataframe_split: split }));
    expect(res.status, res.text).toBe(200);
    expectClose((res.json() as { predictions: unknown }).predictions, expected(dir));
    const records = split.data.map((row) => Object.fromEntries(split.columns.map((c, i) => [c, row[i]])));
    const res2 = await post(`${url}/invocations`, JSON.stringify({ dataframe_records: records }));
    expect(res2.status, res2.text).toBe(200);
    expectClose((res2.json() as { predictions: unknown }).predictions, expected(dir));
  });

  it("scores CSV and refuses a missing column with INVALID_PARAMETER_VALUE", async () => {
    const split = readJson(path.join(dir, "input.json")) as { columns: string[]; data: unknown[][] };
    const csv = [
      split.columns.join(","),
      ...split.data.map((r) =>
        r.map((v) => (typeof v === "boolean" ? (v ? "True" : "False") : String(v))).join(","),
      ),
    ].join("\n");
    const res = await post(`${url}/invocations`, csv, "text/csv");
    expect(res.status, res.text).toBe(200);
    expectClose((res.json() as { predictions: unknown }).predictions, expected(dir));
    const missing = await post(
      `${url}/invocations`,
      JSON.stringify({
        dataframe_split: { columns: split.columns.slice(1), data: split.data.map((r) => r.slice(1)) },
      }),
    );
    expect(missing.status).toBe(400);
    expect(missing.json()).toMatchObject({ error_code: "INVALID_PARAMETER_VALUE" });
  });

  it("publishes a valid OpenAPI 3.1 document for the model", async () => {
    const doc = await (await fetch(`${url}/openapi.json`)).json();
    const result = await new Validator().validate(doc as Record<string, unknown> as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });
});
