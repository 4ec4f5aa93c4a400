/**
 * Signature inference (MLflow `infer_signature`, `mlflow/types/utils.py::_infer_schema`,
 * `_infer_param_schema`). JS numbers: an integral number is a Python `int` (→ long), any other a
 * `float` (→ double); in a list or column mixing both, numbers infer as double (a JS array cannot say
 * whether `1` was `1.0`).
 */
import { MlflowException } from "../errors/mlflow-exception.js";
import { dataFrameFromArrow, isArrowTable } from "../inputs/arrow.js";
import { sparseDType } from "../inputs/convert.js";
import { type Column, DataFrame, dtypeOfTypedArray } from "../inputs/dataframe.js";
import { isTypedArray } from "../inputs/dtype.js";
import { isSparseMatrix, type Params, type PyFuncInput, type PyFuncOutput } from "../inputs/model-input.js";
import { isTensor, type Tensor } from "../inputs/tensor.js";
import { inferObjectValues } from "../schema/enforce-types.js";
import { PyFloat, pyRepr, pyStr } from "../schema/pyjson.js";
import {
  AnyType,
  ArrayType,
  ColSpec,
  type ColSpecType,
  type DataType,
  MapType,
  ObjectType,
  ParamSchema,
  ParamSpec,
  type ParamType,
  Property,
  Schema,
  TensorSpec,
  typesEqual,
} from "../schema/types.js";
import { ModelSignature } from "./signature.js";

const MULTIPLE_TYPES_ERROR_MSG =
  "Expected all values in the list to be of the same type. To specify a model signature with a list containing elements of multiple types, define the signature manually using the Array(AnyType()) type from mlflow.models.schema.";

const isNoneOrNan = (x: unknown): boolean =>
  x === null || x === undefined || (typeof x === "number" && Number.isNaN(x));

function isDict(v: unknown): v is Record<string, unknown> {
  return (
    typeof v === "object" &&
    !(v instanceof PyFloat) &&
    v !== null &&
    !Array.isArray(v) &&
    !ArrayBuffer.isView(v) &&
    !(v instanceof Date) &&
    !(v instanceof DataFrame) &&
    !isTensor(v) &&
    !isArrowTable(v)
  );
}

function isList(v: unknown): v is unknown[] {
  return Array.isArray(v);
}

/** Merge two inferred types as MLflow's `_merge` (Object fields missing on one side become optional). */
function mergeTypes(a: ColSpecType, b: ColSpecType): ColSpecType {
  if (b instanceof AnyType) {
    if (a instanceof ObjectType)
      return new ObjectType(a.properties.map((p) => new Property(p.name, p.dtype, false)));
    return a;
  }
  if (a instanceof AnyType) return mergeTypes(b, a);
  if (typeof a === "string" || typeof b === "string") {
    if (a === b) return a;
    throw new MlflowException(MULTIPLE_TYPES_ERROR_MSG, "INVALID_PARAMETER_VALUE");
  }
  if (a instanceof ArrayType && b instanceof ArrayType) return new ArrayType(mergeTypes(a.dtype, b.dtype));
  if (a instanceof MapType && b instanceof MapType) return new MapType(mergeTypes(a.valueType, b.valueType));
  if (a instanceof ObjectType && b instanceof ObjectType) {
    if (a.equals(b)) return a;
    const pa = new Map(a.properties.map((p) => [p.name, p]));
    const pb = new Map(b.properties.map((p) => [p.name, p]));
    const out: Property[] = [];
    for (const [k, p] of pa) {
      const q = pb.get(k);
      out.push(
        q
          ? new Property(k, mergeTypes(p.dtype, q.dtype), p.required && q.required)
          : new Property(k, p.dtype, false),
      );
    }
    for (const [k, q] of pb) if (!pa.has(k)) out.push(new Property(k, q.dtype, false));
    return new ObjectType(out);
  }
  throw new MlflowException(MULTIPLE_TYPES_ERROR_MSG, "INVALID_PARAMETER_VALUE");
}

/** MLflow `_infer_scalar_datatype` for JS scalars. */
function inferScalar(v: unknown): DataType {
  if (typeof v === "boolean") return "boolean";
  if (typeof v === "number") return Number.isInteger(v) ? "long" : "double";
  if (typeof v === "bigint") return "long";
  if (typeof v === "string") return "string";
  if (v instanceof Uint8Array) return "binary";
  if (v instanceof Date) return "datetime";
  throw MlflowException.invalidParameter(`Data ${pyStr(v)} is not one of the supported DataType`);
}

