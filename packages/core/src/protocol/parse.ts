import { MlflowException } from "../errors/mlflow-exception.js";
import { parseCsvFast } from "../inputs/csv-fast-parser.js";
import { type Column, type ColumnValues, DataFrame, inferColumn } from "../inputs/dataframe.js";
import { TYPED_ARRAY_FOR_DTYPE } from "../inputs/dtype.js";
import type { Params, PyFuncInput } from "../inputs/model-input.js";
import { parseJsonBodyFast } from "../inputs/split-parser.js";
import type { Tensor } from "../inputs/tensor.js";
import { parseArrowStreamBody } from "./arrow-ipc.js";
import { decodeBinaryTensorBody, NUMPY_DTYPE_FOR_V2, tensorShape } from "./binary-tensor.js";
import { CastError, castValues, ndarrayFromJson, tensorDType } from "./coerce.js";
import { parseContentType } from "./content-type.js";
import { parseCsvBody } from "./csv.js";
import {
  badRequest,
  pyTypeName,
  SCORING_PROTOCOL_CHANGE_WARNING,
  type ScoringContentType,
} from "./errors.js";
import { decodeUtf8, parseJsonLenient } from "./json.js";
import { parseParquetBody } from "./parquet.js";
import {
  columnSpecsByName,
  type InputSchemaView,
  inputSchemaView,
  isScalarColSpec,
  type ParamSpecJson,
  paramSchemaView,
  type SchemaSource,
  type ScoringSchemas,
  specNumpyType,
} from "./schema-view.js";

export type ScoringFormat =
  | "dataframe_split"
  | "dataframe_records"
  | "instances"
  | "inputs"
  | "llm"
  | "csv"
  | "parquet"
  | "arrow"
  | "binary_tensor";

export interface ParsedScoringRequest {
  /** The model input, already cast leniently to the signature's types (MLflow's serving-side coercion). */
  input: PyFuncInput;
  /** `params` from the body (undefined when absent or null). */
  params?: Params;
  /** Unified LLM mode: the body had `messages`, `prompt` or `input`; the answer must not be wrapped. */
  unifiedLlm: boolean;
  /** The body asked for streaming (`"stream": true` at the top level). */
  stream: boolean;
  format: ScoringFormat;
}

export const INPUT_FORMAT_KEYS = ["dataframe_split", "dataframe_records", "instances", "inputs"] as const;
const UNIFIED_LLM_KEYS = ["messages", "prompt", "input"];
const FIELDS_TEXT = "{'dataframe_split', 'dataframe_records', 'instances', 'inputs'}";

/**
 * Schema views of JSON-text schemas (what MLmodel stores, and what a server passes on every request), parsed
 * once per distinct text instead of once per request. Bounded; views are only read.
 */
const VIEW_CACHE_LIMIT = 64;
const inputViews = new Map<string, InputSchemaView | undefined>();
const paramViews = new Map<string, ParamSpecJson[] | undefined>();

function cachedView<T>(cache: Map<string, T>, source: SchemaSource, build: (s: SchemaSource) => T): T {
  if (typeof source !== "string") return build(source);
  if (cache.has(source)) return cache.get(source) as T;
  const view = build(source);
  if (cache.size >= VIEW_CACHE_LIMIT) cache.clear();
  cache.set(source, view);
  return view;
}

const inputView = (source: SchemaSource) => cachedView(inputViews, source, inputSchemaView);
const paramView = (source: SchemaSource) => cachedView(paramViews, source, paramSchemaView);

export interface ParseScoringOptions {
  /** Largest body accepted, in bytes (default: unlimited; the server enforces its own limit first). */
  maxBytes?: number;
  /**
   * The `Inference-Header-Content-Length` header of an `application/octet-stream` body (the binary tensor
   * framing, protocol/binary-tensor.ts); refused with any other content type.
   */
  binaryHeaderLength?: string | number;
}

/**
 * Parse a `POST /invocations` body as MLflow's scoring server does (JSON and CSV; see
 * parseScoringRequestAsync for Parquet). Throws UnsupportedContentTypeError (415) for content-type
 * problems and MlflowException (BAD_REQUEST / INVALID_PARAMETER_VALUE → 400) for bad bodies.
 */
