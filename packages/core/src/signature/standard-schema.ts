// Row schemas (zod, valibot, arktype … through Standard Schema and Standard JSON Schema) → MLflow signatures: the
// JavaScript counterpart of MLflow's signatures from type hints (`_infer_schema_from_type_hint`), shared by the
// custom-class and function flavors.
import { MlflowException } from "../errors/mlflow-exception.js";
import type { PyFuncInput } from "../inputs/model-input.js";
import { pyJsonDumps } from "../schema/pyjson.js";

/** A Standard Schema v1 validator (zod 4, valibot, arktype …), optionally with Standard JSON Schema support. */
export interface StandardSchemaLike {
  readonly "~standard": {
    readonly version: 1;
    readonly vendor: string;
    validate(value: unknown): StandardResult | Promise<StandardResult>;
    readonly jsonSchema?: {
      input(options: { target: string; libraryOptions?: Record<string, unknown> }): Record<string, unknown>;
      output(options: { target: string; libraryOptions?: Record<string, unknown> }): Record<string, unknown>;
    };
  };
}
type StandardResult =
  | { readonly value: unknown; readonly issues?: undefined }
  | {
      readonly issues: readonly { message: string; path?: readonly (PropertyKey | { key: PropertyKey })[] }[];
    };

export function isStandardSchema(value: unknown): value is StandardSchemaLike {
  const std = (value as { "~standard"?: { validate?: unknown } } | null | undefined)?.["~standard"];
  return typeof std === "object" && std !== null && typeof std.validate === "function";
}

type Json = Record<string, unknown>;

/**
 * A JSON Schema converter for validators that do not implement Standard JSON Schema (e.g. zod before 4.2), given by
 * a flavor that ships one; returns undefined when it does not know the schema.
 */
export type JsonSchemaFallback = (schema: StandardSchemaLike, io: "input" | "output") => Json | undefined;

/**
 * JSON Schema of a Standard Schema (`input` or `output` side) through Standard JSON Schema (zod ≥ 4.2, valibot,
 * arktype): types JSON Schema cannot express (dates, bigints …) become `{}` (MLflow `any`) for zod, as
 * `z.toJSONSchema(…, { unrepresentable: "any" })`.
 */
