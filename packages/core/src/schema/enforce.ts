/**
 * Schema enforcement as MLflow's `_enforce_schema` (mlflow/models/utils.py), for column-based and
 * tensor-based schemas. Messages are MLflow's.
 */
import { MlflowException } from "../errors/mlflow-exception.js";
import { dataFrameFromArrow, isArrowTable } from "../inputs/arrow.js";
import {
  castTensor,
  columnToTensor,
  dataFrameFromDictOfColumns,
  dataFrameFromList,
  dataFrameFromRecords,
  dataFrameFromTensor,
  dataFrameToTensor,
  isScalarOrNone,
  shapeRepr,
  sparseDType,
  tensorFromNested,
  tensorToNested,
} from "../inputs/convert.js";
import { type Column, DataFrame } from "../inputs/dataframe.js";
import { isTypedArray, type NumpyDType } from "../inputs/dtype.js";
import { isSparseMatrix, type PyFuncInput, type SparseMatrix } from "../inputs/model-input.js";
import { isTensor, type Tensor, type TensorDict, tensorSize } from "../inputs/tensor.js";
import { enforceColumnDatatype, enforceType } from "./enforce-types.js";
import { MAX_QUOTED_CHARS, pyRepr } from "./pyjson.js";
import { ArrayType, ColSpec, ObjectType, pyTypeName, type Schema, type TensorSpec } from "./types.js";

export { enforceParams } from "./params.js";

export interface EnforceSchemaOptions {
  /** Receives MLflow's warnings (extra columns ignored, …). */
  warn?: (message: string) => void;
  /**
   * Wrap failures as `PyFuncModel.predict` does: `Failed to enforce schema of data '…' with schema
   * '…'. Error: …` (or the generic sentence when MLFLOW_DISABLE_SCHEMA_DETAILS=true). Default false:
   * the error carries the inner message, as MLflow's `_enforce_schema` raises it.
   */
  wrap?: boolean;
}

/** The Python class name MLflow prints for an input (`type(x).__name__`). */
function inputTypeName(x: unknown): string {
  if (x instanceof DataFrame || isArrowTable(x)) return "DataFrame";
  if (isTensor(x)) return "ndarray";
  if (isSparseMatrix(x)) return `${x.format}_matrix`;
  return pyTypeName(x);
}

function inputTypeRepr(x: unknown): string {
  if (x instanceof DataFrame || isArrowTable(x)) return "<class 'pandas.core.frame.DataFrame'>";
  if (isTensor(x)) return "<class 'numpy.ndarray'>";
  if (isSparseMatrix(x)) return `<class 'scipy.sparse._${x.format}.${x.format}_matrix'>`;
  return `<class '${pyTypeName(x)}'>`;
}

/** A long string cell as error messages quote it: its first characters. */
const clip = (v: unknown): unknown =>
  typeof v === "string" && v.length > MAX_QUOTED_CHARS ? `${v.slice(0, MAX_QUOTED_CHARS)}...` : v;

/** The first `n` rows as records, long strings clipped (never the whole frame, never a whole 100 MB cell). */
function firstRecords(x: DataFrame, n: number): Record<string, unknown>[] {
  const top =
    x.numRows > n
      ? new DataFrame(x.columnList.map((c) => ({ ...c, values: c.values.slice(0, n) }) as Column))
      : x;
  const head = top.toRecords();
  for (const r of head) for (const k of Object.keys(r)) r[k] = clip(r[k]);
  return head;
}

/** A short printable form of the data for error messages (pandas/numpy-like, truncated). */
export function describeData(x: unknown): string {
  let s: string;
  if (x instanceof DataFrame) {
    const head = firstRecords(x, 5);
    s = `DataFrame(columns=${pyRepr(x.columns)}, rows=${x.numRows}): ${pyRepr(head)}`;
  } else if (isTensor(x)) {
    s = `array(${pyRepr(tensorSize(x.shape) > 50 ? "…" : tensorToNested(x))}, dtype=${x.dtype}, shape=${shapeRepr(x.shape)})`;
  } else {
    try {
      s = pyRepr(x);
    } catch {
      s = String(x);
    }
  }
  return s.length > 1000 ? `${s.slice(0, 1000)}...` : s;
}

