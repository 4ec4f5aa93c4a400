import { describe, expect, it } from "vitest";
import { MlflowException } from "../errors/mlflow-exception.js";
import { DataFrame } from "../inputs/dataframe.js";
import type { PyFuncInput } from "../inputs/model-input.js";
import type { Tensor, TensorDict } from "../inputs/tensor.js";
import { enforceSchema } from "./enforce.js";
import {
  AnyType,
  ArrayType,
  ColSpec,
  type DataType,
  MapType,
  ObjectType,
  Property,
  Schema,
  TensorSpec,
} from "./types.js";

const cols = (...specs: [DataType | ColSpec["type"], string | null, boolean?][]) =>
  new Schema(specs.map(([t, n, r]) => new ColSpec(t, n, r ?? true)));

function fails(input: PyFuncInput, schema: Schema): MlflowException {
  try {
    enforceSchema(input, schema);
  } catch (e) {
    expect(e).toBeInstanceOf(MlflowException);
    const err = e as MlflowException;
    expect(err.errorCode).toBe("INVALID_PARAMETER_VALUE");
    expect(err.errorClass).toBe("SCHEMA_ENFORCEMENT_FAILED");
    return err;
  }
  throw new Error("expected enforcement to fail");
}

const df = (
  columns: Record<
    string,
    | unknown[]
    | Float64Array
    | Float32Array
    | Int32Array
    | BigInt64Array
    | Int8Array
    | Uint32Array
    | Uint8Array
  >,
) => DataFrame.fromColumns(columns as never);

const asDf = (x: PyFuncInput): DataFrame => {
  expect(x).toBeInstanceOf(DataFrame);
  return x as DataFrame;
};

describe("column schemas: coercion of inputs to a DataFrame (4.7)", () => {
  const s = cols(["double", "x"]);
  it("turns a scalar into a one-row frame (unnamed schema)", () => {
    const out = asDf(enforceSchema(2.5, cols(["double", null])));
    expect(out.numRows).toBe(1);
    expect(Array.from(out.columnList[0]!.values as Float64Array)).toEqual([2.5]);
  });
  it("turns a dict of scalars into one row", () => {
    const out = asDf(enforceSchema({ x: 1.5 }, s));
    expect(out.numRows).toBe(1);
  });
  it("turns a dict whose values are lists of strings into one row", () => {
    const out = asDf(enforceSchema({ t: ["a", "b"] }, cols([new ArrayType("string"), "t"])));
    expect(out.numRows).toBe(1);
    expect(out.column("t").values[0]).toEqual(["a", "b"]);
  });
  it("turns a dict into one row when any spec is an Array or Object", () => {
    const out = asDf(enforceSchema({ v: [1.5, 2.5] }, cols([new ArrayType("double"), "v"])));
    expect(out.numRows).toBe(1);
  });
  it("turns a dict of equal-length lists into columns", () => {
    const out = asDf(enforceSchema({ x: [1.5, 2.5, 3.5] }, s));
    expect(out.numRows).toBe(3);
  });
  it("refuses a dict of lists of different lengths with MLflow's DataFrame-cast message", () => {
    const e = fails({ x: [1.5, 2.5], y: [1.5] }, s);
    expect(e.message).toContain(
      "This model contains a column-based signature, which suggests a DataFrame input. There was an error casting the input data to a DataFrame",
    );
  });
  it("turns a list of records into a frame", () => {
    expect(asDf(enforceSchema([{ x: 1.5 }, { x: 2.5 }], s)).numRows).toBe(2);
  });
  it("turns a 2-D tensor into positional columns", () => {
    const t: Tensor = { dtype: "float64", shape: [2, 2], data: new Float64Array([1, 2, 3, 4]) };
    const out = asDf(enforceSchema(t, cols(["double", null], ["double", null])));
    expect(Array.from(out.columnList[1]!.values as Float64Array)).toEqual([2, 4]);
  });
  it("refuses other input types with 'Expected input to be DataFrame'", () => {
    expect(fails(new Date(0) as unknown as PyFuncInput, s).message).toBe(
      "Expected input to be DataFrame. Found: datetime",
    );
    expect(fails({ format: "csr", shape: [1, 1], indptr: [0, 0], indices: [], values: [] }, s).message).toBe(
      "Expected input to be DataFrame. Found: csr_matrix",
    );
  });
});