export function parseScoringRequest(
  body: string | Uint8Array,
  contentType: string | undefined,
  schemas?: ScoringSchemas,
  options: ParseScoringOptions = {},
): ParsedScoringRequest {
  const kind = parseContentType(contentType);
  checkSize(body, options);
  if (kind === "binary" || options.binaryHeaderLength !== undefined)
    return parseBinaryScoringBody(kind, body, options, schemas);
  if (kind === "parquet" || kind === "arrow") {
    throw badRequest(
      `${kind === "parquet" ? "Parquet" : "Arrow"} bodies are parsed asynchronously: use parseScoringRequestAsync.`,
    );
  }
  if (kind === "json") {
    const fast = parseJsonFast(body, schemas);
    if (fast !== undefined) return fast;
  }
  return parseTextBody(kind, decodeUtf8(body), schemas);
}

/**
 * Bodies smaller than this go straight to JSON.parse: the scanner's fixed cost (its column bookkeeping, typed
 * arrays sized for more rows) is ≈2.4–3 µs, JSON.parse of a one-row body ≈1.5–1.9 µs. They break even near
 * 700 bytes for `dataframe_split` (8 rows of 4 floats) and near 150 bytes for `inputs` (4 rows of 10), and the
 * scanner is 1.6–2.5× faster from 64 rows on; 512 bytes loses at most ≈0.7 µs either side of it.
 */
const FAST_SCAN_MIN_BYTES = 512;

/**
 * The one-pass scanner for numeric dataframe_split / instances / inputs bodies (inputs/split-parser.ts): the
 * same result as the general path, or `undefined` to run it. A bad `params` throws the general path's error.
 */
function parseJsonFast(
  body: string | Uint8Array,
  schemas: ScoringSchemas | undefined,
): ParsedScoringRequest | undefined {
  if (body.length < FAST_SCAN_MIN_BYTES) return undefined; // (a string's length is at most its UTF-8 bytes)
  const fast = parseJsonBodyFast(body, inputView(schemas?.inputs));
  if (fast === undefined) return undefined;
  let params: Params | undefined;
  if (fast.paramsJson !== undefined) {
    let raw: unknown;
    try {
      raw = JSON.parse(fast.paramsJson);
    } catch {
      return undefined; // NaN tokens and the like: the general path's lenient reader
    }
    params = parseParams(raw, paramView(schemas?.params) !== undefined);
  }
  return { input: fast.input, params, unifiedLlm: false, stream: false, format: fast.format };
}

/** parseScoringRequest for every content type, including `application/vnd.apache.parquet` and Arrow IPC streams. */
export async function parseScoringRequestAsync(
  body: string | Uint8Array,
  contentType: string | undefined,
  schemas?: ScoringSchemas,
  options: ParseScoringOptions = {},
): Promise<ParsedScoringRequest> {
  const kind = parseContentType(contentType);
  checkSize(body, options);
  if (kind === "binary" || options.binaryHeaderLength !== undefined)
    return parseBinaryScoringBody(kind, body, options, schemas);
  if (kind === "parquet") {
    const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
    return { input: await parseParquetBody(bytes), unifiedLlm: false, stream: false, format: "parquet" };
  }
  if (kind === "arrow") {
    const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
    return { input: await parseArrowStreamBody(bytes), unifiedLlm: false, stream: false, format: "arrow" };
  }
  if (kind === "json") {
    const fast = parseJsonFast(body, schemas);
    if (fast !== undefined) return fast;
  }
  return parseTextBody(kind, decodeUtf8(body), schemas);
}

function checkSize(body: string | Uint8Array, options: ParseScoringOptions): void {
  if (options.maxBytes === undefined) return;
  const size = typeof body === "string" ? Buffer.byteLength(body) : body.byteLength;
  if (size > options.maxBytes) {
    throw new MlflowException(
      `Request body of ${size} bytes exceeds the limit of ${options.maxBytes} bytes.`,
      "RESOURCE_EXHAUSTED",
    );
  }
}