/**
 * MLflow `_enforce_schema`: returns the input converted to what the model receives (a DataFrame
 * with the schema's columns, in schema order, for column schemas; a Tensor or a dict of Tensors for
 * tensor schemas), or throws `MlflowException` INVALID_PARAMETER_VALUE (error class
 * SCHEMA_ENFORCEMENT_FAILED) with MLflow's message. With `wrap: true` the message is wrapped as
 * `PyFuncModel.predict` wraps it.
 */
export function enforceSchema(
  input: PyFuncInput,
  schema: Schema,
  options: EnforceSchemaOptions = {},
): PyFuncInput {
  try {
    return enforceSchemaRaw(input, schema, options.warn ?? (() => {}));
  } catch (e) {
    const cause = e instanceof Error ? e.message : String(e);
    let message = cause;
    if (options.wrap) {
      const hide = /^(true|1)$/i.test(process.env.MLFLOW_DISABLE_SCHEMA_DETAILS ?? "");
      message = hide
        ? "Failed to enforce model input schema. Please check your input data."
        : `Failed to enforce schema of data '${describeData(input)}' with schema '${schema.repr()}'. Error: ${cause}`;
    }
    throw new MlflowException(message, "INVALID_PARAMETER_VALUE", {
      errorClass: "SCHEMA_ENFORCEMENT_FAILED",
      cause: e,
    });
  }
}

/** MLflow `validate_schema`: throws the inner MlflowException when the data does not match. */
export function validateSchema(input: PyFuncInput, schema: Schema): void {
  enforceSchema(input, schema);
}

/** A plain JS object: not an array, typed array, Date, DataFrame, Arrow table, tensor or sparse matrix. */
export function isPlainDict(v: unknown): v is Record<string, unknown> {
  return (
    typeof v === "object" &&
    v !== null &&
    !Array.isArray(v) &&
    !ArrayBuffer.isView(v) &&
    !(v instanceof Date) &&
    !(v instanceof DataFrame) &&
    !isArrowTable(v) &&
    !isTensor(v) &&
    !isSparseMatrix(v)
  );
}

/** Coerces the input of a column-based model to a DataFrame, as `_enforce_schema` does. */
function coerceForColumnSchema(input: unknown, schema: Schema): DataFrame {
  if (input instanceof DataFrame) return input;
  if (isArrowTable(input)) return dataFrameFromArrow(input);
  if (isScalarOrNone(input) && input !== null && input !== undefined) return dataFrameFromList([input]);
  if (isPlainDict(input)) {
    const values = Object.values(input);
    const oneRow =
      schema.inputs.some(
        (s) => s instanceof ColSpec && (s.type instanceof ArrayType || s.type instanceof ObjectType),
      ) ||
      values.every((v) => isScalarOrNone(v) || (Array.isArray(v) && v.every((x) => typeof x === "string")));
    if (oneRow) return dataFrameFromRecords([input]);
    try {
      return dataFrameFromDictOfColumns(input);
    } catch (e) {
      throw new MlflowException(
        `This model contains a column-based signature, which suggests a DataFrame input. There was an error casting the input data to a DataFrame: ${(e as Error).message}`,
      );
    }
  }
  if (Array.isArray(input)) return dataFrameFromList(input);
  if (isTensor(input)) return dataFrameFromTensor(input);
  throw new MlflowException(`Expected input to be DataFrame. Found: ${inputTypeName(input)}`);
}

interface InputNameSets {
  readonly required: readonly string[];
  readonly requiredSet: ReadonlySet<string>;
  readonly optional: ReadonlySet<string>;
}

// A Schema's inputs never change: its name lists are built once per schema, not on every predict call.
const nameSetsCache = new WeakMap<Schema, InputNameSets>();

