import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MlflowException } from "../errors/mlflow-exception.js";
import { DataFrame } from "../inputs/dataframe.js";
import { isTensor, type Tensor } from "../inputs/tensor.js";
import {
  binaryOutputChoice,
  decodeBinaryTensorBody,
  decodeRawTensor,
  encodeRawTensor,
  frameBinaryTensorBody,
  inferenceHeaderLength,
} from "./binary-tensor.js";
import { parseContentType } from "./content-type.js";
import { parseScoringRequest, parseScoringRequestAsync } from "./parse.js";

const DATATYPES = [
  "BOOL",
  "UINT8",
  "UINT16",
  "UINT32",
  "UINT64",
  "INT8",
  "INT16",
  "INT32",
  "INT64",
  "FP16",
  "FP32",
  "FP64",
  "BYTES",
] as const;
const WIDTHS: Record<string, number> = { BOOL: 1, UINT8: 1, INT8: 1, UINT16: 2, INT16: 2, FP16: 2 };
const widthOf = (d: string) => WIDTHS[d] ?? (d.endsWith("64") ? 8 : 4);

interface TestInput {
  name: string;
  datatype: string;
  shape: number[];
  raw: Uint8Array;
}

/** A framed body: the JSON header (each input with its binary_data_size) then the inputs' bytes. */
function frame(inputs: TestInput[], extra: Record<string, unknown> = {}): { body: Uint8Array; n: number } {
  const header = Buffer.from(
    JSON.stringify({
      ...extra,
      inputs: inputs.map((i) => ({
        name: i.name,
        datatype: i.datatype,
        shape: i.shape,
        parameters: { binary_data_size: i.raw.byteLength },
      })),
    }),
  );
  return { body: Buffer.concat([header, ...inputs.map((i) => i.raw)]), n: header.byteLength };
}

/** Bad bodies must fail as a 400 MlflowException (BAD_REQUEST or INVALID_PARAMETER_VALUE), nothing else. */
function expectTyped400(error: unknown): void {
  expect(error).toBeInstanceOf(MlflowException);
  const e = error as MlflowException;
  expect(["BAD_REQUEST", "INVALID_PARAMETER_VALUE"]).toContain(e.errorCode);
  expect(e.httpStatus).toBe(400);
}

/** Elements a decoded value holds (typed arrays, or lists of booleans / strings). */
const lengthOf = (data: unknown) => (data as ArrayLike<unknown>).length;