/**
 * An `application/octet-stream` body in the binary tensor framing: a JSON header `{"inputs": [v2 tensors],
 * "params": {...}}` (each tensor with `parameters.binary_data_size`, or JSON `data`) then the raw tensors. The
 * tensors become the input MLflow's `inputs` field gives: one tensor alone (as `{"inputs": [[...]]}`), or
 * several by name (as `{"inputs": {"a": [...], ...}}`), as a DataFrame for a column signature when every
 * tensor is one column (1-D, or [rows, 1]), each cast to the signature's type. The header's
 * `parameters.content_type` ("np", "pd", "dict", as in a v2 request) chooses the form instead: "pd" makes a
 * DataFrame of one-column tensors for any model (a model without a signature that wants named features).
 */
function parseBinaryScoringBody(
  kind: ScoringContentType,
  body: string | Uint8Array,
  options: ParseScoringOptions,
  schemas: ScoringSchemas | undefined,
): ParsedScoringRequest {
  if (kind !== "binary")
    throw badRequest(
      "Invalid input. Inference-Header-Content-Length is only accepted with Content-Type application/octet-stream.",
    );
  if (options.binaryHeaderLength === undefined)
    throw badRequest(
      "Invalid input. An application/octet-stream body needs the Inference-Header-Content-Length header (the byte length of its JSON header).",
    );
  const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
  const header = decodeBinaryTensorBody(bytes, options.binaryHeaderLength);
  const unknownKeys = Object.keys(header).filter(
    (k) => k !== "inputs" && k !== "params" && k !== "id" && k !== "parameters",
  );
  if (unknownKeys.length > 0)
    throw badRequest(
      `Invalid input. The binary request's header may hold 'inputs', 'params' and 'parameters' only; got ${unknownKeys.map((k) => `'${k}'`).join(", ")}.`,
    );
  const tensors = (header.inputs as Record<string, unknown>[]).map(binaryInputTensor);
  const view = inputView(schemas?.inputs);
  const params = parseParams(header.params, paramView(schemas?.params) !== undefined);
  const names = tensors.map((t) => t.name);
  if (new Set(names).size !== names.length) throw badRequest("Invalid input. Duplicate input names.");
  // `parameters.content_type` ("np", "pd", "dict") chooses the input's form, as in a v2 request (MLServer's)
  const wanted = isPlainObject(header.parameters) ? header.parameters.content_type : undefined;
  if (wanted !== undefined && wanted !== "np" && wanted !== "pd" && wanted !== "dict")
    throw MlflowException.invalidParameter(
      `Unsupported content_type '${String(wanted).slice(0, 50)}' (use np, pd or dict)`,
    );
  const single = tensors.length === 1 ? tensors[0]! : undefined;
  const asColumns = () => {
    if (!tensors.every((t) => t.shape.length === 1 || (t.shape.length === 2 && t.shape[1] === 1)))
      throw badRequest(
        "Invalid input. Each tensor of a DataFrame must be one column: shape [rows] or [rows, 1].",
      );
    if (new Set(tensors.map((t) => t.shape[0])).size > 1)
      throw badRequest("Invalid input. All arrays must be of the same length");
    // without a signature, numeric columns keep the typed arrays they arrived as (no per-value work)
    if (
      view === undefined &&
      tensors.every((t) => ArrayBuffer.isView(t.tensor.data) && t.tensor.dtype !== "bool")
    )
      return new DataFrame(
        tensors.map((t) => ({ name: t.name, dtype: t.tensor.dtype, values: t.tensor.data }) as Column),
      );
    return frameFromRawColumns(
      names,
      tensors.map((t) => columnValues(t.tensor)),
      view,
    );
  };
  const asDict = () => {
    const out: Record<string, Tensor> = {};
    for (const t of tensors) {
      const spec = view?.isTensor === true ? view.specs.find((s) => s.name === t.name) : undefined;
      out[t.name] = spec === undefined ? t.tensor : castTensor(t.tensor, specNumpyType(spec));
    }
    return out;
  };
  const asTensor = () => {
    if (single === undefined)
      throw badRequest(
        `Failed to parse input data. One n-dimensional array was expected as input, however, ${tensors.length} tensors were found.`,
      );
    return view === undefined ? single.tensor : castTensor(single.tensor, specNumpyType(view.specs[0]!));
  };
  let input: PyFuncInput;
  if (wanted === "pd") input = asColumns();
  else if (wanted === "dict") input = asDict();
  else if (wanted === "np") input = asTensor();
  else if (view !== undefined && !view.isTensor) {
    const columns = tensors.every((t) => t.shape.length === 1 || (t.shape.length === 2 && t.shape[1] === 1));
    const isColumn = single === undefined || (view.hasNames && view.names.includes(single.name));
    if (columns && isColumn) input = asColumns();
    else input = single !== undefined ? asTensor() : asDict();
  } else if (view?.isTensor === true && view.hasNames) input = asDict();
  else if (single !== undefined || view !== undefined) input = asTensor();
  else input = asDict();
  return { input, params, unifiedLlm: false, stream: false, format: "binary_tensor" };
}