function inputNameSets(schema: Schema): InputNameSets {
  let sets = nameSetsCache.get(schema);
  if (sets === undefined) {
    const required = schema.requiredInputNames() as string[];
    sets = {
      required,
      requiredSet: new Set(required),
      optional: new Set(schema.optionalInputNames() as string[]),
    };
    nameSetsCache.set(schema, sets);
  }
  return sets;
}

function enforceSchemaRaw(input: PyFuncInput, schema: Schema, warn: (m: string) => void): PyFuncInput {
  let data: unknown = input;
  const tensorSchema = schema.isTensorSpec();
  if (!tensorSchema) data = coerceForColumnSchema(input, schema);
  else if (isArrowTable(data)) data = dataFrameFromArrow(data);

  if (schema.hasInputNames()) {
    const { required, requiredSet, optional } = inputNameSets(schema);
    let actual: string[] = [];
    if (requiredSet.size === 1 && (isTensor(data) || isSparseMatrix(data))) {
      data = { [required[0]!]: data };
      actual = [required[0]!];
    } else if (data instanceof DataFrame) {
      actual = data.columns;
    } else if (isPlainDict(data)) {
      actual = Object.keys(data);
    }
    const actualSet = new Set(actual);
    const missing = required.filter((c) => !actualSet.has(c));
    const extra = actual.filter((c) => !requiredSet.has(c) && !optional.has(c));
    if (missing.length > 0) {
      let message = `Model is missing inputs ${pyRepr(missing)}.`;
      if (extra.length > 0) message += ` Note that there were extra inputs: ${pyRepr(extra)}`;
      throw new MlflowException(message);
    }
    if (extra.length > 0) {
      warn(
        `Found extra inputs in the model input that are not defined in the model signature: \`${pyRepr(extra)}\`. These inputs will be ignored.`,
      );
    }
  } else if (!tensorSchema) {
    const n = (data as DataFrame).numColumns;
    if (n < schema.inputs.length) {
      throw new MlflowException(
        `Model inference is missing inputs. The model signature declares ${schema.inputs.length} inputs  but the provided value only has ${n} inputs. Note: the inputs were not named in the signature so we can only verify their count.`,
      );
    }
  }
  if (tensorSchema) return enforceTensorSchema(data, schema);
  const df = data as DataFrame;
  return schema.hasInputNames() ? enforceNamedColSchema(df, schema) : enforceUnnamedColSchema(df, schema);
}

function enforceColumn(name: string, column: Column, spec: ColSpec): Column {
  if (typeof spec.type === "string") return enforceColumnDatatype(name, column, spec.type);
  const vals = column.values as ArrayLike<unknown>;
  const out = new Array(vals.length);
  for (let i = 0; i < vals.length; i++) out[i] = enforceType(cellValue(column, i), spec.type, spec.required);
  return { name: column.name, dtype: "object", values: out };
}

function cellValue(c: Column, i: number): unknown {
  const v = (c.values as ArrayLike<unknown>)[i];
  if (c.dtype === "bool" && typeof v === "number") return v === 1;
  return v;
}

function enforceNamedColSchema(df: DataFrame, schema: Schema): DataFrame {
  const out: Column[] = [];
  for (const spec of schema.inputs as ColSpec[]) {
    const name = spec.name as string;
    if (!df.has(name)) {
      if (spec.required) {
        throw new MlflowException(
          `The input column '${name}' is required by the model signature but missing from the input data.`,
        );
      }
      continue;
    }
    out.push(enforceColumn(name, df.column(name), spec));
  }
  return new DataFrame(out);
}

function enforceUnnamedColSchema(df: DataFrame, schema: Schema): DataFrame {
  const cols = df.columnList.slice(0, schema.inputs.length);
  return new DataFrame(cols.map((c, i) => enforceColumn(c.name, c, schema.inputs[i] as ColSpec)));
}