describe("column schemas: names, order, missing and extra columns (4.7)", () => {
  const s = cols(["long", "a"], ["double", "b"]);
  it("reorders columns to the schema order", () => {
    const out = asDf(enforceSchema(df({ b: new Float64Array([1.5]), a: new BigInt64Array([1n]) }), s));
    expect(out.columns).toEqual(["a", "b"]);
  });
  it("drops extra columns and warns as MLflow", () => {
    const warnings: string[] = [];
    const out = asDf(
      enforceSchema(df({ a: new BigInt64Array([1n]), b: new Float64Array([1]), c: ["x"] }), s, {
        warn: (m) => warnings.push(m),
      }),
    );
    expect(out.columns).toEqual(["a", "b"]);
    expect(warnings).toEqual([
      "Found extra inputs in the model input that are not defined in the model signature: `['c']`. These inputs will be ignored.",
    ]);
  });
  it("refuses missing required columns listing them in schema order", () => {
    expect(fails(df({ c: [1] }), cols(["long", "a"], ["long", "b"], ["long", "c"])).message).toBe(
      "Model is missing inputs ['a', 'b'].",
    );
  });
  it("adds the extra inputs to the missing-columns message", () => {
    expect(fails(df({ z: [1] }), s).message).toBe(
      "Model is missing inputs ['a', 'b']. Note that there were extra inputs: ['z']",
    );
  });
  it("allows optional columns to be absent", () => {
    const out = asDf(
      enforceSchema(df({ a: new BigInt64Array([1n]) }), cols(["long", "a"], ["double", "b", false])),
    );
    expect(out.columns).toEqual(["a"]);
  });
  it("keeps the first N columns positionally for an unnamed schema", () => {
    const out = asDf(
      enforceSchema(
        df({ p: new Float64Array([1]), q: new Float64Array([2]), r: ["z"] }),
        cols(["double", null], ["double", null]),
      ),
    );
    expect(out.columns).toEqual(["p", "q"]);
  });
  it("refuses fewer columns than an unnamed schema declares", () => {
    expect(fails(df({ p: new Float64Array([1]) }), cols(["double", null], ["double", null])).message).toBe(
      "Model inference is missing inputs. The model signature declares 2 inputs  but the provided value only has 1 inputs. Note: the inputs were not named in the signature so we can only verify their count.",
    );
  });
  it("wraps errors as PyFuncModel.predict does when asked", () => {
    let err: MlflowException | undefined;
    try {
      enforceSchema(df({ z: [1] }), s, { wrap: true });
    } catch (e) {
      err = e as MlflowException;
    }
    expect(err?.message).toMatch(
      /^Failed to enforce schema of data '.*' with schema '\['a': long \(required\), 'b': double \(required\)\]'\. Error: Model is missing inputs \['a', 'b'\]/s,
    );
  });
  it("hides data in the wrapped message when MLFLOW_DISABLE_SCHEMA_DETAILS=true", () => {
    process.env.MLFLOW_DISABLE_SCHEMA_DETAILS = "true";
    try {
      expect(() => enforceSchema(df({ z: [1] }), s, { wrap: true })).toThrow(
        "Failed to enforce model input schema. Please check your input data.",
      );
    } finally {
      delete process.env.MLFLOW_DISABLE_SCHEMA_DETAILS;
    }
  });
});

