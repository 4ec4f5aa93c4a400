import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MlflowException } from "../errors/mlflow-exception.js";
import { DataFrame } from "../inputs/dataframe.js";
import { UnsupportedContentTypeError } from "./errors.js";
import { parseScoringRequest, parseScoringRequestAsync } from "./parse.js";
import { serializePredictions } from "./serialize.js";

const JSON_CT = "application/json";
const SCHEMA = JSON.stringify([
  { type: "double", name: "x", required: true },
  { type: "double", name: "y", required: true },
  { type: "long", name: "n", required: true },
  { type: "string", name: "name", required: true },
]);
const PARAMS = JSON.stringify([
  { name: "multiplier", type: "double", default: 1.0, shape: null },
  { name: "upper", type: "boolean", default: false, shape: null },
]);
const schemas = { inputs: SCHEMA, params: PARAMS };

function frame(body: string, ct = JSON_CT): DataFrame {
  const { input } = parseScoringRequest(body, ct, schemas);
  expect(input).toBeInstanceOf(DataFrame);
  return input as DataFrame;
}

function expectError(fn: () => unknown, code: string, pattern?: RegExp): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(MlflowException);
    expect((error as MlflowException).errorCode).toBe(code);
    if (pattern) expect((error as Error).message).toMatch(pattern);
    return;
  }
  throw new Error("expected an error");
}