/** One input of a decoded binary header → a Tensor (non-binary inputs' JSON `data`: flat or nested lists). */
function binaryInputTensor(input: Record<string, unknown>): {
  name: string;
  shape: number[];
  tensor: Tensor;
} {
  if (typeof input.name !== "string") throw badRequest("Invalid input. Each input needs a string 'name'.");
  const name = input.name;
  const dtype =
    typeof input.datatype === "string" && Object.hasOwn(NUMPY_DTYPE_FOR_V2, input.datatype)
      ? NUMPY_DTYPE_FOR_V2[input.datatype]!
      : undefined;
  if (dtype === undefined)
    throw badRequest(`Invalid input. Input '${name.slice(0, 200)}' has an unsupported datatype.`);
  const shape = tensorShape(name, input.shape);
  let flat: ArrayLike<unknown>;
  if (ArrayBuffer.isView(input.data)) flat = input.data as unknown as ArrayLike<unknown>;
  else {
    try {
      flat = ndarrayFromJson(input.data, "object").data as unknown[];
    } catch (error) {
      throw tfFailure(error);
    }
  }
  const size = shape.reduce((a, b) => a * b, 1);
  if (flat.length !== size)
    throw badRequest(
      `Invalid input. Input '${name.slice(0, 200)}' has ${flat.length} values but shape [${shape.join(", ")}] needs ${size}.`,
    );
  const raw = { dtype: "object", shape, data: flat } as unknown as Tensor;
  return { name, shape, tensor: castTensor(raw, dtype === "str" ? "object" : dtype) };
}

/** A one-column tensor's values for frameFromRawColumns (bool tensors hold 0/1 bytes: back to booleans). */
function columnValues(tensor: Tensor): unknown[] {
  const data = tensor.data as ArrayLike<unknown>;
  return tensor.dtype === "bool" ? Array.from(data, (b) => b === 1) : Array.from(data);
}

/** A tensor with its values cast to `npType` (no copy for a typed array of that type already). */
function castTensor(tensor: Tensor, npType: string): Tensor {
  const data = tensor.data as ArrayLike<unknown>;
  const typedAlready =
    ArrayBuffer.isView(data) &&
    Object.hasOwn(TYPED_ARRAY_FOR_DTYPE, npType) &&
    data.constructor === TYPED_ARRAY_FOR_DTYPE[npType as keyof typeof TYPED_ARRAY_FOR_DTYPE];
  if (typedAlready && tensor.dtype !== "bool")
    return { dtype: npType as Tensor["dtype"], shape: tensor.shape, data: data as Tensor["data"] };
  if (npType === "object" || npType === "str")
    return { dtype: "object", shape: tensor.shape, data: Array.from(data) };
  try {
    const cast = castValues(Array.from(data), npType);
    const out = npType === "bool" ? Uint8Array.from(cast as boolean[], (b) => (b ? 1 : 0)) : cast;
    return { dtype: tensorDType(npType), shape: tensor.shape, data: out as Tensor["data"] };
  } catch (error) {
    throw tfFailure(error);
  }
}