export function jsonSchemaOf(
  schema: StandardSchemaLike,
  io: "input" | "output",
  fallback?: JsonSchemaFallback,
): Json {
  const std = schema["~standard"];
  if (std.jsonSchema) {
    const options: { target: string; libraryOptions?: Record<string, unknown> } = { target: "draft-2020-12" };
    if (std.vendor === "zod") options.libraryOptions = { unrepresentable: "any" };
    return std.jsonSchema[io](options);
  }
  const converted = fallback?.(schema, io);
  if (converted) return converted;
  throw MlflowException.invalidParameter(
    `Cannot derive an MLflow signature from a '${std.vendor}' schema: it does not implement Standard JSON Schema.`,
  );
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

function resolveRef(node: Json, root: Json): Json {
  const ref = node.$ref;
  if (typeof ref !== "string" || !ref.startsWith("#/")) return node;
  let cur: unknown = root;
  for (const part of ref.slice(2).split("/"))
    cur = (cur as Json | undefined)?.[part.replace(/~1/g, "/").replace(/~0/g, "~")];
  return typeof cur === "object" && cur !== null ? resolveRef(cur as Json, root) : {};
}

/** Strip `null` out of a type union; returns the remaining schema and whether null was allowed. */
function nonNull(node: Json, root: Json): { node: Json; nullable: boolean } {
  const n = resolveRef(node, root);
  if (Array.isArray(n.type)) {
    const types = (n.type as string[]).filter((t) => t !== "null");
    const nullable = types.length !== (n.type as string[]).length;
    return { node: { ...n, type: types.length === 1 ? types[0] : types }, nullable };
  }
  for (const key of ["anyOf", "oneOf"]) {
    const alts = n[key];
    if (Array.isArray(alts)) {
      const rest = (alts as Json[]).filter((a) => resolveRef(a, root).type !== "null");
      if (rest.length !== alts.length && rest.length === 1)
        return { node: resolveRef(rest[0] as Json, root), nullable: true };
    }
  }
  return { node: n, nullable: false };
}

/** MLflow type spec (without name/required) of one JSON Schema node. */
function mlflowType(node: Json, root: Json): Json {
  const { node: n } = nonNull(node, root);
  const t = n.type;
  if (t === "number") return { type: "double" };
  if (t === "integer") {
    const min = typeof n.minimum === "number" ? n.minimum : Number.NEGATIVE_INFINITY;
    const max = typeof n.maximum === "number" ? n.maximum : Number.POSITIVE_INFINITY;
    return { type: min >= INT32_MIN && max <= INT32_MAX ? "integer" : "long" };
  }
  if (t === "boolean") return { type: "boolean" };
  if (t === "string") {
    if (n.format === "date-time" || n.format === "date") return { type: "datetime" };
    if (n.contentEncoding === "base64") return { type: "binary" };
    return { type: "string" };
  }
  if (t === "array") {
    const items = n.items;
    return {
      type: "array",
      items:
        typeof items === "object" && items !== null && !Array.isArray(items)
          ? mlflowType(items as Json, root)
          : { type: "any" },
    };
  }
  if (t === "object") {
    const props = (n.properties ?? {}) as Record<string, Json>;
    const names = Object.keys(props);
    if (names.length === 0) {
      const ap = n.additionalProperties;
      return {
        type: "map",
        values: typeof ap === "object" && ap !== null ? mlflowType(ap as Json, root) : { type: "any" },
      };
    }
    const required = new Set((n.required as string[] | undefined) ?? []);
    const properties: Record<string, Json> = {};
    for (const name of [...names].sort()) {
      const child = props[name] as Json;
      const { nullable } = nonNull(child, root);
      properties[name] = { ...mlflowType(child, root), required: required.has(name) && !nullable };
    }
    return { type: "object", properties };
  }
  return { type: "any" };
}

/** Top-level ColSpecs (MLflow JSON) of one row schema: object → named columns, anything else → one unnamed column. */
export function colSpecsFromJsonSchema(root: Json): Json[] {
  const { node } = nonNull(root, root);
  if (node.type === "object" && node.properties && Object.keys(node.properties as Json).length > 0) {
    const required = new Set((node.required as string[] | undefined) ?? []);
    return Object.entries(node.properties as Record<string, Json>).map(([name, child]) => {
      const { nullable } = nonNull(child, root);
      return { ...mlflowType(child, root), name, required: required.has(name) && !nullable };
    });
  }
  return [{ ...mlflowType(node, root), required: true }];
}

/** The MLflow schema JSON string (as written in MLmodel) derived from a row schema. */
export function schemaJsonFromStandardSchema(
  schema: StandardSchemaLike,
  io: "input" | "output",
  fallback?: JsonSchemaFallback,
): string {
  return pyJsonDumps(colSpecsFromJsonSchema(jsonSchemaOf(schema, io, fallback)));
}

/** Whether a row schema describes objects (records) rather than single values. */
export function isObjectRowSchema(schema: StandardSchemaLike, fallback?: JsonSchemaFallback): boolean {
  const root = jsonSchemaOf(schema, "input", fallback);
  const { node } = nonNull(root, root);
  return node.type === "object" && !!node.properties && Object.keys(node.properties as Json).length > 0;
}

/** The part of core's DataFrame that row-schema code reads. */
export interface FrameLike {
  readonly numRows: number;
  readonly columns: string[];
  toRecords(): Record<string, unknown>[];
}

/** core's DataFrame, checked by shape (so a second copy of core in the process is recognised too). */
export function isFrameLike(value: unknown): value is FrameLike {
  const v = value as Partial<FrameLike> | null;
  return (
    typeof v === "object" &&
    v !== null &&
    typeof v.numRows === "number" &&
    Array.isArray(v.columns) &&
    typeof v.toRecords === "function"
  );
}

/** Rows of a model input for row-schema validation: DataFrame → records (or one column's values), list → itself. */
export function rowsOf(input: PyFuncInput, objectRows: boolean): unknown[] {
  if (isFrameLike(input)) {
    if (objectRows) return input.toRecords();
    const first = input.columns[0];
    return first === undefined ? [] : input.toRecords().map((r) => r[first]);
  }
  if (Array.isArray(input)) return input;
  if (objectRows && typeof input === "object" && input !== null) {
    const values = Object.values(input);
    if (values.length > 0 && values.every(Array.isArray)) {
      const cols = Object.entries(input as Record<string, unknown[]>);
      const n = Math.max(...cols.map(([, v]) => v.length));
      return Array.from({ length: n }, (_, i) => Object.fromEntries(cols.map(([k, v]) => [k, v[i] ?? null])));
    }
  }
  return [input];
}

function issuePath(path: readonly (PropertyKey | { key: PropertyKey })[] | undefined): string {
  if (!path || path.length === 0) return "";
  return `${path.map((p) => String(typeof p === "object" ? p.key : p)).join(".")}: `;
}

/**
 * Validate every row with the schema; returns the parsed rows (with the schema's transforms/defaults applied).
 * Failures raise INVALID_PARAMETER_VALUE listing each row's problems.
 */
export async function validateRows(schema: StandardSchemaLike, rows: unknown[]): Promise<unknown[]> {
  const out: unknown[] = new Array(rows.length);
  const problems: string[] = [];
  for (let i = 0; i < rows.length; i++) {
    const result = await schema["~standard"].validate(rows[i]);
    if (result.issues) {
      for (const issue of result.issues) problems.push(`row ${i}: ${issuePath(issue.path)}${issue.message}`);
    } else out[i] = result.value;
  }
  if (problems.length > 0) {
    throw MlflowException.invalidParameter(
      `Failed to validate the model input against the model's input schema: ${problems.join("; ")}`,
    );
  }
  return out;
}

/** The row schemas a model declares for its input and output (MLflow: the type hints of `predict`). */
export interface RowSchemas {
  input?: StandardSchemaLike;
  output?: StandardSchemaLike;
}

/**
 * The signature dict (MLmodel's JSON strings) of declared row schemas, as MLflow's `_infer_signature_from_type_hints`:
 * the input schema gives `inputs`, the output schema (when declared) `outputs`. Save it with
 * `Model.isSignatureFromTypeHint = true` so core leaves the input to the row schema rather than re-splitting it.
 */
export function signatureFromRowSchemas(
  schemas: RowSchemas & { input: StandardSchemaLike },
  fallback?: JsonSchemaFallback,
): { inputs: string; outputs: string | null; params: null } {
  return {
    inputs: schemaJsonFromStandardSchema(schemas.input, "input", fallback),
    outputs: schemas.output ? schemaJsonFromStandardSchema(schemas.output, "output", fallback) : null,
    params: null,
  };
}

/**
 * What a model with a row schema receives: the input as rows (a DataFrame → records, or one column's values for a
 * non-object row schema), each validated and parsed by the schema (MLflow validates the input against the type hint).
 */
export function rowsValidator(
  schema: StandardSchemaLike,
  fallback?: JsonSchemaFallback,
): (input: PyFuncInput) => Promise<unknown[]> {
  const objectRows = isObjectRowSchema(schema, fallback);
  return (input) => validateRows(schema, rowsOf(input, objectRows));
}