describe("raw tensor contents (one codec for REST binary data and gRPC raw contents)", () => {
  it("round-trips every datatype's values without loss", () => {
    const cases: [string, unknown[], unknown[]?][] = [
      [
        "FP32",
        [1.5, -0, Number.NaN, Number.POSITIVE_INFINITY, 0.1],
        [1.5, -0, Number.NaN, Infinity, Math.fround(0.1)],
      ],
      ["FP64", [0.1, Number.NEGATIVE_INFINITY, 1e308]],
      ["INT64", [2n ** 62n + 1n, -(2n ** 63n), 7n]],
      ["UINT64", [2n ** 64n - 1n, 0n, 2n ** 63n]],
      ["INT32", [-(2 ** 31), 2 ** 31 - 1, 0]],
      ["UINT32", [2 ** 32 - 1, 0, 5]],
      ["INT16", [-32768, 32767, 1]],
      ["UINT16", [65535, 0, 2]],
      ["INT8", [-128, 127, 0]],
      ["UINT8", [255, 0, 9]],
      ["BOOL", [true, false, true]],
      ["BYTES", ["", "naïve", "日本"]],
    ];
    for (const [datatype, values, expected] of cases) {
      const raw = encodeRawTensor(datatype, values);
      if (datatype !== "BYTES") expect(raw.byteLength, datatype).toBe(values.length * widthOf(datatype));
      const decoded = decodeRawTensor("x", datatype, [values.length], raw);
      expect(Array.from(decoded as ArrayLike<unknown>), datatype).toEqual(expected ?? values);
    }
  });

  it("decodes BOOL as one byte per element and BYTES as 4-byte little-endian length + bytes", () => {
    expect(decodeRawTensor("b", "BOOL", [3], new Uint8Array([1, 0, 1]))).toEqual([true, false, true]);
    const bytes = new Uint8Array([2, 0, 0, 0, 0x68, 0x69, 0, 0, 0, 0]);
    expect(decodeRawTensor("s", "BYTES", [2], bytes)).toEqual(["hi", ""]);
    expect(() => decodeRawTensor("s", "BYTES", [1], new Uint8Array([1, 0, 0, 0, 0xff]))).toThrow(/UTF-8/);
  });

  it("decodes FP16 as half precision", () => {
    const halves = new Uint8Array(new Uint16Array([0x3c00, 0xc000, 0x7c00, 0x0001, 0x7e00]).buffer);
    expect(Array.from(decodeRawTensor("h", "FP16", [5], halves) as Float32Array)).toEqual([
      1,
      -2,
      Number.POSITIVE_INFINITY,
      2 ** -24,
      Number.NaN,
    ]);
  });

  it("random bytes, shapes and datatypes decode to one value per element or throw a typed 400", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...DATATYPES, "COMPLEX64", ""),
        fc.array(fc.integer({ min: 0, max: 2 ** 40 }), { maxLength: 6 }),
        fc.uint8Array({ maxLength: 256 }),
        (datatype, shape, bytes) => {
          try {
            const values = decodeRawTensor("x", datatype, shape, bytes) as ArrayLike<unknown>;
            expect(values.length).toBe(shape.reduce((a, b) => a * b, 1));
            if (datatype !== "BYTES") expect(bytes.byteLength).toBe(values.length * widthOf(datatype));
            else expect(values.length * 4).toBeLessThanOrEqual(bytes.byteLength);
          } catch (error) {
            expectTyped400(error);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("a BYTES length prefix or shape that claims more than the bytes hold is refused before allocating", () => {
    const lying = new Uint8Array([0xff, 0xff, 0xff, 0x7f, 1, 2, 3]);
    expect(() => decodeRawTensor("x", "BYTES", [1], lying)).toThrow(/runs past the end/);
    expect(() => decodeRawTensor("x", "BYTES", [2 ** 40], lying)).toThrow(/too few/);
    expect(() => decodeRawTensor("x", "FP64", [2 ** 26, 2 ** 26], new Uint8Array(8))).toThrow(/needs/);
  });
});

describe("binary tensor framing (Inference-Header-Content-Length)", () => {
  it("decodes Triton's documented example: UINT32 [2, 2] and BOOL [3] after the JSON header", () => {
    const { body, n } = frame([
      { name: "input0", datatype: "UINT32", shape: [2, 2], raw: encodeRawTensor("UINT32", [1, 2, 3, 4]) },
      { name: "input1", datatype: "BOOL", shape: [3], raw: new Uint8Array([1, 0, 1]) },
    ]);
    const header = decodeBinaryTensorBody(body, String(n));
    const inputs = header.inputs as { name: string; shape: number[]; data: unknown; parameters?: unknown }[];
    expect(inputs[0]!.data).toEqual(new Uint32Array([1, 2, 3, 4]));
    expect(inputs[0]!.shape).toEqual([2, 2]);
    expect(inputs[0]!.parameters).toBeUndefined();
    expect(inputs[1]!.data).toEqual([true, false, true]);
  });

  it("keeps JSON data of inputs without binary_data_size, and other input parameters", () => {
    const raw = encodeRawTensor("FP64", [0.5, 1.5]);
    const header = Buffer.from(
      JSON.stringify({
        inputs: [
          {
            name: "a",
            datatype: "FP64",
            shape: [2],
            parameters: { binary_data_size: 16, content_type: "np" },
          },
          { name: "b", datatype: "INT32", shape: [2], data: [7, 8] },
        ],
      }),
    );
    const decoded = decodeBinaryTensorBody(Buffer.concat([header, raw]), header.byteLength);
    const [a, b] = decoded.inputs as Record<string, unknown>[];
    expect(a!.data).toEqual(new Float64Array([0.5, 1.5]));
    expect(a!.parameters).toEqual({ content_type: "np" });
    expect(b!.data).toEqual([7, 8]);
  });

  it("refuses framing faults with a typed 400", () => {
    const { body, n } = frame([
      { name: "x", datatype: "FP32", shape: [2], raw: encodeRawTensor("FP32", [1, 2]) },
    ]);
    const cases: [Uint8Array, string | number, RegExp][] = [
      [body, n + 1, /not valid UTF-8 JSON/],
      [body, n - 1, /not valid UTF-8 JSON/],
      [body, body.byteLength + 1, /larger than the request body/],
      [body, "-1", /non-negative integer/],
      [body, "1e3", /non-negative integer/],
      [body.subarray(0, body.byteLength - 1), n, /pass the 7 bytes/],
      [Buffer.concat([body, new Uint8Array(1)]), n, /sum to 8 bytes but 9/],
    ];
    for (const [bytes, length, message] of cases) {
      try {
        decodeBinaryTensorBody(bytes, length);
        throw new Error(`accepted ${String(length)}`);
      } catch (error) {
        expectTyped400(error);
        expect((error as Error).message).toMatch(message);
      }
    }
    // shape × element width must equal binary_data_size
    const wrongShape = frame([
      { name: "x", datatype: "FP32", shape: [3], raw: encodeRawTensor("FP32", [1, 2]) },
    ]);
    expect(() => decodeBinaryTensorBody(wrongShape.body, wrongShape.n)).toThrow(/needs 12/);
    const both = Buffer.from(
      JSON.stringify({
        inputs: [{ name: "x", datatype: "FP32", shape: [1], data: [1], parameters: { binary_data_size: 0 } }],
      }),
    );
    expect(() => decodeBinaryTensorBody(both, both.byteLength)).toThrow(/both 'data' and binary_data_size/);
    const neither = Buffer.from(JSON.stringify({ inputs: [{ name: "x", datatype: "FP32", shape: [1] }] }));
    expect(() => decodeBinaryTensorBody(neither, neither.byteLength)).toThrow(/neither 'data' nor/);
    expect(() => inferenceHeaderLength("12", 11)).toThrow(MlflowException);
  });

  it("random bodies and header lengths parse or throw a typed 400, never another error", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.oneof(fc.nat(400), fc.string()), (body, length) => {
        try {
          decodeBinaryTensorBody(body, length);
        } catch (error) {
          expectTyped400(error);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("mutated valid framed bodies parse to tensors no larger than their bytes, or throw a typed 400", () => {
    const input = fc.record({
      datatype: fc.constantFrom(...DATATYPES),
      shape: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 3 }),
    });
    fc.assert(
      fc.property(
        fc.array(input, { minLength: 1, maxLength: 3 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        fc.integer({ min: -4, max: 4 }),
        fc.integer({ min: -3, max: 3 }),
        (specs, flips, cut, shift) => {
          const inputs = specs.map((s, k) => {
            const size = s.shape.reduce((a, b) => a * b, 1);
            const values = Array.from({ length: size }, (_, i) =>
              s.datatype === "BYTES" ? `v${i}` : s.datatype === "BOOL" ? i % 2 === 0 : i % 100,
            );
            const raw = encodeRawTensor(s.datatype === "FP16" ? "UINT16" : s.datatype, values);
            return { name: `in${k}`, datatype: s.datatype, shape: s.shape, raw };
          });
          const { body, n } = frame(inputs);
          const mutated = new Uint8Array(body);
          for (const [at, b] of flips) if (mutated.length > 0) mutated[at % mutated.length] = b;
          const bytes = cut >= 0 ? mutated : mutated.subarray(0, Math.max(0, mutated.length + cut));
          try {
            const decoded = decodeBinaryTensorBody(bytes, Math.max(0, n + shift));
            let elements = 0;
            for (const i of decoded.inputs as { data: unknown }[])
              if (Array.isArray(i.data) || ArrayBuffer.isView(i.data)) elements += lengthOf(i.data);
            expect(elements).toBeLessThanOrEqual(bytes.byteLength);
          } catch (error) {
            expectTyped400(error);
          }
        },
      ),
      { numRuns: 1500 },
    );
  });

  it("frames an answer: JSON header with each binary output's binary_data_size, then the bytes in order", () => {
    const a = encodeRawTensor("FP32", [1, 2, 3]);
    const { body, headerLength } = frameBinaryTensorBody({ model_name: "m" }, [
      { entry: { name: "a", datatype: "FP32", shape: [3] }, raw: a },
      { entry: { name: "b", datatype: "INT64", shape: [1], data: [5] } },
    ]);
    const header = JSON.parse(Buffer.from(body.subarray(0, headerLength)).toString("utf8"));
    expect(header).toEqual({
      model_name: "m",
      outputs: [
        { name: "a", datatype: "FP32", shape: [3], parameters: { binary_data_size: 12 } },
        { name: "b", datatype: "INT64", shape: [1], data: [5] },
      ],
    });
    expect(
      Array.from(decodeRawTensor("a", "FP32", [3], body.subarray(headerLength)) as Float32Array),
    ).toEqual([1, 2, 3]);
  });

  it("chooses binary outputs as Triton does: an output's binary_data overrides binary_data_output", () => {
    const choice = binaryOutputChoice({
      parameters: { binary_data_output: true },
      outputs: [{ name: "a", parameters: { binary_data: false } }, { name: "b" }],
    });
    expect(choice.all).toBe(true);
    expect(choice.byName.get("a")).toBe(false);
    expect(choice.byName.has("b")).toBe(false);
    expect(binaryOutputChoice({ inputs: [] }).all).toBe(false);
  });
});

describe("application/octet-stream bodies on /invocations", () => {
  const OCTET = "application/octet-stream";
  const rows = [
    [0.5, 1, -2, 3],
    [4, 5.25, 6, -7],
  ];
  const flat = rows.flat();

  it("is a content type of its own, and needs the Inference-Header-Content-Length", async () => {
    expect(parseContentType(OCTET)).toBe("binary");
    const { body } = frame([
      { name: "x", datatype: "FP32", shape: [2, 4], raw: encodeRawTensor("FP32", flat) },
    ]);
    await expect(parseScoringRequestAsync(body, OCTET)).rejects.toThrow(
      /needs the Inference-Header-Content-Length/,
    );
    expect(() =>
      parseScoringRequest(JSON.stringify({ inputs: [[1]] }), "application/json", undefined, {
        binaryHeaderLength: 3,
      }),
    ).toThrow(/only accepted with Content-Type application\/octet-stream/);
  });

  it('one tensor without a signature is the tensor `{"inputs": [[...]]}` gives, typed as sent', async () => {
    const { body, n } = frame([
      { name: "x", datatype: "FP32", shape: [2, 4], raw: encodeRawTensor("FP32", flat) },
    ]);
    const binary = await parseScoringRequestAsync(body, OCTET, undefined, { binaryHeaderLength: n });
    expect(binary.format).toBe("binary_tensor");
    const t = binary.input as Tensor;
    expect(isTensor(t)).toBe(true);
    expect(t.dtype).toBe("float32");
    expect(t.shape).toEqual([2, 4]);
    const json = parseScoringRequest(JSON.stringify({ inputs: rows }), "application/json");
    expect(Array.from(t.data as Float32Array)).toEqual(
      Array.from((json.input as Tensor).data as Float64Array),
    );
  });

  it("several tensors with a column signature are the DataFrame, cast to the signature's types; params pass", async () => {
    const schemas = {
      inputs: JSON.stringify([
        { type: "double", name: "a" },
        { type: "long", name: "b" },
        { type: "string", name: "s" },
      ]),
      params: JSON.stringify([{ name: "k", type: "long", default: 1, shape: null }]),
    };
    const { body, n } = frame(
      [
        { name: "a", datatype: "FP32", shape: [2], raw: encodeRawTensor("FP32", [0.5, 2]) },
        { name: "b", datatype: "INT32", shape: [2, 1], raw: encodeRawTensor("INT32", [3, 4]) },
        { name: "s", datatype: "BYTES", shape: [2], raw: encodeRawTensor("BYTES", ["x", "y"]) },
      ],
      { params: { k: 5 } },
    );
    const parsed = parseScoringRequestSync(body, n, schemas);
    expect(parsed.params).toEqual({ k: 5 });
    const frameInput = parsed.input as DataFrame;
    expect(frameInput).toBeInstanceOf(DataFrame);
    expect(frameInput.columns).toEqual(["a", "b", "s"]);
    expect(frameInput.column("a").dtype).toBe("float64");
    expect(Array.from(frameInput.column("b").values as BigInt64Array)).toEqual([3n, 4n]);
    expect(Array.from(frameInput.column("s").values as string[])).toEqual(["x", "y"]);
  });

  it("refuses header keys other than inputs and params, and bad framing, with a typed 400", () => {
    const { body, n } = frame(
      [{ name: "x", datatype: "FP64", shape: [1], raw: encodeRawTensor("FP64", [1]) }],
      { dataframe_split: {} },
    );
    try {
      parseScoringRequestSync(body, n);
      throw new Error("accepted");
    } catch (error) {
      expectTyped400(error);
      expect((error as Error).message).toMatch(/'dataframe_split'/);
    }
    expect(() => parseScoringRequestSync(body, n + 3)).toThrow(MlflowException);
  });
});

function parseScoringRequestSync(body: Uint8Array, n: number, schemas?: { inputs: string; params?: string }) {
  return parseScoringRequest(body, "application/octet-stream", schemas, { binaryHeaderLength: n });
}