/** MLflow `_infer_datatype`; returns null for an empty ndarray (undetermined). */
function inferDatatype(data: unknown): ColSpecType | null {
  if (
    isNoneOrNan(data) ||
    (isList(data) && data.length === 0) ||
    (isDict(data) && Object.keys(data).length === 0)
  ) {
    return new AnyType();
  }
  if (isDict(data)) {
    return new ObjectType(
      Object.entries(data).map(([k, v]) => {
        const t = inferDatatype(v);
        if (t === null) throw new MlflowException("Dictionary value must not be an empty numpy array.");
        return new Property(k, t, !(t instanceof AnyType));
      }),
    );
  }
  if (isList(data) || isTensor(data) || (isTypedArray(data) && !(data instanceof Uint8Array))) {
    const items = isTensor(data) ? tensorItems(data) : Array.from(data as ArrayLike<unknown>);
    if (items.length === 0) return isList(data) ? new AnyType() : null;
    return inferArrayDatatype(numbersAsDoubles(items));
  }
  return inferScalar(data);
}

function tensorItems(t: Tensor): unknown[] {
  if (t.shape.length <= 1) return Array.from(t.data as ArrayLike<unknown>);
  const [first, ...rest] = t.shape;
  const size = rest.reduce((a, b) => a * b, 1);
  return Array.from({ length: first! }, (_v, i) => ({
    dtype: t.dtype,
    shape: rest,
    data: (t.data as unknown[]).slice(i * size, (i + 1) * size),
  }));
}

/** In a list mixing integral and non-integral numbers, every number counts as a float. */
function numbersAsDoubles(items: unknown[]): unknown[] {
  const nums = items.filter((x) => typeof x === "number" && !Number.isNaN(x)) as number[];
  if (nums.length > 0 && nums.some((x) => !Number.isInteger(x)) && nums.some((x) => Number.isInteger(x))) {
    return items.map((x) => (typeof x === "number" && Number.isInteger(x) ? x + 0.5 : x));
  }
  return items;
}

/** MLflow `_infer_array_datatype`. */
function inferArrayDatatype(items: readonly unknown[]): ArrayType | null {
  let result: ArrayType | null = null;
  for (const item of items) {
    const t = inferDatatype(item);
    if (t === null) continue;
    if (result === null) result = new ArrayType(t);
    else if (typeof result.dtype !== "string") {
      try {
        result = new ArrayType(mergeTypes(result.dtype, t));
      } catch (e) {
        throw new MlflowException(MULTIPLE_TYPES_ERROR_MSG, "INVALID_PARAMETER_VALUE", { cause: e });
      }
    } else if (!(t instanceof AnyType) && !typesEqual(t, result.dtype)) {
      throw new MlflowException(MULTIPLE_TYPES_ERROR_MSG, "INVALID_PARAMETER_VALUE");
    }
  }
  return result;
}

function inferColspecType(data: unknown): ColSpecType {
  const t = inferDatatype(data);
  if (t === null) {
    throw new MlflowException(
      `Numpy array must include at least one non-empty item. Invalid input \`${pyStr(data)}\`.`,
    );
  }
  return t;
}

/** MLflow `_infer_numpy_dtype`. */
function inferNumpyDtype(dtype: string): DataType {
  if (dtype === "bool") return "boolean";
  const m = /^(u?)int(\d+)$/.exec(dtype);
  if (m) {
    const size = Number(m[2]) / 8;
    const signed = m[1] === "";
    if (size < 4 || (signed && size === 4)) return "integer";
    if (size < 8 || (signed && size === 8)) return "long";
    throw new MlflowException(`Unsupported numpy data type '${dtype}', kind 'u'`);
  }
  if (dtype === "float16" || dtype === "float32") return "float";
  if (dtype === "float64") return "double";
  if (dtype === "str") return "string";
  if (dtype === "bytes") return "binary";
  if (dtype.startsWith("datetime64")) return "datetime";
  throw new MlflowException(`Unsupported numpy data type '${dtype}'`);
}

/** MLflow `_infer_pandas_column`. */
function inferColumnType(c: Column): ColSpecType {
  let dtype: string = c.dtype;
  let values = c.values;
  if ((dtype === "object" || dtype === "str") && !isTypedArray(values)) {
    const inferred = inferObjectValues(values as unknown[]);
    dtype = inferred.dtype;
    values = inferred.values;
  }
  if (dtype === "object" || dtype === "str") {
    const list = values as unknown[];
    try {
      const arr = inferArrayDatatype(numbersAsDoubles(list));
      if (arr === null) throw new MlflowException("undetermined");
      return arr.dtype;
    } catch (e) {
      if (list.every((x) => typeof x === "string" || isNoneOrNan(x))) return "string";
      throw new MlflowException(
        `Failed to infer schema for pandas.Series ${c.name}. Error: ${(e as Error).message}`,
      );
    }
  }
  return inferNumpyDtype(dtype);
}

