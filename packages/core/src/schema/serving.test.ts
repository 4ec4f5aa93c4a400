import { tableFromArrays } from "apache-arrow";
import { describe, expect, it } from "vitest";
import { MlflowException } from "../errors/mlflow-exception.js";
import { DataFrame } from "../inputs/dataframe.js";
import { parseDataFrameSplitFast } from "../inputs/split-parser.js";
import type { Tensor, TensorDict } from "../inputs/tensor.js";
import { enforceSchema } from "./enforce.js";
import { castDataFrameForServing, coerceForServing } from "./serving.js";
import { ArrayType, ColSpec, Schema, TensorSpec } from "./types.js";

const schema = (...specs: (ColSpec | TensorSpec)[]) => new Schema(specs);

describe("serving-side coercion before enforcement (5.3 step 6)", () => {
  it("casts JSON floats to a float column and truncates 1.7 to 1 for a long column (lenient astype)", () => {
    const df = DataFrame.fromColumns({ f: [1.5, 2], l: [1.7, 2] });
    const out = castDataFrameForServing(df, schema(new ColSpec("float", "f"), new ColSpec("long", "l")));
    expect(out.column("f")).toMatchObject({ dtype: "float32", values: new Float32Array([1.5, 2]) });
    expect(out.column("l")).toMatchObject({ dtype: "int64", values: new BigInt64Array([1n, 2n]) });
    expect(() =>
      enforceSchema(out, schema(new ColSpec("float", "f"), new ColSpec("long", "l"))),
    ).not.toThrow();
  });
  it("turns numbers into strings for a string column", () => {
    const out = castDataFrameForServing(
      DataFrame.fromColumns({ s: new Float64Array([1, 2.5]) }),
      schema(new ColSpec("string", "s")),
    );
    expect(out.column("s").values).toEqual(["1.0", "2.5"]);
  });
  it("base64-decodes binary columns and parses datetime columns", () => {
    const out = castDataFrameForServing(
      DataFrame.fromColumns({ b: ["aGk="], d: ["2024-01-02T03:04:05"] }),
      schema(new ColSpec("binary", "b"), new ColSpec("datetime", "d")),
    );
    expect(out.column("b").values[0]).toEqual(new Uint8Array([104, 105]));
    expect(out.column("d").dtype).toBe("datetime64[ns]");
  });
  it("refuses NaN for an integer column with MLflow's BAD_REQUEST message", () => {
    let err: unknown;
    try {
      castDataFrameForServing(DataFrame.fromColumns({ x: [1, null] }), schema(new ColSpec("long", "x")));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MlflowException);
    expect((err as MlflowException).errorCode).toBe("BAD_REQUEST");
    expect((err as MlflowException).message).toBe(
      "Data is not compatible with model signature. Failed to convert column x to type 'int64'. Error: 'IntCastingNaNError('Cannot convert non-finite values (NA or inf) to integer')'",
    );
  });
  it("refuses strings that are not numbers for a double column", () => {
    expect(() =>
      castDataFrameForServing(DataFrame.fromColumns({ x: ["abc"] }), schema(new ColSpec("double", "x"))),
    ).toThrow(
      `Failed to convert column x to type 'float64'. Error: 'ValueError("could not convert string to float: 'abc'")'`,
    );
  });
  it("enforces Array columns cell by cell", () => {
    expect(() =>
      castDataFrameForServing(
        DataFrame.fromColumns({ a: ["x"] }),
        schema(new ColSpec(new ArrayType("string"), "a")),
      ),
    ).toThrow(MlflowException);
  });
  it("casts every column to the dtype of a single unnamed TensorSpec, so a float64 body meets a float32 model", () => {
    const body = '{"dataframe_split": {"columns": ["a", "b"], "data": [[1.5, 2.5], [3.5, 4.5]]}}';
    const s = schema(new TensorSpec("float32", [-1, 2]));
    const df = castDataFrameForServing(parseDataFrameSplitFast(body)!.frame, s);
    const t = enforceSchema(df, s) as Tensor;
    expect(t).toEqual({ dtype: "float32", shape: [2, 2], data: new Float32Array([1.5, 2.5, 3.5, 4.5]) });
  });
  it("leaves list cells under a TensorSpec to enforcement", () => {
    const s = schema(new TensorSpec("float32", [-1, 2], "v"));
    const df = castDataFrameForServing(DataFrame.fromColumns({ v: [[1, 2]] }), s);
    expect((enforceSchema(df, s) as TensorDict).v).toEqual({
      dtype: "float32",
      shape: [1, 2],
      data: new Float32Array([1, 2]),
    });
  });
  it("turns `inputs` values into arrays of the spec dtype (np.array(x, dtype))", () => {
    const s = schema(new TensorSpec("float32", [-1, 2]));
    expect(coerceForServing([[1, 2]], s)).toEqual({
      dtype: "float32",
      shape: [1, 2],
      data: new Float32Array([1, 2]),
    });
    const named = schema(new TensorSpec("int64", [-1], "a"), new TensorSpec("float64", [-1], "b"));
    const out = coerceForServing({ a: [1, 2], b: [0.5] }, named) as TensorDict;
    expect(out.a).toEqual({ dtype: "int64", shape: [2], data: new BigInt64Array([1n, 2n]) });
    expect(out.b!.dtype).toBe("float64");
  });
  it("returns the input unchanged without a schema", () => {
    const df = DataFrame.fromColumns({ x: [1] });
    expect(coerceForServing(df, null)).toBe(df);
  });
});

describe("Arrow tables as input", () => {
  it("enforces a column schema on an Arrow Table like a DataFrame", () => {
    const table = tableFromArrays({ b: new Float64Array([1.5]), a: new Float64Array([2]) });
    const out = enforceSchema(table as never, schema(new ColSpec("double", "a"))) as DataFrame;
    expect(out.columns).toEqual(["a"]);
    expect(out.column("a").values).toEqual(new Float64Array([2]));
  });
});
