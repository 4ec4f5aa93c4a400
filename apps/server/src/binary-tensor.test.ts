import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { decodeRawTensor, encodeRawTensor } from "@pyfunc/core/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type PyfuncServer } from "./index.js";
import type { ServableModel } from "./model-types.js";
import { handleV2Infer } from "./v2.js";

// The binary tensor data extension (Triton's Inference-Header-Content-Length framing) over real HTTP, on the
// XGBoost fixture model (four named features, no signature).
const PACKAGES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "packages");
const DIR = path.join(PACKAGES, "xgboost", "fixtures", "mlflow", "regressor-json");
const split = JSON.parse(readFileSync(path.join(DIR, "input.json"), "utf8")) as {
  columns: string[];
  data: (number | null)[][];
};
const expected = JSON.parse(readFileSync(path.join(DIR, "expected.json"), "utf8")).predictions
  .data as number[];

/** Column `c` of `rows` rows of the fixture's input, repeated; nulls (missing values) as NaN. */
function column(rows: number, c: number): Float32Array {
  const out = new Float32Array(rows);
  for (let r = 0; r < rows; r++) out[r] = split.data[r % split.data.length]![c] ?? Number.NaN;
  return out;
}

/** A framed body: the JSON header then the raw little-endian tensors, and the header's byte length. */
function framed(header: Record<string, unknown>, raws: Uint8Array[]): { body: Buffer; n: number } {
  const json = Buffer.from(JSON.stringify(header));
  return { body: Buffer.concat([json, ...raws]), n: json.byteLength };
}

/** The model takes named features: one FP32 tensor per column, read as a DataFrame (`content_type: pd`). */
function binaryV2(rows: number, extra: Record<string, unknown> = {}) {
  const raws = split.columns.map((_, c) => new Uint8Array(column(rows, c).buffer));
  const { parameters, ...rest } = extra as { parameters?: Record<string, unknown> };
  return framed(
    {
      ...rest,
      parameters: { content_type: "pd", ...parameters },
      inputs: split.columns.map((name, c) => ({
        name,
        datatype: "FP32",
        shape: [rows],
        parameters: { binary_data_size: raws[c]!.byteLength },
      })),
    },
    raws,
  );
}

function jsonV2(rows: number, extra: Record<string, unknown> = {}) {
  const { parameters, ...rest } = extra as { parameters?: Record<string, unknown> };
  return JSON.stringify({
    ...rest,
    parameters: { content_type: "pd", ...parameters },
    inputs: split.columns.map((name, c) => ({
      name,
      datatype: "FP32",
      shape: [rows],
      data: Array.from(column(rows, c), (v) => (Number.isNaN(v) ? null : v)),
    })),
  });
}

async function send(url: string, body: string | Buffer, headers: Record<string, string>) {
  const res = await fetch(url, { method: "POST", body, headers });
  return { res, bytes: Buffer.from(await res.arrayBuffer()) };
}

function expectClose(actual: ArrayLike<number>, wanted: ArrayLike<number>): void {
  expect(actual.length).toBe(wanted.length);
  for (let i = 0; i < wanted.length; i++)
    expect(Math.abs(actual[i]! - wanted[i]!)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(wanted[i]!)));
}