describe("content types", () => {
  it("accepts json and csv with a utf-8 charset, in any case and with spaces", () => {
    for (const ct of ["application/json; charset=utf-8", "application/json ; charset=UTF-8"]) {
      expect(frame('{"inputs": {"x": 1, "y": 2, "n": 3, "name": "a"}}', ct).numRows).toBe(1);
    }
  });
  it.each([
    ["Application/JSON", /Got 'Application\/JSON'/],
    ["application/json; charset=latin-1", /only supports UTF-8/],
    ["application/json; format=pandas-split", /Unrecognized content type parameters: format\. IMPORTANT/],
    ["text/plain", /Got 'text\/plain'/],
    [undefined, /no Content-Type/],
  ])("refuses %s with a 415 error", (ct, pattern) => {
    let caught: unknown;
    try {
      parseScoringRequest("{}", ct);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(UnsupportedContentTypeError);
    expect((caught as UnsupportedContentTypeError).httpStatus).toBe(415);
    expect((caught as Error).message).toMatch(pattern);
  });
});

describe("JSON bodies", () => {
  it("reads dataframe_split with the schema's dtypes (long → int64, double → float64)", () => {
    const df = frame(
      '{"dataframe_split": {"columns": ["x","y","n","name"], "data": [[1, 0.5, 1.7, "a"], [2, 1, 2, "b"]]}}',
    );
    expect(df.column("x").values).toEqual(new Float64Array([1, 2]));
    expect(df.column("n").values).toEqual(new BigInt64Array([1n, 2n]));
    expect(df.column("name").values).toEqual(["a", "b"]);
  });
  it("accepts Python's NaN and Infinity tokens but not inside strings", () => {
    const df = frame(
      '{"dataframe_split": {"columns": ["x","y","n","name"], "data": [[NaN, -Infinity, 1, "NaN"]]}}',
    );
    expect(Number.isNaN(df.column("x").values[0])).toBe(true);
    expect(df.column("y").values[0]).toBe(Number.NEGATIVE_INFINITY);
    expect(df.column("name").values[0]).toBe("NaN");
  });
  it("coerces leniently: numeric strings and bools into doubles, null into NaN", () => {
    const df = frame(
      '{"dataframe_split": {"columns": ["x","y","n","name"], "data": [["1.5", true, 1, "a"], [null, false, 2, "b"]]}}',
    );
    expect(Array.from(df.column("x").values as Float64Array)).toEqual([1.5, Number.NaN]);
    expect(Array.from(df.column("y").values as Float64Array)).toEqual([1, 0]);
  });
  it("refuses a non-numeric string in a double column as BAD_REQUEST naming the column", () => {
    expectError(
      () => frame('{"dataframe_split": {"columns": ["x","y","n","name"], "data": [["abc", 1, 1, "a"]]}}'),
      "BAD_REQUEST",
      /Failed to convert column x to type 'float64'.*could not convert string to float: 'abc'/,
    );
  });
  it("refuses null in a long column", () => {
    expectError(
      () => frame('{"dataframe_split": {"columns": ["x","y","n","name"], "data": [[1, 1, null, "a"]]}}'),
      "BAD_REQUEST",
      /column n to type 'int64'/,
    );
  });
  it("reads dataframe_records, filling a missing field with NaN", () => {
    const df = frame(
      '{"dataframe_records": [{"x": 1, "y": 2, "n": 3, "name": "a"}, {"y": 2, "n": 3, "name": "b"}]}',
    );
    expect(Number.isNaN(df.column("x").values[1])).toBe(true);
  });
  it("reads instances and inputs as records, columns or a single record", () => {
    for (const body of [
      '{"instances": [{"x": 1, "y": 2, "n": 3, "name": "a"}, {"x": 1, "y": 2, "n": 3, "name": "b"}]}',
      '{"inputs": [{"x": 1, "y": 2, "n": 3, "name": "a"}, {"x": 1, "y": 2, "n": 3, "name": "b"}]}',
      '{"inputs": {"x": [1, 1], "y": [2, 2], "n": [3, 3], "name": ["a", "b"]}}',
      '{"instances": {"x": [1, 1], "y": [2, 2], "n": [3, 3], "name": ["a", "b"]}}',
    ]) {
      const df = frame(body);
      expect(df.numRows).toBe(2);
      expect(df.column("n").values).toEqual(new BigInt64Array([3n, 3n]));
    }
    expect(frame('{"inputs": {"x": 1, "y": 2, "n": 3, "name": "a"}}').numRows).toBe(1);
  });
  it("casts a list of lists with the first spec's type, as numpy does", () => {
    expectError(
      () => parseScoringRequest('{"inputs": [[1, 2, 3, "alice"]]}', JSON_CT, schemas),
      "BAD_REQUEST",
      /could not convert string to float: 'alice'/,
    );
    const { input } = parseScoringRequest('{"inputs": [[1, 2], [3, 4]]}', JSON_CT, schemas);
    expect(input).toEqual({ dtype: "float64", shape: [2, 2], data: new Float64Array([1, 2, 3, 4]) });
  });
  it("builds named tensors for a tensor signature", () => {
    const tensorSchema = JSON.stringify([
      { type: "tensor", name: "a", "tensor-spec": { dtype: "float32", shape: [-1, 2] } },
    ]);
    const { input } = parseScoringRequest('{"inputs": [[1, 2], [3, 4]]}', JSON_CT, { inputs: tensorSchema });
    expect(input).toEqual({ a: { dtype: "float32", shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) } });
  });
  it("refuses ragged nested lists for a numeric type", () => {
    const tensorSchema = JSON.stringify([
      { type: "tensor", "tensor-spec": { dtype: "float64", shape: [-1, 2] } },
    ]);
    expectError(
      () => parseScoringRequest('{"inputs": [[1, 2], [3]]}', JSON_CT, { inputs: tensorSchema }),
      "BAD_REQUEST",
    );
  });
  it("pops params and reports stream", () => {
    const r = parseScoringRequest(
      '{"inputs": {"x": 1, "y": 2, "n": 3, "name": "a"}, "params": {"multiplier": 2}, "stream": true}',
      JSON_CT,
      schemas,
    );
    expect(r.params).toEqual({ multiplier: 2 });
    expect(r.stream).toBe(true);
    expectError(
      () => parseScoringRequest('{"inputs": [1], "params": [1, 2]}', JSON_CT, schemas),
      "INVALID_PARAMETER_VALUE",
      /Parameters must be a dictionary. Got type 'list'/,
    );
  });
  it("switches to unified LLM mode on messages/prompt/input and moves params-schema keys into params", () => {
    const r = parseScoringRequest(
      '{"messages": [{"role": "user", "content": "hi"}], "upper": true, "max_tokens": 5}',
      JSON_CT,
      schemas,
    );
    expect(r.unifiedLlm).toBe(true);
    expect(r.params).toEqual({ upper: true });
    expect(r.input).toEqual({ messages: [{ role: "user", content: "hi" }], max_tokens: 5 });
  });
  it.each([
    ["{}", /Received dictionary with input fields: \[\]/],
    ['{"data": []}', /Received dictionary with input fields: \[\]/],
    ['{"dataframe_split": {"data": []}, "inputs": []}', /input fields: \['dataframe_split', 'inputs'\]/],
    ["[[1, 2]]", /Received a list\./],
    ["42", /Received unexpected input type/],
    ['{"dataframe_split": [[1]]}', /Dataframe split format must be a dictionary. Got list/],
    ['{"dataframe_split": {"data": 5}}', /DataFrame constructor not properly called/],
    ['{"dataframe_split": {"data": [[1]], "bad": 1}}', /must have 'data' field/],
    ['{"dataframe_records": 5}', /must be a list of records/],
    ['{"dataframe_split": {"columns": ["a"], "data": [[1]]', /valid JSON formatted string/],
    ["", /valid JSON formatted string/],
  ])("refuses %s as BAD_REQUEST", (body, pattern) => {
    expectError(() => parseScoringRequest(body, JSON_CT, schemas), "BAD_REQUEST", pattern);
  });
  it("refuses a body that is not UTF-8 as BAD_REQUEST", () => {
    expectError(
      () => parseScoringRequest(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), JSON_CT),
      "BAD_REQUEST",
      /UTF-8/,
    );
  });
  it("infers pandas dtypes without a schema", () => {
    const { input } = parseScoringRequest(
      '{"dataframe_split": {"columns": ["a", "b", "c"], "data": [[1, 1.5, "x"]]}}',
      JSON_CT,
    );
    const df = input as DataFrame;
    expect(df.column("a").dtype).toBe("int64");
    expect(df.column("b").dtype).toBe("float64");
    expect(df.column("c").dtype).toBe("object");
    const t = parseScoringRequest('{"inputs": [[1, 2], [3, 4]]}', JSON_CT).input;
    expect(t).toEqual({ dtype: "int64", shape: [2, 2], data: new BigInt64Array([1n, 2n, 3n, 4n]) });
  });
});