function requiredValues(values: ArrayLike<unknown>): boolean {
  for (let i = 0; i < values.length; i++) if (isNoneOrNan(values[i])) return false;
  return true;
}

function tensorShape(shape: readonly number[]): number[] {
  return shape.map((d, i) => (i === 0 ? -1 : d));
}

function tensorDtype(t: Tensor): string {
  return t.dtype;
}

/** MLflow `_infer_schema` for the JS Inference API types. */
export function inferSchema(data: unknown): Schema {
  let schema: Schema;
  if (isList(data) && data.length === 0) return new Schema([new ColSpec("string")]);
  if (isArrowTable(data)) data = dataFrameFromArrow(data);
  if (isList(data) && data.every(isDict)) {
    const cols = new Map<string, unknown[]>();
    for (const item of data) {
      for (const [k, v] of Object.entries(item)) {
        if (!cols.has(k)) cols.set(k, []);
        cols.get(k)!.push(v);
      }
    }
    schema = new Schema(
      [...cols.entries()].map(([name, values]) => {
        const required = data.every((item) => !isNoneOrNan((item as Record<string, unknown>)[name]));
        const t = inferColspecType(values);
        return new ColSpec(t instanceof ArrayType ? t.dtype : t, name, required);
      }),
    );
  } else if (data instanceof DataFrame) {
    schema = new Schema(
      data.columnList.map(
        (c) => new ColSpec(inferColumnType(c), c.name, requiredValues(c.values as ArrayLike<unknown>)),
      ),
    );
  } else if (isTensor(data)) {
    schema = new Schema([new TensorSpec(tensorDtype(data), tensorShape(data.shape))]);
  } else if (isTypedArray(data) && !(data instanceof Uint8Array)) {
    schema = new Schema([new TensorSpec(dtypeOfTypedArray(data), [-1])]);
  } else if (isSparseMatrix(data)) {
    schema = new Schema([new TensorSpec(sparseDType(data), tensorShape(data.shape))]);
  } else if (isDict(data)) {
    const values = Object.values(data);
    if (values.length > 0 && values.every((v) => isTensor(v))) {
      schema = new Schema(
        Object.entries(data).map(
          ([name, t]) => new TensorSpec(tensorDtype(t as Tensor), tensorShape((t as Tensor).shape), name),
        ),
      );
    } else {
      schema = new Schema(
        Object.entries(data).map(([name, v]) => {
          const required = isList(v) ? !v.some(isNoneOrNan) : !isNoneOrNan(v);
          return new ColSpec(inferColspecType(v), name, required);
        }),
      );
    }
  } else if (isList(data)) {
    const t = inferColspecType(data);
    schema = new Schema([new ColSpec(t instanceof ArrayType ? t.dtype : t)]);
  } else {
    try {
      schema = new Schema([new ColSpec(inferColspecType(data))]);
    } catch (e) {
      throw MlflowException.invalidParameter(
        `Failed to infer schema. Expected one of the following types:\n- pandas.DataFrame\n- pandas.Series\n- numpy.ndarray\n- dictionary of (name -> numpy.ndarray)\n- pyspark.sql.DataFrame\n- scipy.sparse.csr_matrix\n- scipy.sparse.csc_matrix\n- DataType\n- List[DataType]\n- Dict[str, Union[DataType, List, Dict]]\n- List[Dict[str, Union[DataType, List, Dict]]]\nbut got '${pyStr(data)}'.\nError: ${(e as Error).message}`,
      );
    }
  }
  return schema;
}