// workers: 1 predicts in the worker pool (these few requests are all worker samples), workers: 0 in the HTTP
// thread: the header length reaches the decoder on both paths
describe.each([1, 0])("binary tensor data over HTTP (XGBoost fixture model, workers: %i)", (workers) => {
  let server: PyfuncServer;
  let url: string;
  beforeAll(async () => {
    server = await createServer({
      modelUri: path.join(DIR, "model"),
      imports: ["@pyfunc/xgboost"],
      workers,
      bodyLimit: 1024 * 1024,
      logger: false,
    });
    url = await server.listen({ host: "127.0.0.1", port: 0 });
  });
  afterAll(() => server.close());

  it("lists binary_tensor_data among the server's extensions", async () => {
    const meta = (await (await fetch(`${url}/v2`)).json()) as { extensions: string[] };
    expect(meta.extensions).toContain("binary_tensor_data");
  });

  for (const rows of [25, 5000]) {
    // 25 rows is a small body (predicted in the HTTP thread once measured cheap), 5,000 rows (80 kB) always
    // goes to the worker: both carry the header length through
    it(`a binary v2 request of ${rows} rows predicts what the JSON request predicts`, async () => {
      const { body, n } = binaryV2(rows, { id: "b1" });
      const binary = await send(`${url}/v2/models/mlflow-model/infer`, body, {
        "content-type": "application/octet-stream",
        "inference-header-content-length": String(n),
      });
      expect(binary.res.status, binary.bytes.toString()).toBe(200);
      expect(binary.res.headers.get("content-type")).toMatch(/^application\/json/);
      const json = await send(`${url}/v2/models/mlflow-model/infer`, jsonV2(rows, { id: "b1" }), {
        "content-type": "application/json",
      });
      expect(json.res.status, json.bytes.toString()).toBe(200);
      const a = JSON.parse(binary.bytes.toString()) as { id: string; outputs: { data: number[] }[] };
      const b = JSON.parse(json.bytes.toString()) as { outputs: { data: number[] }[] };
      expect(a.id).toBe("b1");
      expect(a.outputs).toEqual(b.outputs);
      expectClose(a.outputs[0]!.data.slice(0, expected.length), expected);
    });
  }

  it("answers binary_data_output with the JSON header, the raw FP32 outputs and Inference-Header-Content-Length", async () => {
    const rows = 3000;
    const { body, n } = binaryV2(rows, { parameters: { binary_data_output: true } });
    const { res, bytes } = await send(`${url}/v2/models/mlflow-model/infer`, body, {
      "content-type": "application/octet-stream",
      "inference-header-content-length": String(n),
    });
    expect(res.status, bytes.toString()).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/octet-stream");
    const headerLength = Number(res.headers.get("inference-header-content-length"));
    const header = JSON.parse(bytes.subarray(0, headerLength).toString("utf8")) as {
      model_name: string;
      outputs: {
        name: string;
        datatype: string;
        shape: number[];
        parameters: { binary_data_size: number };
      }[];
    };
    expect(header.model_name).toBe("mlflow-model");
    expect(header.outputs).toEqual([
      { name: "output-0", datatype: "FP32", shape: [rows], parameters: { binary_data_size: rows * 4 } },
    ]);
    expect(bytes.byteLength).toBe(headerLength + rows * 4);
    const raw = bytes.subarray(headerLength);
    const predictions = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
    const json = await send(`${url}/v2/models/mlflow-model/infer`, jsonV2(rows), {
      "content-type": "application/json",
    });
    const want = (JSON.parse(json.bytes.toString()) as { outputs: { data: number[] }[] }).outputs[0]!.data;
    expect(Array.from(predictions)).toEqual(want.map((v) => Math.fround(v)));
  });

  it("a JSON request may ask for a binary answer; an output's binary_data: false keeps it JSON", async () => {
    const asked = await send(
      `${url}/v2/models/mlflow-model/infer`,
      jsonV2(25, { outputs: [{ name: "output-0", parameters: { binary_data: true } }] }),
      { "content-type": "application/json" },
    );
    expect(asked.res.headers.get("content-type")).toBe("application/octet-stream");
    const headerLength = Number(asked.res.headers.get("inference-header-content-length"));
    const raw = asked.bytes.subarray(headerLength);
    expectClose(
      new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength)),
      expected,
    );
    const declined = await send(
      `${url}/v2/models/mlflow-model/infer`,
      jsonV2(25, {
        parameters: { binary_data_output: true },
        outputs: [{ name: "output-0", parameters: { binary_data: false } }],
      }),
      { "content-type": "application/json" },
    );
    expect(declined.res.headers.get("content-type")).toMatch(/^application\/json/);
    expectClose(
      (JSON.parse(declined.bytes.toString()) as { outputs: { data: number[] }[] }).outputs[0]!.data,
      expected,
    );
  });

  it("/invocations takes the same framing as application/octet-stream and predicts what dataframe_split does", async () => {
    for (const rows of [25, 5000]) {
      const { body, n } = binaryV2(rows); // the same header: v2 tensors, parameters.content_type "pd"
      const binary = await send(`${url}/invocations`, body, {
        "content-type": "application/octet-stream",
        "inference-header-content-length": String(n),
      });
      expect(binary.res.status, binary.bytes.toString()).toBe(200);
      const data = Array.from({ length: rows }, (_, r) => split.data[r % split.data.length]);
      const json = await send(
        `${url}/invocations`,
        JSON.stringify({ dataframe_split: { columns: split.columns, data } }),
        { "content-type": "application/json" },
      );
      const a = (JSON.parse(binary.bytes.toString()) as { predictions: number[] }).predictions;
      const b = (JSON.parse(json.bytes.toString()) as { predictions: number[] }).predictions;
      expect(a).toEqual(b);
      expectClose(a.slice(0, expected.length), expected);
    }
  });

  it("refuses bad framing with 400s in each protocol's error shape", async () => {
    const { body, n } = binaryV2(10);
    const short = await send(`${url}/v2/models/mlflow-model/infer`, body.subarray(0, body.byteLength - 1), {
      "content-type": "application/octet-stream",
      "inference-header-content-length": String(n),
    });
    expect(short.res.status).toBe(400);
    expect((JSON.parse(short.bytes.toString()) as { error: string }).error).toMatch(/binary_data_size/);
    const tooLong = await send(`${url}/v2/models/mlflow-model/infer`, body, {
      "content-type": "application/octet-stream",
      "inference-header-content-length": String(body.byteLength + 1),
    });
    expect(tooLong.res.status).toBe(400);
    const noHeader = await send(`${url}/invocations`, body, { "content-type": "application/octet-stream" });
    expect(noHeader.res.status).toBe(400);
    expect(JSON.parse(noHeader.bytes.toString())).toMatchObject({ error_code: "BAD_REQUEST" });
    const badLength = await send(`${url}/invocations`, body, {
      "content-type": "application/octet-stream",
      "inference-header-content-length": "ten",
    });
    expect(badLength.res.status).toBe(400);
    expect(JSON.parse(badLength.bytes.toString())).toMatchObject({ error_code: "INVALID_PARAMETER_VALUE" });
  });

  it("the body limit applies to the whole framed body", async () => {
    const { body, n } = binaryV2(70_000); // 1.12 MB of tensors after a small header: past the 1 MiB limit
    for (const target of ["/v2/models/mlflow-model/infer", "/invocations"]) {
      const { res } = await send(`${url}${target}`, body, {
        "content-type": "application/octet-stream",
        "inference-header-content-length": String(n),
      });
      expect(res.status, target).toBe(413);
    }
  });
});