function parseTextBody(
  kind: Exclude<ScoringContentType, "parquet" | "arrow" | "binary">,
  text: string,
  schemas: ScoringSchemas | undefined,
): ParsedScoringRequest {
  const view = inputView(schemas?.inputs);
  if (kind === "csv") {
    const input = parseCsvFast(text, view) ?? parseCsvBody(text, view); // fast numeric path, else csv-parse
    return { input, unifiedLlm: false, stream: false, format: "csv" };
  }
  return parseJsonScoringBody(text, schemas, view);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Parse an `application/json` body (already decoded to text). */
export function parseJsonScoringBody(
  text: string,
  schemas?: ScoringSchemas,
  view: InputSchemaView | undefined = inputView(schemas?.inputs),
): ParsedScoringRequest {
  const decoded = parseJsonLenient(text);
  if (!isPlainObject(decoded)) {
    const got = Array.isArray(decoded)
      ? "Received a list."
      : `Received unexpected input type '<class '${pyTypeName(decoded)}'>.`;
    throw badRequest(
      `Invalid input. The input must be a JSON dictionary with exactly one of the input fields ${FIELDS_TEXT}. ${got}`,
    );
  }
  const stream = decoded.stream === true;

  if (UNIFIED_LLM_KEYS.some((k) => Object.hasOwn(decoded, k))) {
    const paramNames = new Set((paramView(schemas?.params) ?? []).map((p) => p.name));
    const data: Record<string, unknown> = {};
    const params: Params = {};
    for (const [k, v] of Object.entries(decoded)) {
      if (paramNames.has(k)) params[k] = v;
      else data[k] = v;
    }
    return {
      input: data,
      params: Object.keys(params).length > 0 ? params : undefined,
      unifiedLlm: true,
      stream,
      format: "llm",
    };
  }

  const formats = INPUT_FORMAT_KEYS.filter((k) => Object.hasOwn(decoded, k));
  if (formats.length !== 1) {
    throw badRequest(
      `The input must be a JSON dictionary with exactly one of the input fields ${FIELDS_TEXT}. ` +
        `Received dictionary with input fields: [${formats.map((f) => `'${f}'`).join(", ")}]. ${SCORING_PROTOCOL_CHANGE_WARNING}`,
    );
  }
  const format = formats[0]!;
  const params = parseParams(decoded.params, paramView(schemas?.params) !== undefined);
  const value = decoded[format];
  let input: PyFuncInput;
  switch (format) {
    case "dataframe_split":
      input = parseDataframeSplit(value, view);
      break;
    case "dataframe_records":
      input = parseDataframeRecords(value, view);
      break;
    default:
      input = parseTfServing(format, value, view);
  }
  return { input, params, unifiedLlm: false, stream, format };
}

/** `params`: null → none; not a dict → refused with a params schema, ignored without one (as MLflow). */
function parseParams(raw: unknown, hasParamsSchema: boolean): Params | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isPlainObject(raw)) {
    if (!hasParamsSchema) return undefined;
    throw MlflowException.invalidParameter(`Parameters must be a dictionary. Got type '${pyTypeName(raw)}'.`);
  }
  return raw;
}

// ---------------------------------------------------------------------------------------------- dataframes

function castFailure(column: string, npType: string, error: unknown): MlflowException {
  const repr = error instanceof CastError ? error.excRepr : String(error);
  return badRequest(
    `Invalid input. Data is not compatible with model signature. Failed to convert column ${column} to type '${npType}'. Error: '${repr}'`,
    error,
  );
}