describe("CSV bodies", () => {
  it("reads a header row with schema dtypes, CRLF, an index column and empty cells", () => {
    const df = frame(",x,y,n,name\r\n0,,0.5,1,alice\r\n1,2.5,1.0,2,bob\r\n", "text/csv");
    expect(df.columns).toEqual(["Unnamed: 0", "x", "y", "n", "name"]);
    expect(Number.isNaN(df.column("x").values[0])).toBe(true);
    expect(df.column("n").values).toEqual(new BigInt64Array([1n, 2n]));
  });
  it("reads a header-only body as zero rows and refuses an empty body", () => {
    expect(frame("x,y,n,name\n", "text/csv").numRows).toBe(0);
    expectError(() => frame("", "text/csv"), "BAD_REQUEST", /No columns to parse/);
  });
  it("refuses wrong types, NA in integer columns and long rows", () => {
    expectError(
      () => frame("x,y,n,name\nabc,1,1,a\n", "text/csv"),
      "BAD_REQUEST",
      /could not convert string to float/,
    );
    expectError(
      () => frame("x,y,n,name\n1,1,1,a\n1,2\n", "text/csv"),
      "BAD_REQUEST",
      /Integer column has NA/,
    );
    expectError(() => frame("x,y,n,name\n1,1,1,a,5\n", "text/csv"), "BAD_REQUEST", /Expected 4 fields/);
  });
});

describe("Parquet bodies", () => {
  it("refuses bytes that are not a parquet file as BAD_REQUEST", async () => {
    await expect(
      parseScoringRequestAsync(new Uint8Array([1, 2, 3]), "application/vnd.apache.parquet"),
    ).rejects.toMatchObject({
      errorCode: "BAD_REQUEST",
    });
  });
});

describe("serializePredictions", () => {
  it("wraps outputs in predictions with MLflow's shapes and null for NaN", () => {
    const df = new DataFrame([
      { name: "score", dtype: "float64", values: new Float64Array([1, Number.NaN]) },
      { name: "known", dtype: "bool", values: new Uint8Array([1, 0]) },
      { name: "n", dtype: "int64", values: new BigInt64Array([2n ** 60n, 3n]) },
    ]);
    expect(serializePredictions(df)).toBe(
      `{"predictions":[{"score":1,"known":true,"n":"${2n ** 60n}"},{"score":null,"known":false,"n":3}]}`,
    );
    expect(
      serializePredictions({
        dtype: "float32",
        shape: [2, 2],
        data: new Float32Array([0.5, 1, 2, Infinity]),
      }),
    ).toBe('{"predictions":[[0.5,1],[2,null]]}');
    expect(serializePredictions({ a: { dtype: "int32", shape: [2], data: new Int32Array([1, 2]) } })).toBe(
      '{"predictions":{"a":[1,2]}}',
    );
    expect(serializePredictions(["x", 1, null])).toBe('{"predictions":["x",1,null]}');
    // a frame built by another copy of core (model code may load its own) is still a frame
    const foreign = {
      numRows: 1,
      columnList: [{ name: "a", dtype: "float64", values: new Float64Array([2]) }],
    };
    expect(serializePredictions(foreign as never)).toBe('{"predictions":[{"a":2}]}');
    expect(serializePredictions({ object: "response" }, { unwrapped: true })).toBe('{"object":"response"}');
    expect(serializePredictions(new Float32Array([0.9531188011169434]) as unknown as number[])).toBe(
      '{"predictions":[0.9531188011169434]}',
    );
  });

  it("writes 1-D numeric tensors (the short path) exactly as the generic path writes them", () => {
    const values = [0.1, -0, Number.NaN, Number.POSITIVE_INFINITY, -1e-30, 3.5e38, 7];
    for (const data of [new Float32Array(values), new Float64Array(values), new Int32Array([1, -2, 0])]) {
      const dtype =
        data instanceof Int32Array ? "int32" : data instanceof Float32Array ? "float32" : "float64";
      const tensor = { dtype, shape: [data.length], data } as never;
      // wrapped in a dict, the same tensor takes the generic path
      const generic = JSON.parse(serializePredictions({ t: tensor }) as string).predictions.t;
      expect(serializePredictions(tensor)).toBe(JSON.stringify({ predictions: generic }));
    }
    expect(
      serializePredictions({ dtype: "float32", shape: [2], data: new Float32Array([0.5, Number.NaN]) }),
    ).toBe('{"predictions":[0.5,null]}');
  });
});