describe("binary tensor requests and answers through the v2 handler, every datatype", () => {
  // an echo model: a dict of tensors in, the same dict out, so the answer's bytes must be the request's
  const echo: ServableModel = { predict: async (x) => x };
  const CASES: [string, unknown[]][] = [
    ["BOOL", [true, false, true, true]],
    ["UINT8", [0, 255, 7, 9]],
    ["UINT16", [0, 65535, 2, 3]],
    ["UINT32", [0, 2 ** 32 - 1, 5, 6]],
    ["UINT64", [0n, 2n ** 64n - 1n, 5n, 6n]], // (64-bit integers exactly: not through JSON numbers)
    ["INT8", [-128, 127, 0, 1]],
    ["INT16", [-32768, 32767, 0, 1]],
    ["INT32", [-(2 ** 31), 2 ** 31 - 1, 0, 1]],
    ["INT64", [-(2n ** 63n), 2n ** 62n + 1n, 0n, 1n]],
    ["FP32", [1.5, -0.25, 1e-3, 3]],
    ["FP64", [0.1, -1e300, 2 ** -1000, 4]],
    ["BYTES", ["", "naïve", "日本", "x"]],
  ];

  it("round-trips each datatype: binary in, binary out, the same bytes", async () => {
    const inputs = CASES.map(([datatype, values]) => ({
      name: datatype.toLowerCase(),
      datatype,
      shape: [2, 2],
      raw: encodeRawTensor(datatype, values),
    }));
    const { body, n } = framed(
      {
        parameters: { content_type: "dict", binary_data_output: true },
        inputs: inputs.map((i) => ({
          name: i.name,
          datatype: i.datatype,
          shape: i.shape,
          parameters: { binary_data_size: i.raw.byteLength },
        })),
      },
      inputs.map((i) => i.raw),
    );
    const answer = await handleV2Infer(echo, "echo", body, String(n));
    expect(answer.status, String(answer.body)).toBe(200);
    expect(answer.contentType).toBe("application/octet-stream");
    const bytes = Buffer.from(answer.body as Uint8Array);
    const headerLength = Number(answer.headers?.["inference-header-content-length"]);
    const header = JSON.parse(bytes.subarray(0, headerLength).toString("utf8")) as {
      outputs: {
        name: string;
        datatype: string;
        shape: number[];
        parameters: { binary_data_size: number };
      }[];
    };
    let at = headerLength;
    for (const input of inputs) {
      const out = header.outputs.find((o) => o.name === input.name)!;
      expect(out.datatype, input.datatype).toBe(input.datatype);
      expect(out.shape).toEqual([2, 2]);
      const size = out.parameters.binary_data_size;
      expect(Buffer.from(bytes.subarray(at, at + size)).equals(Buffer.from(input.raw)), input.datatype).toBe(
        true,
      );
      at += size;
    }
    expect(at).toBe(bytes.byteLength);
  });

  it("FP16 inputs decode as half floats and answer as FP32", async () => {
    const halves = new Uint8Array(new Uint16Array([0x3c00, 0xc000]).buffer);
    const { body, n } = framed(
      {
        parameters: { binary_data_output: true },
        inputs: [{ name: "h", datatype: "FP16", shape: [2], parameters: { binary_data_size: 4 } }],
      },
      [halves],
    );
    const answer = await handleV2Infer(echo, "echo", body, String(n));
    const bytes = Buffer.from(answer.body as Uint8Array);
    const headerLength = Number(answer.headers?.["inference-header-content-length"]);
    const header = JSON.parse(bytes.subarray(0, headerLength).toString("utf8"));
    expect(header.outputs[0]).toMatchObject({ datatype: "FP32", parameters: { binary_data_size: 8 } });
    expect(
      Array.from(decodeRawTensor("h", "FP32", [2], bytes.subarray(headerLength)) as Float32Array),
    ).toEqual([1, -2]);
  });
});