describe("column schemas: per-column type rules (_enforce_mlflow_datatype)", () => {
  const one = (t: DataType, values: ConstructorParameters<typeof Object>[0]) =>
    enforceSchema(df({ c: values as unknown[] }), cols([t, "c"]));
  const dtypeAfter = (t: DataType, values: unknown) => asDf(one(t, values)).column("c").dtype;
  const refusal = (t: DataType, values: unknown) =>
    fails(df({ c: values as unknown[] }), cols([t, "c"])).message;

  it("infers object columns before checking (numbers in a JS list become int64/float64)", () => {
    expect(dtypeAfter("long", [1, 2])).toBe("int64");
    expect(dtypeAfter("double", [1.5, null])).toBe("float64");
  });
  it("accepts anything in an object column declared string, values unchecked", () => {
    expect(dtypeAfter("string", ["a", 1, null])).toBe("object");
  });
  it("accepts the same dtype unchanged", () => {
    const v = new Float32Array([1.5]);
    expect(asDf(one("float", v)).column("c").values).toBe(v);
  });
  it("accepts bytes for binary", () => {
    expect(dtypeAfter("binary", [new Uint8Array([1, 2])])).toBe("object");
  });
  it("accepts datetime values for datetime and converts parseable strings", () => {
    expect(dtypeAfter("datetime", [new Date(0)])).toBe("datetime64[ns]");
    const out = asDf(one("datetime", ["2024-01-02", "2024-01-03 10:00:00"]));
    expect((out.column("c").values[0] as Date).toISOString()).toBe("2024-01-02T00:00:00.000Z");
  });
  it("refuses unparseable datetime strings", () => {
    expect(refusal("datetime", ["not a date"])).toBe(
      "Failed to convert column c from type object to DataType.datetime.",
    );
  });
  it("accepts object booleans unchanged, keeping None", () => {
    const out = asDf(one("boolean", [true, null]));
    expect(out.column("c").values).toEqual([true, null]);
  });
  it("widens int32 to long, float32 to double and int8 to integer", () => {
    expect(dtypeAfter("long", new Int32Array([1]))).toBe("int64");
    expect(dtypeAfter("double", new Float32Array([1.5]))).toBe("float64");
    expect(dtypeAfter("integer", new Int8Array([1]))).toBe("int32");
  });
  it("widens unsigned to a wider signed type and refuses same width", () => {
    expect(dtypeAfter("long", new Uint32Array([7]))).toBe("int64");
    expect(refusal("integer", new Uint32Array([7]))).toBe(
      "Incompatible input types for column c. Can not safely convert uint32 to int32.",
    );
  });
  it("widens int32 (and small ints) to double", () => {
    const out = asDf(one("double", new Int32Array([3])));
    expect(out.column("c").values).toEqual(new Float64Array([3]));
  });
  it("refuses int64 to double unless every value is 0, 1 or missing", () => {
    expect(refusal("double", new BigInt64Array([5n]))).toBe(
      "Incompatible input types for column c. Can not safely convert int64 to float64.",
    );
    expect(dtypeAfter("double", new BigInt64Array([0n, 1n]))).toBe("float64");
    expect(dtypeAfter("float", [0, 1, 1])).toBe("float32");
  });
  it("refuses float to integer types, double to float, long to integer and int to float", () => {
    expect(refusal("long", new Float64Array([1.5]))).toBe(
      "Incompatible input types for column c. Can not safely convert float64 to int64.",
    );
    expect(refusal("float", new Float64Array([1.5]))).toBe(
      "Incompatible input types for column c. Can not safely convert float64 to float32.",
    );
    expect(refusal("integer", new BigInt64Array([1n, 2n]))).toBe(
      "Incompatible input types for column c. Can not safely convert int64 to int32.",
    );
    expect(refusal("float", new Int32Array([3]))).toBe(
      "Incompatible input types for column c. Can not safely convert int32 to float32.",
    );
  });
  it("refuses bool to numeric, numeric to bool and number to string", () => {
    expect(refusal("long", [true, false])).toBe(
      "Incompatible input types for column c. Can not safely convert bool to int64.",
    );
    expect(refusal("boolean", new Float64Array([1]))).toBe(
      "Incompatible input types for column c. Can not safely convert float64 to bool.",
    );
    expect(refusal("string", new Float64Array([1]))).toBe(
      "Incompatible input types for column c. Can not safely convert float64 to <U0.",
    );
  });
  it("adds the missing-values hint for whole floats with NaN declared integral", () => {
    expect(refusal("long", [1, null, 3])).toMatch(
      /^Incompatible input types for column c\. Can not safely convert float64 to int64\. Hint: the type mismatch is likely caused by missing values\./,
    );
  });
});