/** MLflow `_infer_type_and_shape` for one param value. */
function inferParamType(value: unknown): [ParamType, number[] | null] {
  if (value instanceof PyFloat) return ["double", null];
  if (isList(value) && value.length > 0 && value.every((v) => v instanceof PyFloat)) return ["double", [-1]];
  if (isList(value)) {
    if (value.some((v) => isList(v) || isDict(v))) {
      throw MlflowException.invalidParameter(
        `Expected parameters to be 1D array or scalar, got ${depth(value)}D array`,
      );
    }
    if (value.length > 0 && value.every((v) => v instanceof Date)) return ["datetime", [-1]];
    const t = value.length === 0 ? "double" : numpyTypeOfList(value);
    return [t, [-1]];
  }
  if (value instanceof Date) return ["datetime", null];
  if (
    typeof value === "number" ||
    typeof value === "string" ||
    typeof value === "boolean" ||
    typeof value === "bigint"
  ) {
    return [inferScalar(value) as ParamType, null];
  }
  if (isDict(value)) {
    const t = inferSchema({ value }).inputs[0]!.type;
    if (t instanceof ObjectType) return [t, null];
  }
  throw MlflowException.invalidParameter(
    `Expected parameters to be 1D array or scalar, got ${value === null || value === undefined ? "NoneType" : typeof value}`,
  );
}

/** A deep copy with {@link PyFloat} markers replaced by their numbers. */
export function unwrapPyFloats(v: unknown): unknown {
  if (v instanceof PyFloat) return v.value;
  if (isList(v)) return v.map(unwrapPyFloats);
  if (isDict(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapPyFloats(x)]));
  return v;
}

function depth(v: unknown): number {
  return isList(v) ? 1 + Math.max(0, ...v.map(depth)) : 0;
}

/** numpy's dtype of `np.array(list)` mapped to a DataType. */
function numpyTypeOfList(values: unknown[]): ParamType {
  if (values.every((v) => typeof v === "boolean")) return "boolean";
  if (values.every((v) => typeof v === "number" || typeof v === "bigint")) {
    return values.every((v) => typeof v === "bigint" || Number.isInteger(v)) ? "long" : "double";
  }
  if (values.every((v) => typeof v === "string")) return "string";
  throw MlflowException.invalidParameter(`Unsupported numpy data type 'object', kind 'O'`);
}

/** MLflow `_infer_param_schema`. */
export function inferParamSchema(params: Params): ParamSchema {
  if (!isDict(params)) {
    throw MlflowException.invalidParameter(
      `Expected parameters to be dict, got ${Array.isArray(params) ? "list" : typeof params}`,
    );
  }
  const specs: ParamSpec[] = [];
  const invalid: string[] = [];
  for (const [name, value] of Object.entries(params)) {
    try {
      const [t, shape] = inferParamType(value);
      specs.push(new ParamSpec(name, t, unwrapPyFloats(value), shape));
    } catch (e) {
      invalid.push(`(${pyRepr(name)}, ${pyRepr(value)}, MlflowException(${pyRepr((e as Error).message)}))`);
    }
  }
  if (invalid.length > 0)
    throw MlflowException.invalidParameter(`Failed to infer schema for parameters: [${invalid.join(", ")}]`);
  return new ParamSchema(specs);
}

export interface InferSignatureOptions {
  /** Receives MLflow's warnings (failed inference, integer-column hint). */
  warn?: (message: string) => void;
}

const INTEGER_HINT =
  "Hint: Inferred schema contains integer column(s). Integer columns in Python cannot represent missing values. If your input data contains missing values at inference time, it will be encoded as floats and will cause a schema enforcement error. The best way to avoid this problem is to infer the model schema based on a realistic data sample (training dataset) that includes missing values. Alternatively, you can declare integer columns as doubles (float64) whenever these columns may have missing values. See `Handling Integers With Missing Values <https://www.mlflow.org/docs/latest/models.html#handling-integers-with-missing-values>`_ for more details.";

/**
 * MLflow `infer_signature(model_input, model_output, params)`: a schema failure for inputs or
 * outputs is reported through `warn` and leaves that side null (as MLflow logs a warning); invalid
 * params throw.
 */
export function inferSignature(
  input?: PyFuncInput | unknown,
  output?: PyFuncOutput | unknown,
  params?: Params | null,
  options: InferSignatureOptions = {},
): ModelSignature {
  const warn = options.warn ?? (() => {});
  const infer = (data: unknown, which: string): Schema | null => {
    if (data === undefined || data === null) return null;
    try {
      const s = inferSchema(data);
      if (!s.isTensorSpec() && s.inputs.some((x) => x.type === "integer" || x.type === "long"))
        warn(INTEGER_HINT);
      return s;
    } catch (e) {
      warn(`Failed to infer the model signature from the ${which}: ${(e as Error).message}`);
      return null;
    }
  };
  const inputs = infer(input, "input example");
  const outputs = infer(output, "model output");
  const paramSchema = params && Object.keys(params).length > 0 ? inferParamSchema(params) : null;
  return new ModelSignature(inputs, outputs, paramSchema);
}