/** Build a frame from raw JSON columns, casting the columns the schema names (`astype`) and inferring the rest. */
export function frameFromRawColumns(
  names: readonly string[],
  columns: readonly unknown[][],
  view: InputSchemaView | undefined,
): DataFrame {
  const specByName = columnSpecsByName(names, view);
  const out: Column[] = [];
  const seen = new Set<string>();
  names.forEach((name, i) => {
    if (seen.has(name)) throw badRequest(`Invalid input. Duplicate column name '${name}'.`);
    seen.add(name);
    const raw = columns[i]!;
    const spec = specByName.get(name);
    if (spec === undefined) {
      out.push(inferColumn(name, raw));
      return;
    }
    if (spec.type === "tensor") {
      if (raw.some((v) => Array.isArray(v))) {
        out.push({ name, dtype: "object", values: raw.slice() });
        return;
      }
    } else if (!isScalarColSpec(spec) || spec.type === "string") {
      out.push({ name, dtype: "object", values: raw.slice() });
      return;
    }
    const npType = specNumpyType(spec);
    let values: ColumnValues;
    try {
      values = castValues(raw, npType);
    } catch (error) {
      throw castFailure(name, npType, error);
    }
    out.push({ name, dtype: npType as Column["dtype"], values });
  });
  return new DataFrame(out);
}

function parseDataframeSplit(value: unknown, view: InputSchemaView | undefined): DataFrame {
  if (!isPlainObject(value)) {
    const got = Array.isArray(value) ? "list" : `type <class '${pyTypeName(value)}'>`;
    throw badRequest(`Invalid input. Dataframe split format must be a dictionary. Got ${got}.`);
  }
  const keys = Object.keys(value);
  if (!keys.includes("data") || keys.some((k) => k !== "data" && k !== "columns" && k !== "index")) {
    throw badRequest(
      `Invalid input. Dataframe split format must have 'data' field and optionally 'columns' and 'index' fields. Got {${keys.map((k) => `'${k}'`).join(", ")}}.'`,
    );
  }
  const fail = (why: string) =>
    badRequest(
      `Invalid input. Provided dataframe_split field is not a valid dataframe representation in 'split' format. Error: '${why}'`,
    );
  const data = value.data;
  if (!Array.isArray(data)) throw fail("DataFrame constructor not properly called!");
  let columns: string[] | undefined;
  if (value.columns !== undefined && value.columns !== null) {
    if (!Array.isArray(value.columns)) throw fail("columns must be a list");
    columns = value.columns.map((c) => (typeof c === "string" ? c : JSON.stringify(c)));
  }
  const { names, cols } = rowsToColumns(data, columns, fail);
  if (value.index !== undefined && value.index !== null) {
    if (!Array.isArray(value.index)) throw fail("index must be a list");
    if (value.index.length !== data.length) {
      throw fail(
        `Shape of passed values is (${data.length}, ${names.length}), indices imply (${value.index.length}, ${names.length})`,
      );
    }
  }
  return frameFromRawColumns(names, cols, view);
}

/** Transpose list-of-rows data into columns (pandas `DataFrame(data, columns=...)`). */
function rowsToColumns(
  data: readonly unknown[],
  columns: string[] | undefined,
  fail: (why: string) => MlflowException,
): { names: string[]; cols: unknown[][] } {
  const nRows = data.length;
  const rowsAreLists = nRows > 0 && Array.isArray(data[0]);
  let width = 0;
  if (rowsAreLists) {
    for (const r of data) {
      if (!Array.isArray(r)) throw fail("Mixing lists and scalars as rows is not supported");
      if (r.length > width) width = r.length;
    }
  } else if (nRows > 0) {
    for (const r of data)
      if (Array.isArray(r)) throw fail("Mixing lists and scalars as rows is not supported");
    width = 1;
  }
  if (columns !== undefined) {
    if (nRows > 0 && columns.length !== width) {
      throw fail(`${columns.length} columns passed, passed data had ${width} columns`);
    }
    width = columns.length;
  }
  const names = columns ?? Array.from({ length: width }, (_, i) => String(i));
  const cols: unknown[][] = names.map(() => new Array(nRows));
  for (let i = 0; i < nRows; i++) {
    const row = data[i];
    if (rowsAreLists) {
      const r = row as unknown[];
      for (let j = 0; j < width; j++) cols[j]![i] = j < r.length ? r[j] : null;
    } else {
      cols[0]![i] = row;
    }
  }
  return { names, cols };
}