describe("column schemas: Array, Object, Map and Any columns", () => {
  it("requires a list in an Array column, allowing empty/None only when optional or items Any", () => {
    const s = cols([new ArrayType("string"), "t"]);
    expect(fails([{ t: "abc" }], s).message).toBe("Expected data to be list or numpy array, got str");
    expect(fails([{ t: null }], s).message).toBe("Expected data to be list or numpy array, got NoneType");
    expect(
      asDf(enforceSchema([{ t: null }], cols([new ArrayType("string"), "t", false]))).column("t").values,
    ).toEqual([null]);
    expect(
      asDf(enforceSchema([{ t: [] }], cols([new ArrayType(new AnyType()), "t"]))).column("t").values,
    ).toEqual([[]]);
  });
  it("checks scalar items of arrays with the type table", () => {
    expect(fails([{ t: [1.5] }], cols([new ArrayType("long"), "t"])).message).toBe(
      "Failed to enforce schema of data `1.5` with dtype `long`",
    );
  });
  it("requires Object cells to be dicts with all required properties", () => {
    const o = new ObjectType([new Property("a", "string"), new Property("b", "double", false)]);
    const s = cols([o, "o"]);
    expect(asDf(enforceSchema([{ o: { a: "x" } }], s)).column("o").values).toEqual([{ a: "x" }]);
    expect(fails([{ o: { b: 1.5 } }], s).message).toBe("Missing required properties: {'a'}");
    expect(fails([{ o: "x" }], s).message).toContain("Expected data to be dictionary, got str");
  });
  it("refuses Object properties not defined in the schema", () => {
    const s = cols([new ObjectType([new Property("a", "string")]), "o"]);
    expect(fails([{ o: { a: "x", zz: 1 } }], s).message).toBe(
      "Invalid properties not defined in the schema found: {'zz'}",
    );
  });
  it("reports the failing Object key with its expected type", () => {
    const s = cols([new ObjectType([new Property("a", "long")]), "o"]);
    expect(fails([{ o: { a: "x" } }], s).message).toBe(
      "Failed to enforce schema for key `a`. Expected type long, received type str",
    );
  });
  it("accepts None for optional Object properties", () => {
    const s = cols([new ObjectType([new Property("a", "long", false)]), "o"]);
    expect(asDf(enforceSchema([{ o: { a: null } }], s)).column("o").values).toEqual([{ a: null }]);
  });
  it("requires Map cells to be dicts and checks their values", () => {
    const s = cols([new MapType("double"), "m"]);
    expect(asDf(enforceSchema([{ m: { k: 1.5 } }], s)).column("m").values).toEqual([{ k: 1.5 }]);
    expect(fails([{ m: [1] }], s).message).toBe("Expected data to be a dict, got list");
  });
  it("accepts anything in an Any column", () => {
    const s = cols([new AnyType(), "x"]);
    expect(asDf(enforceSchema([{ x: { deep: [1, "a"] } }], s)).column("x").values).toEqual([
      { deep: [1, "a"] },
    ]);
  });
});