/** MLflow `_enforce_tensor_spec`: rank, fixed dims and exact dtype. */
export function enforceTensorSpec(values: Tensor | SparseMatrix, spec: TensorSpec): Tensor | SparseMatrix {
  const expected = spec.shape;
  const actualShape = isTensor(values) ? values.shape : [...values.shape];
  const actualType = isTensor(values) ? values.dtype : sparseDType(values);
  if (expected.length === 1 && expected[0] === -1 && spec.type === "object") return values;
  if (
    expected.length > 1 &&
    expected.slice(1).includes(-1) &&
    actualShape.length === 1 &&
    actualType === "object"
  ) {
    return values;
  }
  const mismatch = (): MlflowException =>
    new MlflowException(
      `Shape of input ${shapeRepr(actualShape)} does not match expected shape ${spec.shapeRepr()}.`,
      "INVALID_PARAMETER_VALUE",
    );
  if (expected.length !== actualShape.length) throw mismatch();
  expected.forEach((d, i) => {
    if (d !== -1 && d !== actualShape[i]) throw mismatch();
  });
  const clean =
    actualType.startsWith("<U") || actualType === "str"
      ? "str"
      : actualType.startsWith("|S")
        ? "bytes"
        : actualType;
  if (clean !== spec.type) {
    throw new MlflowException(
      `dtype of input ${actualType} does not match expected dtype ${spec.type}`,
      "INVALID_PARAMETER_VALUE",
    );
  }
  return values;
}

function reshapeSize(shape: readonly number[], total: number): number[] {
  const known = shape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  return shape.map((d) => (d === -1 ? (known === 0 ? 0 : total / known) : d));
}

/** MLflow `_reshape_and_cast_pandas_column_values`. */
function reshapeAndCastColumn(name: string | null, c: Column, spec: TensorSpec): Tensor {
  if (spec.shape[0] !== -1 || spec.shape.slice(1).includes(-1)) {
    throw new MlflowException(
      `For pandas dataframe input, the first dimension of shape must be a variable dimension and other dimensions must be fixed, but in model signature the shape of ${name ? `input ${name}` : "the unnamed input"} is ${spec.shapeRepr()}.`,
    );
  }
  const first = c.values.length > 0 ? cellValue(c, 0) : undefined;
  if (isTypedArray(c.values) || isScalarOrNone(first)) {
    for (const shape of [[-1], [-1, 1]]) {
      if (shape.length === spec.shape.length && shape.every((d, i) => d === spec.shape[i])) {
        const t = columnToTensor(c, spec.type as NumpyDType);
        const reshaped: Tensor = { dtype: t.dtype, shape: reshapeSize(shape, t.data.length), data: t.data };
        return enforceTensorSpec(reshaped, spec) as Tensor;
      }
    }
    throw new MlflowException(
      `The input pandas dataframe column '${name}' contains scalar values, which requires the shape to be (-1,) or (-1, 1), but got tensor spec shape of ${spec.shapeRepr()}.`,
      "INVALID_PARAMETER_VALUE",
    );
  }
  const rows = Array.from(c.values as ArrayLike<unknown>);
  if (Array.isArray(first) && isScalarOrNone(first[0])) {
    const err = (): MlflowException =>
      new MlflowException(
        `The value in the Input DataFrame column '${name}' could not be converted to the expected shape of: '${spec.shapeRepr()}'. Ensure that each of the input list elements are of uniform length and that the data can be coerced to the tensor type '${spec.type}'`,
        "INVALID_PARAMETER_VALUE",
      );
    let t: Tensor;
    try {
      t = tensorFromNested(rows, spec.type as NumpyDType);
    } catch {
      throw err();
    }
    if (t.dtype === "object" && spec.type !== "object") throw err();
    const total = t.data.length;
    const shape = reshapeSize(spec.shape, total);
    if (!shape.every(Number.isInteger) || tensorSize(shape) !== total || shape[0] !== rows.length)
      throw err();
    return { dtype: t.dtype, shape, data: t.data };
  }
  if (isTensor(first)) {
    const err = (): MlflowException =>
      new MlflowException(
        `The value in the Input DataFrame column '${name}' could not be converted to the expected shape of: '${spec.shapeRepr()}'. Ensure that each of the input numpy array elements are of uniform length and can be reshaped to above expected shape.`,
        "INVALID_PARAMETER_VALUE",
      );
    const tensors = rows as Tensor[];
    if (!tensors.every((x) => isTensor(x) && x.dtype === first.dtype)) throw err();
    const nested = tensors.map((x) => tensorToNested(x));
    const t = tensorFromNested(nested, first.dtype as NumpyDType);
    const shape = reshapeSize(spec.shape, t.data.length);
    if (!shape.every(Number.isInteger) || tensorSize(shape) !== t.data.length || shape[0] !== rows.length)
      throw err();
    return { dtype: t.dtype, shape, data: t.data };
  }
  throw new MlflowException(
    "Because the model signature requires tensor spec input, the input pandas dataframe values should be either scalar value, python list containing scalar values or numpy array containing scalar values, other types are not supported.",
    "INVALID_PARAMETER_VALUE",
  );
}