function parseDataframeRecords(value: unknown, view: InputSchemaView | undefined): DataFrame {
  if (!Array.isArray(value)) {
    const got = isPlainObject(value) ? "dictionary" : `type <class '${pyTypeName(value)}'>`;
    throw badRequest(`Invalid input. Dataframe records format must be a list of records. Got ${got}.`);
  }
  const fail = (why: string) =>
    badRequest(
      `Invalid input. Provided dataframe_records field is not a valid dataframe representation in 'records' format. Error: '${why}'`,
    );
  if (value.length > 0 && isPlainObject(value[0])) {
    if (!value.every(isPlainObject))
      throw fail("Mixing dicts with non-Series may lead to ambiguous ordering.");
    const { names, cols } = recordsToColumns(value as Record<string, unknown>[]);
    return frameFromRawColumns(names, cols, view);
  }
  const { names, cols } = rowsToColumns(value, undefined, fail);
  return frameFromRawColumns(names, cols, view);
}

/**
 * Most cells a frame built from records may have beyond the values given: records with keys of their own make a
 * frame of records × distinct keys cells, mostly missing (20,000 records of one distinct key each would be 400
 * million). Past max(this, 4 × the values given) the request is refused before anything is allocated.
 */
export const MAX_SPARSE_FRAME_CELLS = 4_000_000;

function recordsToColumns(records: readonly Record<string, unknown>[]): {
  names: string[];
  cols: unknown[][];
} {
  // first pass: the distinct keys (in first-seen order) and how many values there are, nothing allocated per cell
  const index = new Map<string, number>();
  const names: string[] = [];
  const n = records.length;
  let values = 0;
  for (let i = 0; i < n; i++) {
    const r = records[i]!;
    for (const k in r) {
      values++;
      if (!index.has(k)) {
        index.set(k, names.length);
        names.push(k);
      }
    }
  }
  const cells = names.length * n;
  if (cells > Math.max(MAX_SPARSE_FRAME_CELLS, 4 * values)) {
    throw badRequest(
      `Invalid input. The dataframe_records have ${names.length} distinct keys over ${n} records: a frame of ` +
        `${cells} cells for ${values} values. Give every record the same keys (or use dataframe_split).`,
    );
  }
  const cols: unknown[][] = names.map(() => new Array(n).fill(null));
  for (let i = 0; i < n; i++) {
    const r = records[i]!;
    for (const k in r) cols[index.get(k)!]![i] = r[k];
  }
  return { names, cols };
}

// ------------------------------------------------------------------------------- TF-serving (instances/inputs)

function tfFailure(error: unknown): MlflowException {
  if (error instanceof MlflowException) return error;
  const message = error instanceof Error ? error.message : String(error);
  return badRequest(`Invalid input. ${message}`, error);
}

function parseTfServing(
  format: "instances" | "inputs",
  value: unknown,
  view: InputSchemaView | undefined,
): PyFuncInput {
  try {
    let data: unknown = value;
    if (format === "instances" && Array.isArray(value) && value.length > 0 && isPlainObject(value[0])) {
      // row format: transpose the records into columns (keys absent from a record shorten that column)
      const cols = new Map<string, unknown[]>();
      for (const item of value) {
        if (!isPlainObject(item)) throw new CastError("ValueError", "Each instance must be a JSON object.");
        for (const [k, v] of Object.entries(item)) {
          let c = cols.get(k);
          if (c === undefined) {
            c = [];
            cols.set(k, c);
          }
          c.push(v);
        }
      }
      const lengths = new Set([...cols.values()].map((c) => c.length));
      if (lengths.size > 1) {
        throw badRequest("Invalid input. The length of values for each input/column name are not the same");
      }
      data = Object.fromEntries(cols);
    }
    return castTfServing(data, view, format);
  } catch (error) {
    throw tfFailure(error);
  }
}