describe("tensor schemas (4.8)", () => {
  const f32 = (shape: number[], values?: number[]): Tensor => ({
    dtype: "float32",
    shape,
    data: new Float32Array(values ?? new Array(shape.reduce((a, b) => a * b, 1)).fill(0)),
  });
  const unnamed = new Schema([new TensorSpec("float32", [-1, 4])]);

  it("checks rank, fixed dims (-1 free) and dtype of an ndarray", () => {
    expect(enforceSchema(f32([3, 4]), unnamed)).toEqual(f32([3, 4]));
    expect(fails(f32([3]), unnamed).message).toBe(
      "Shape of input (3,) does not match expected shape (-1, 4).",
    );
    expect(fails(f32([2, 3]), unnamed).message).toBe(
      "Shape of input (2, 3) does not match expected shape (-1, 4).",
    );
    expect(fails({ dtype: "float64", shape: [1, 4], data: new Float64Array(4) }, unnamed).message).toBe(
      "dtype of input float64 does not match expected dtype float32",
    );
  });
  it("lets an object spec of shape (-1,) accept anything", () => {
    const s = new Schema([new TensorSpec("object", [-1])]);
    const t: Tensor = { dtype: "int64", shape: [2, 2], data: new BigInt64Array(4) };
    expect(enforceSchema(t, s)).toBe(t);
  });
  it("lets ragged object arrays pass when the spec has -1 beyond dim 0", () => {
    const s = new Schema([new TensorSpec("float64", [-1, -1])]);
    const ragged: Tensor = { dtype: "object", shape: [2], data: [[1], [1, 2]] };
    expect(enforceSchema(ragged, s)).toBe(ragged);
  });
  it("checks scipy sparse matrices directly", () => {
    const s = new Schema([new TensorSpec("float64", [-1, 3])]);
    const m = {
      format: "csr" as const,
      shape: [2, 3] as [number, number],
      indptr: [0, 1, 1],
      indices: [2],
      values: new Float64Array([5]),
    };
    expect(enforceSchema(m, s)).toBe(m);
    expect(fails({ ...m, shape: [2, 4] }, s).message).toBe(
      "Shape of input (2, 4) does not match expected shape (-1, 3).",
    );
  });
  it("requires a dict of ndarrays for named specs", () => {
    const s = new Schema([new TensorSpec("float32", [-1, 2], "a"), new TensorSpec("float32", [-1], "b")]);
    const ok = enforceSchema({ a: f32([1, 2]), b: f32([1]) }, s) as TensorDict;
    expect(Object.keys(ok)).toEqual(["a", "b"]);
    expect(fails({ a: f32([1, 2]), b: [1] } as unknown as PyFuncInput, s).message).toBe(
      "This model contains a tensor-based model signature with input names, which suggests a dictionary input mapping input name to a numpy array, but a dict with value type <class 'list'> was found.",
    );
    expect(fails({ a: f32([1, 2]) } as unknown as PyFuncInput, s).message).toBe(
      "Model is missing inputs ['b'].",
    );
  });
  it("wraps a bare ndarray as the only named input", () => {
    const s = new Schema([new TensorSpec("float32", [-1, 4], "features")]);
    expect(Object.keys(enforceSchema(f32([1, 4]), s) as TensorDict)).toEqual(["features"]);
  });
  it("stacks list cells of a named DataFrame column, reshapes (C order) and casts to the spec dtype", () => {
    const s = new Schema([new TensorSpec("float32", [-1, 2, 2], "img")]);
    const out = enforceSchema(
      DataFrame.fromColumns({
        img: [
          [1, 2, 3, 4],
          [5, 6, 7, 8],
        ],
      }),
      s,
    ) as TensorDict;
    expect(out.img!.shape).toEqual([2, 2, 2]);
    expect(out.img!.dtype).toBe("float32");
    expect(Array.from(out.img!.data as Float32Array)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
  it("refuses list cells that do not fit the spec shape", () => {
    const s = new Schema([new TensorSpec("float32", [-1, 3], "v")]);
    expect(
      fails(
        DataFrame.fromColumns({
          v: [
            [1, 2],
            [3, 4],
          ],
        }),
        s,
      ).message,
    ).toBe(
      "The value in the Input DataFrame column 'v' could not be converted to the expected shape of: '(-1, 3)'. Ensure that each of the input list elements are of uniform length and that the data can be coerced to the tensor type 'float32'",
    );
  });
  it("requires (-1,) or (-1, 1) for scalar cells of a named column", () => {
    const s = new Schema([new TensorSpec("float32", [-1, 2], "v")]);
    expect(fails(df({ v: new Float64Array([1, 2]) }), s).message).toBe(
      "The input pandas dataframe column 'v' contains scalar values, which requires the shape to be (-1,) or (-1, 1), but got tensor spec shape of (-1, 2).",
    );
    const ok = enforceSchema(
      df({ v: new Float64Array([1, 2]) }),
      new Schema([new TensorSpec("float32", [-1, 1], "v")]),
    ) as TensorDict;
    expect(ok.v!.shape).toEqual([2, 1]);
    expect(ok.v!.dtype).toBe("float32");
  });
  it("requires a variable first dimension and fixed others for DataFrame columns", () => {
    const s = new Schema([new TensorSpec("float32", [-1, -1], "v")]);
    expect(fails(DataFrame.fromColumns({ v: [[1, 2]] }), s).message).toBe(
      "For pandas dataframe input, the first dimension of shape must be a variable dimension and other dimensions must be fixed, but in model signature the shape of input v is (-1, -1).",
    );
  });
  it("matches a multi-column DataFrame to an unnamed spec only with shape (-1, ncols), checking dtype strictly", () => {
    const frame = df({ a: new Float32Array([1, 2]), b: new Float32Array([3, 4]) });
    const t = enforceSchema(frame, new Schema([new TensorSpec("float32", [-1, 2])])) as Tensor;
    expect(t.shape).toEqual([2, 2]);
    expect(Array.from(t.data as Float32Array)).toEqual([1, 3, 2, 4]);
    expect(fails(frame, new Schema([new TensorSpec("float32", [-1, 3])])).message).toContain(
      "the input DataFrame passed had 2 columns and an input shape of (-1, 3)",
    );
    expect(
      fails(
        df({ a: new Float64Array([1]), b: new Float64Array([2]) }),
        new Schema([new TensorSpec("float32", [-1, 2])]),
      ).message,
    ).toBe("dtype of input float64 does not match expected dtype float32");
  });
  it("uses the single column of a one-column DataFrame for an unnamed spec", () => {
    const t = enforceSchema(
      df({ a: new Float64Array([1, 2]) }),
      new Schema([new TensorSpec("float32", [-1])]),
    ) as Tensor;
    expect(t).toEqual({ dtype: "float32", shape: [2], data: new Float32Array([1, 2]) });
  });
  it("refuses an empty DataFrame and other input types", () => {
    expect(fails(new DataFrame([]), unnamed).message).toBe("Input DataFrame is empty.");
    expect(fails([[1, 2, 3, 4]], unnamed).message).toBe(
      "This model contains a tensor-based model signature with no input names, which suggests a numpy array input or a pandas dataframe input with proper column values, but an input of type <class 'list'> was found.",
    );
  });
});