/** MLflow `_enforce_tensor_schema`. */
function enforceTensorSchema(data: unknown, schema: Schema): PyFuncInput {
  const specs = schema.inputs as TensorSpec[];
  if (schema.hasInputNames()) {
    if (isPlainDict(data)) {
      const out: TensorDict = {};
      for (const spec of specs) {
        const v = data[spec.name as string];
        if (!isTensor(v)) {
          throw new MlflowException(
            `This model contains a tensor-based model signature with input names, which suggests a dictionary input mapping input name to a numpy array, but a dict with value type ${inputTypeRepr(v)} was found.`,
            "INVALID_PARAMETER_VALUE",
          );
        }
        out[spec.name as string] = enforceTensorSpec(v, spec) as Tensor;
      }
      return out;
    }
    if (data instanceof DataFrame) {
      const out: TensorDict = {};
      for (const spec of specs) {
        const name = spec.name as string;
        if (!data.has(name)) throw new MlflowException(`'${name}'`);
        out[name] = reshapeAndCastColumn(name, data.column(name), spec);
      }
      return out;
    }
    throw new MlflowException(
      `This model contains a tensor-based model signature with input names, which suggests a dictionary input mapping input name to tensor, or a pandas DataFrame input containing columns mapping input name to flattened list value from tensor, but an input of type ${inputTypeRepr(data)} was found.`,
      "INVALID_PARAMETER_VALUE",
    );
  }
  const spec = specs[0]!;
  if (data instanceof DataFrame) {
    const n = data.numColumns;
    if (n === 0 || data.numRows === 0) throw new MlflowException("Input DataFrame is empty.");
    if (n === 1) return reshapeAndCastColumn(null, data.columnList[0]!, spec);
    if (!(spec.shape.length === 2 && spec.shape[0] === -1 && spec.shape[1] === n)) {
      throw new MlflowException(
        `This model contains a model signature with an unnamed input. Since the input data is a pandas DataFrame containing multiple columns, the input shape must be of the structure (-1, number_of_dataframe_columns). Instead, the input DataFrame passed had ${n} columns and an input shape of ${spec.shapeRepr()} with all values within the DataFrame of scalar type. Please adjust the passed in DataFrame to match the expected structure`,
        "INVALID_PARAMETER_VALUE",
      );
    }
    return enforceTensorSpec(dataFrameToTensor(data), spec) as Tensor;
  }
  if (isTensor(data) || isSparseMatrix(data)) return enforceTensorSpec(data, spec) as PyFuncInput;
  throw new MlflowException(
    `This model contains a tensor-based model signature with no input names, which suggests a numpy array input or a pandas dataframe input with proper column values, but an input of type ${inputTypeRepr(data)} was found.`,
    "INVALID_PARAMETER_VALUE",
  );
}

export { castTensor };