function castTfServing(
  data: unknown,
  view: InputSchemaView | undefined,
  format: "instances" | "inputs",
): PyFuncInput {
  if (view === undefined) {
    if (isPlainObject(data)) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(data)) out[k] = ndarrayOrRecords(v);
      return out;
    }
    return ndarrayOrRecords(data);
  }
  if (view.isTensor) {
    if (view.hasNames) {
      let d = data;
      if (view.names.length === 1 && Array.isArray(d) && !d.some(isPlainObject)) d = { [view.names[0]!]: d };
      if (!isPlainObject(d)) {
        throw badRequest(
          "Failed to parse input data. This model contains a tensor-based model signature with input names, which " +
            "suggests a dictionary input mapping input name to tensor, but an input of type " +
            `<class '${pyTypeName(d)}'> was found.`,
        );
      }
      const out: Record<string, Tensor> = {};
      for (const [k, v] of Object.entries(d)) {
        const spec = view.specs.find((s) => s.name === k);
        out[k] = ndarrayFromJson(v, spec === undefined ? undefined : specNumpyType(spec));
      }
      return out;
    }
    if (!Array.isArray(data)) {
      throw badRequest(
        "Failed to parse input data. This model contains an un-named tensor-based model signature which expects a " +
          `single n-dimensional array as input, however, an input of type <class '${pyTypeName(data)}'> was found.`,
      );
    }
    return ndarrayFromJson(data, specNumpyType(view.specs[0]!));
  }
  // column (ColSpec) schemas
  if (view.hasNames && view.names.length === 1 && Array.isArray(data) && !data.some(isPlainObject)) {
    data = { [view.names[0]!]: data };
  }
  if (isPlainObject(data)) return columnsDictToInput(data, view, format);
  if (Array.isArray(data) && data.length > 0 && data.every(isPlainObject)) {
    const { names, cols } = recordsToColumns(data as Record<string, unknown>[]);
    return frameFromRawColumns(names, cols, view);
  }
  // other lists and scalars: np.array(x, dtype=<first spec's type>)
  return ndarrayFromJson(data, specNumpyType(view.specs[0]!));
}

function columnsDictToInput(
  data: Record<string, unknown>,
  view: InputSchemaView,
  format: "instances" | "inputs",
): PyFuncInput {
  const entries = Object.entries(data);
  const specFor = (k: string) => (view.hasNames ? view.specs.find((s) => s.name === k) : undefined);
  const nonScalarSpec = view.specs.some((s) => !isScalarColSpec(s));
  const allScalars = entries.every(([, v]) => !Array.isArray(v));
  const allStringLists = entries.every(([, v]) => Array.isArray(v) && v.every((x) => typeof x === "string"));
  if (!nonScalarSpec && entries.length > 0 && (allScalars || !allStringLists)) {
    if (allScalars) {
      return frameFromRawColumns(
        entries.map(([k]) => k),
        entries.map(([, v]) => [v]),
        view,
      );
    }
    const lengths = new Set(entries.map(([, v]) => (Array.isArray(v) ? v.length : -1)));
    if (lengths.size === 1 && !lengths.has(-1)) {
      const cols = entries.map(([, v]) => v as unknown[]);
      if (cols.every((c) => !c.some((x) => Array.isArray(x) || isPlainObject(x)))) {
        return frameFromRawColumns(
          entries.map(([k]) => k),
          cols,
          view,
        );
      }
    } else if (format === "inputs") {
      throw badRequest("Invalid input. All arrays must be of the same length");
    }
  }
  // object/array/map columns (LLM-style inputs) or ragged values: cast scalars, leave the dict to enforcement
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries) {
    const spec = specFor(k);
    if (spec !== undefined && isScalarColSpec(spec) && spec.type !== "string" && Array.isArray(v)) {
      const t = ndarrayFromJson(v, specNumpyType(spec));
      out[k] = t.shape.length === 1 ? Array.from(t.data as ArrayLike<unknown>) : v;
    } else out[k] = v;
  }
  return out;
}

/** No schema: lists of records stay records; everything else becomes np.array(value). */
function ndarrayOrRecords(v: unknown): PyFuncInput {
  if (Array.isArray(v) && v.length > 0 && v.every(isPlainObject)) return v as Record<string, unknown>[];
  if (isPlainObject(v)) return v;
  return ndarrayFromJson(v);
}

export type { ParamSpecJson };
