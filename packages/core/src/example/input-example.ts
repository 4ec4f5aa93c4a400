/**
 * Input examples as MLflow saves and reads them (mlflow/models/utils.py `_Example`, `_read_example`):
 * `input_example.json` (compact `json.dumps`) and `serving_input_example.json` (the `/invocations` body,
 * `indent=2`), described by the MLmodel's `saved_input_example_info`.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { MlflowException } from "../errors/mlflow-exception.js";
import { dataFrameFromArrow, isArrowTable } from "../inputs/arrow.js";
import { columnFrom, sparseToDense, tensorFromNested, tensorToNested } from "../inputs/convert.js";
import { type Column, DataFrame } from "../inputs/dataframe.js";
import { isNumericDType, isTypedArray, type NumpyDType } from "../inputs/dtype.js";
import { isSparseMatrix, type Params, type PyFuncInput, type SparseMatrix } from "../inputs/model-input.js";
import { isTensor, type Tensor } from "../inputs/tensor.js";
import type { SavedInputExampleInfo } from "../mlmodel/model.js";
import { resolveInsideModelDir } from "../paths/resolve-inside.js";
import { isPlainDict } from "../schema/enforce.js";
import { PyFloat, pyJsonDumps } from "../schema/pyjson.js";
import { castDataFrameForServing } from "../schema/serving.js";
import { type ColSpec, type Schema, TensorSpec } from "../schema/types.js";
import { inferParamSchema } from "../signature/infer.js";

export const EXAMPLE_FILENAME = "input_example.json";
export const SERVING_INPUT_FILENAME = "serving_input_example.json";

export type { SavedInputExampleInfo };

/** The two files' contents and the info dict, before anything is written. */
export interface PreparedInputExample {
  info: SavedInputExampleInfo;
  inputExampleJson: string;
  servingInputJson: string | null;
}

const UNIFIED_LLM_KEYS = ["messages", "prompt", "input"];

/** One cell as MLflow's NumpyEncoder writes it (NaN → null for numeric data, bytes → base64). */
function jsonCell(v: unknown, dtype: string): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === "number") {
    if (Number.isNaN(v)) return null;
    return dtype.startsWith("float") ? new PyFloat(v) : v;
  }
  if (typeof v === "bigint") return v;
  if (v instanceof Uint8Array)
    return `${Buffer.from(v)
      .toString("base64")
      .replace(/(.{76})/g, "$1\n")}\n`;
  if (v instanceof Date) return v.toISOString().replace(/Z$/, "");
  if (isTensor(v)) return tensorJson(v);
  return v;
}

/** Bytes anywhere in a dict/list example become base64 text, as MLflow's NumpyEncoder writes `bytes`. */
function bytesAsBase64(x: unknown): unknown {
  if (x instanceof Uint8Array) return jsonCell(x, "object");
  if (Array.isArray(x)) return x.map(bytesAsBase64);
  if (x !== null && typeof x === "object" && Object.getPrototypeOf(x) === Object.prototype) {
    return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, bytesAsBase64(v)]));
  }
  return x;
}

function cellOf(c: Column, i: number): unknown {
  const v = (c.values as ArrayLike<unknown>)[i];
  if (c.dtype === "bool" && typeof v === "number") return v === 1;
  return v;
}

/** `_convert_dataframe_to_split_dict`: `{columns?, data}` without the index. */
function dataFrameSplit(df: DataFrame): { split: Record<string, unknown>; orient: "split" | "values" } {
  const cols = df.columnList;
  const data: unknown[] = new Array(df.numRows);
  for (let r = 0; r < df.numRows; r++) data[r] = cols.map((c) => jsonCell(cellOf(c, r), c.dtype));
  const defaultColumns = cols.every((c, i) => c.name === String(i));
  return defaultColumns
    ? { split: { data }, orient: "values" }
    : { split: { columns: df.columns, data }, orient: "split" };
}

/** `ndarray.tolist()` with NaN → null for numeric arrays, floats kept as floats. */
function tensorJson(t: Tensor): unknown {
  const nested = tensorToNested(t);
  const isFloat = t.dtype.startsWith("float");
  const walk = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(walk);
    if (typeof x === "number") return Number.isNaN(x) ? null : isFloat ? new PyFloat(x) : x;
    return jsonCell(x, t.dtype);
  };
  return walk(nested);
}

function sparseJson(m: SparseMatrix): Record<string, unknown> {
  const isFloat = !(Array.isArray(m.values) && m.values.every((x) => Number.isInteger(x)));
  return {
    data: Array.from(m.values as ArrayLike<number>, (x) =>
      Number.isNaN(x) ? null : isFloat ? new PyFloat(x) : x,
    ),
    indices: Array.from(m.indices as ArrayLike<number>),
    indptr: Array.from(m.indptr as ArrayLike<number>),
    shape: [...m.shape],
  };
}

