/**
 * A plain-JSON view of a model's input and params schemas, as the protocol parser needs them.
 * Accepts MLflow's JSON (the strings stored in MLmodel's `signature` block, or the parsed lists) and any
 * schema object exposing `toJson()` / `toDict()` (core's Schema / ParamSchema classes), so the parser does not
 * depend on one class layout.
 */
export interface ColSpecJson {
  type: string;
  name?: string;
  required?: boolean;
  optional?: boolean;
  items?: unknown;
  properties?: unknown;
  values?: unknown;
}

export interface TensorSpecJson {
  type: "tensor";
  name?: string;
  "tensor-spec": { dtype: string; shape: number[] };
}

export type InputSpecJson = ColSpecJson | TensorSpecJson;

export interface ParamSpecJson {
  name: string;
  type?: string;
  dtype?: string;
  default?: unknown;
  shape?: number[] | null;
}

/** What a schema argument may be: JSON text, the parsed list, or an object with toJson()/toDict(). */
export type SchemaSource =
  | string
  | readonly unknown[]
  | { toJson(): unknown }
  | { toDict(): unknown }
  | { inputs: readonly unknown[] }
  | { params: readonly unknown[] }
  | null
  | undefined;

export interface ScoringSchemas {
  inputs?: SchemaSource;
  params?: SchemaSource;
}

export interface InputSchemaView {
  readonly specs: readonly InputSpecJson[];
  readonly isTensor: boolean;
  readonly hasNames: boolean;
  readonly names: readonly string[];
}

function toList(source: SchemaSource, key: "inputs" | "params"): unknown[] | undefined {
  if (source === null || source === undefined) return undefined;
  let value: unknown = source;
  for (let depth = 0; depth < 4; depth++) {
    if (typeof value === "string") value = JSON.parse(value);
    else if (Array.isArray(value)) return value as unknown[];
    else if (typeof value === "object" && value !== null) {
      const o = value as Record<string, unknown>;
      if (typeof o.toJson === "function") value = (o.toJson as () => unknown).call(o);
      else if (typeof o.toDict === "function") value = (o.toDict as () => unknown).call(o);
      else if (Array.isArray(o[key])) value = o[key];
      else if (Array.isArray(o.inputs)) value = o.inputs;
      else return undefined;
    } else return undefined;
  }
  return undefined;
}

function plainSpec(spec: unknown): Record<string, unknown> {
  if (typeof spec !== "object" || spec === null) return {};
  const o = spec as Record<string, unknown>;
  if (typeof o.toDict === "function") return (o.toDict as () => Record<string, unknown>).call(o);
  if (typeof o.toJson === "function") {
    const j = (o.toJson as () => unknown).call(o);
    return (typeof j === "string" ? JSON.parse(j) : j) as Record<string, unknown>;
  }
  return o;
}

export function inputSchemaView(source: SchemaSource): InputSchemaView | undefined {
  const list = toList(source, "inputs");
  if (list === undefined || list.length === 0) return undefined;
  const specs = list.map((s) => plainSpec(s) as unknown as InputSpecJson);
  const isTensor = specs.every((s) => s.type === "tensor");
  const hasNames = specs.every((s) => typeof s.name === "string");
  return { specs, isTensor, hasNames, names: hasNames ? specs.map((s) => s.name as string) : [] };
}

export function paramSchemaView(source: SchemaSource): ParamSpecJson[] | undefined {
  const list = toList(source, "params");
  if (list === undefined) return undefined;
  return list.map((s) => plainSpec(s) as unknown as ParamSpecJson);
}

/**
 * The specs of one signature block (`inputs`, `outputs` or `params`), as plain JSON, for code that describes a
 * model (v2 metadata, OpenAPI, `pyfunc info`, flavors reading their own signature): undefined when the block is
 * absent or is not a JSON list (a damaged MLmodel describes as "no schema" instead of failing).
 */
export function signatureSpecs(source: SchemaSource): InputSpecJson[] | undefined {
  try {
    const list = toList(source, "inputs");
    return list?.map((s) => plainSpec(s) as unknown as InputSpecJson);
  } catch {
    return undefined;
  }
}

/** `inputSchemaView` for describing a model: undefined instead of an error when the block is not valid JSON. */
export function describeSchemaView(source: SchemaSource): InputSchemaView | undefined {
  try {
    return inputSchemaView(source);
  } catch {
    return undefined;
  }
}

/** The numpy dtype a spec casts to on the serving path (ColSpec DataType or TensorSpec dtype). */
export function specNumpyType(spec: InputSpecJson): string {
  if (spec.type === "tensor") return (spec as TensorSpecJson)["tensor-spec"].dtype;
  switch (spec.type) {
    case "boolean":
      return "bool";
    case "integer":
      return "int32";
    case "long":
      return "int64";
    case "float":
      return "float32";
    case "double":
      return "float64";
    case "string":
      return "object";
    case "binary":
      return "bytes";
    case "datetime":
      return "datetime64[ns]";
    default:
      return "object";
  }
}

export function isScalarColSpec(spec: InputSpecJson): boolean {
  return ["boolean", "integer", "long", "float", "double", "string", "binary", "datetime"].includes(
    spec.type,
  );
}

/**
 * Which spec of an input schema applies to each column of a frame with these column names, as the scoring
 * server's JSON path casts them: by name for a named schema, by position for an unnamed one. Columns without a
 * spec are absent from the map. The one mapping of the general frame builder and the fast JSON scanner.
 */
export function columnSpecsByName(
  names: readonly string[],
  view: InputSchemaView | undefined,
): Map<string, InputSpecJson> {
  const specByName = new Map<string, InputSpecJson>();
  if (view !== undefined) {
    if (view.hasNames) for (const s of view.specs) specByName.set(s.name as string, s);
    else {
      view.specs.forEach((s, i) => {
        if (i < names.length) specByName.set(names[i]!, s);
      });
    }
  }
  return specByName;
}