describe("untrusted bodies (property-based)", () => {
  const cts = ["application/json", "text/csv", "application/json; charset=utf-8"];
  const check = (body: string | Uint8Array, ct: string) => {
    try {
      parseScoringRequest(body, ct, schemas);
    } catch (error) {
      if (!(error instanceof MlflowException) && !(error instanceof UnsupportedContentTypeError)) throw error;
    }
  };
  it("random text parses or throws a typed error", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.constantFrom(...cts), (s, ct) => check(s, ct)),
      { numRuns: 500 },
    );
  });
  it("random bytes parse or throw a typed error", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.constantFrom(...cts), (b, ct) => check(b, ct)),
      { numRuns: 500 },
    );
  });
  it("random JSON values under each format key parse or throw a typed error", () => {
    const key = fc.constantFrom(
      "dataframe_split",
      "dataframe_records",
      "instances",
      "inputs",
      "params",
      "messages",
      "x",
    );
    fc.assert(
      fc.property(
        fc.dictionary(key, fc.jsonValue({ maxDepth: 5 })),
        fc.constantFrom(undefined, SCHEMA),
        (obj, inputs) => {
          try {
            parseScoringRequest(JSON.stringify(obj), JSON_CT, { inputs, params: PARAMS });
          } catch (error) {
            if (!(error instanceof MlflowException)) throw error;
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
  it("mutated valid bodies parse or throw a typed error", () => {
    const valid =
      '{"dataframe_split": {"columns": ["x","y","n","name"], "data": [[1.0, 0.5, 1, "alice"], [NaN, 1, 2, "b"]]}, "params": {"upper": true}}';
    fc.assert(
      fc.property(
        fc.nat(valid.length - 1),
        fc.nat(valid.length),
        fc.string({ maxLength: 5 }),
        (at, len, ins) => {
          check(valid.slice(0, at) + ins + valid.slice(Math.min(valid.length, at + (len % 6))), JSON_CT);
        },
      ),
      { numRuns: 1000 },
    );
  });
  it("deeply nested arrays are refused, not a stack overflow", () => {
    const deep = `{"inputs": ${"[".repeat(5000)}1${"]".repeat(5000)}}`;
    expectError(() => parseScoringRequest(deep, JSON_CT), "BAD_REQUEST", /dimension/);
  });
});

describe("schemas given as core's Schema / ParamSchema objects", () => {
  it("parses with Schema.fromJson / ParamSchema objects as with the JSON text", async () => {
    const core = (await import("../index.js")) as unknown as Record<
      string,
      { fromJson?: (j: unknown) => unknown }
    >;
    const inputs = core.Schema?.fromJson?.(JSON.parse(SCHEMA));
    const params = core.ParamSchema?.fromJson?.(JSON.parse(PARAMS));
    expect(inputs).toBeDefined();
    const r = parseScoringRequest(
      '{"dataframe_split": {"columns": ["x","y","n","name"], "data": [[1, 0.5, 2, "a"]]}}',
      JSON_CT,
      { inputs: inputs as never, params: params as never },
    );
    expect((r.input as DataFrame).column("n").values).toEqual(new BigInt64Array([2n]));
    const llm = parseScoringRequest('{"prompt": "x", "upper": true}', JSON_CT, {
      inputs: inputs as never,
      params: params as never,
    });
    expect(llm.params).toEqual({ upper: true });
  });
});