/** Builds MLflow's `_Example` for an input example (and optional params) without writing it. */
export function prepareInputExample(example: PyFuncInput, params?: Params | null): PreparedInputExample {
  if (params !== undefined && params !== null) {
    try {
      inferParamSchema(params);
    } catch (e) {
      throw new MlflowException(
        `Invalid params found in input example: ${(e as Error).message}`,
        "INVALID_PARAMETER_VALUE",
      );
    }
  }
  const info: SavedInputExampleInfo = { artifact_path: EXAMPLE_FILENAME, type: "" };
  const hasParams = params !== undefined && params !== null;
  if (hasParams) info.params = "true";
  let modelInput: unknown;
  let serving: Record<string, unknown> | null;
  let unifiedLlm = false;
  const input: unknown = isArrowTable(example) ? dataFrameFromArrow(example) : example;
  if (input instanceof DataFrame) {
    const { split, orient } = dataFrameSplit(input);
    modelInput = split;
    serving = { dataframe_split: split };
    info.type = "dataframe";
    info.pandas_orient = orient;
  } else if (isTensor(input) || (isTypedArray(input) && !(input instanceof Uint8Array))) {
    const t = isTensor(input)
      ? input
      : { dtype: "float64" as NumpyDType, shape: [input.length], data: input };
    modelInput = tensorJson(t as Tensor);
    serving = { inputs: modelInput };
    info.type = "ndarray";
  } else if (isSparseMatrix(input)) {
    info.type = input.format === "csc" ? "sparse_matrix_csc" : "sparse_matrix_csr";
    serving = { inputs: tensorJson(sparseToDense(input)) };
    modelInput = sparseJson(input);
  } else if (isPlainDict(input)) {
    const values = Object.values(input);
    if (values.some((v) => isTensor(v))) {
      if (!values.every((v) => isTensor(v))) {
        throw MlflowException.invalidParameter(
          "Mixed types in dictionary are not supported as input examples. Found numpy arrays and other types.",
        );
      }
      info.type = "ndarray";
      modelInput = Object.fromEntries(Object.entries(input).map(([k, v]) => [k, tensorJson(v as Tensor)]));
      serving = { inputs: modelInput };
    } else {
      info.type = "json_object";
      modelInput = bytesAsBase64(input);
      unifiedLlm = UNIFIED_LLM_KEYS.some((k) => Object.hasOwn(input, k));
      serving = unifiedLlm ? { ...(modelInput as Record<string, unknown>) } : { inputs: modelInput };
    }
  } else if (Array.isArray(input)) {
    if (input.some((x) => isTensor(x))) {
      throw new MlflowException(
        "Multidimensional arrays (aka tensors) are not supported. Numpy arrays in list are not supported as input examples.",
        "INTERNAL_ERROR",
      );
    }
    info.type = "json_object";
    modelInput = bytesAsBase64(input);
    serving = { inputs: modelInput };
  } else if (
    typeof input === "number" ||
    typeof input === "string" ||
    typeof input === "boolean" ||
    typeof input === "bigint" ||
    input instanceof Date ||
    input instanceof Uint8Array
  ) {
    info.type = "json_object";
    modelInput = jsonCell(input, "object");
    serving = { inputs: modelInput };
  } else {
    throw MlflowException.invalidParameter(
      "Expected one of the following types:\n- pandas.DataFrame\n- numpy.ndarray\n- dictionary of (name -> numpy.ndarray)\n- scipy.sparse.csr_matrix\n- scipy.sparse.csc_matrix\n- dict\n- list\n- scalars\n- datetime.datetime\n- pydantic model instance\n" +
        `but got '${input === null ? "<class 'NoneType'>" : typeof input}'`,
    );
  }
  if (hasParams) {
    modelInput = { inputs: modelInput, params };
    serving = unifiedLlm ? { ...serving, ...params } : { ...serving, params };
  }
  const inputExampleJson = pyJsonDumps(modelInput);
  const servingInputJson = serving ? pyJsonDumps(serving, { indent: 2 }) : null;
  if (servingInputJson !== null) info.serving_input_path = SERVING_INPUT_FILENAME;
  return { info, inputExampleJson, servingInputJson };
}

/**
 * Writes `input_example.json` and `serving_input_example.json` into `modelDir` as MLflow does and
 * returns the `saved_input_example_info` dict to record in MLmodel.
 */
export async function saveInputExample(
  modelDir: string,
  example: PyFuncInput,
  params?: Params | null,
): Promise<SavedInputExampleInfo> {
  const prepared = prepareInputExample(example, params);
  await writeFile(join(modelDir, prepared.info.artifact_path), prepared.inputExampleJson);
  if (prepared.servingInputJson !== null && prepared.info.serving_input_path) {
    await writeFile(join(modelDir, prepared.info.serving_input_path), prepared.servingInputJson);
  }
  return prepared.info;
}

async function readExampleJson(modelDir: string, info: SavedInputExampleInfo): Promise<unknown> {
  const known = ["dataframe", "ndarray", "sparse_matrix_csc", "sparse_matrix_csr", "json_object"];
  if (!known.includes(info.type)) {
    throw new MlflowException(`This version of mlflow can not load example of type ${info.type}`);
  }
  const path = resolveInsideModelDir(modelDir, info.artifact_path ?? EXAMPLE_FILENAME, "input example");
  const text = await readFile(path, "utf8");
  try {
    // Python's json accepts NaN/Infinity tokens: turn them into null/large numbers safely first.
    return JSON.parse(
      text
        .replace(/\bNaN\b/g, "null")
        .replace(/-Infinity\b/g, "-1e999")
        .replace(/\bInfinity\b/g, "1e999"),
    );
  } catch (e) {
    throw new MlflowException(`Failed to parse input example ${info.artifact_path}: ${(e as Error).message}`);
  }
}

function dtypeForSpec(spec: ColSpec | TensorSpec | undefined): NumpyDType | undefined {
  if (spec instanceof TensorSpec && isNumericDType(spec.type)) return spec.type as NumpyDType;
  return undefined;
}

/** MLflow `parse_inputs_data`: nested lists → tensors (dtype from the schema when it has one). */
function parseInputsData(data: unknown, schema?: Schema | null): PyFuncInput {
  if (isPlainDict(data)) {
    const specs = schema?.hasInputNames() ? schema.inputDict() : undefined;
    return Object.fromEntries(
      Object.entries(data).map(([k, v]) => [k, tensorFromNested(v, dtypeForSpec(specs?.get(k)))]),
    ) as PyFuncInput;
  }
  const t = tensorFromNested(data, dtypeForSpec(schema?.inputs[0]));
  return t;
}

/** `dataframe_from_parsed_json(split, schema)`: columns 0..n-1 when absent; cast by the schema. */
function dataFrameFromSplit(split: unknown, schema?: Schema | null): DataFrame {
  if (!isPlainDict(split) || !Array.isArray(split.data))
    throw new MlflowException("Malformed dataframe input example");
  const rows = split.data as unknown[][];
  const width = Array.isArray(split.columns)
    ? split.columns.length
    : Math.max(0, ...rows.map((r) => r.length));
  const names = Array.isArray(split.columns)
    ? (split.columns as unknown[]).map(String)
    : Array.from({ length: width }, (_v, i) => String(i));
  const df = new DataFrame(
    names.map((n, j) =>
      columnFrom(
        n,
        rows.map((r) => (Array.isArray(r) ? (r[j] ?? null) : null)),
      ),
    ),
  );
  return schema ? castDataFrameForServing(df, schema) : df;
}

/**
 * Reads a saved input example back in its original type (MLflow `_read_example`): a DataFrame,
 * a Tensor or dict of Tensors (cast to the input schema's dtypes when given), a sparse matrix, or
 * the JSON value itself.
 */
export async function readInputExample(
  modelDir: string,
  info: SavedInputExampleInfo,
  schema?: Schema | null,
): Promise<PyFuncInput> {
  let example = await readExampleJson(modelDir, info);
  if (info.params && isPlainDict(example) && "inputs" in example) example = example.inputs;
  try {
    return convertExample(example, info, schema);
  } catch (e) {
    if (e instanceof MlflowException) throw e;
    throw new MlflowException(
      `Malformed input example ${info.artifact_path} of type ${info.type}: ${(e as Error).message}`,
      "INVALID_PARAMETER_VALUE",
    );
  }
}

function convertExample(example: unknown, info: SavedInputExampleInfo, schema?: Schema | null): PyFuncInput {
  switch (info.type) {
    case "json_object":
      return example as PyFuncInput;
    case "ndarray":
      return parseInputsData(example, schema);
    case "sparse_matrix_csc":
    case "sparse_matrix_csr": {
      const m = example as { data: number[]; indices: number[]; indptr: number[]; shape: [number, number] };
      return {
        format: info.type === "sparse_matrix_csc" ? "csc" : "csr",
        shape: [Number(m.shape[0]), Number(m.shape[1])],
        indptr: Int32Array.from(m.indptr),
        indices: Int32Array.from(m.indices),
        values: Float64Array.from(m.data, (x) => (x === null ? Number.NaN : x)),
      };
    }
    default:
      return dataFrameFromSplit(example, schema);
  }
}

/** Reads the params saved with an input example (MLflow `_read_example_params`), or undefined. */
export async function readInputExampleParams(
  modelDir: string,
  info: SavedInputExampleInfo,
): Promise<Params | undefined> {
  if (!info.params) return undefined;
  const example = await readExampleJson(modelDir, info);
  return isPlainDict(example) && isPlainDict(example.params) ? (example.params as Params) : undefined;
}
