/**
 * MLflow's schema types (mlflow/types/schema.py): DataType, Array/Object/Map/Any column types,
 * ColSpec, TensorSpec, Schema, ParamSpec, ParamSchema. Their JSON is MLflow's exactly.
 */
import { MlflowException } from "../errors/mlflow-exception.js";
import { convertParamValue, paramTypeRepr } from "./params.js";
import { PyFloat, PyTuple, pyJsonDumps, pyRepr, pyStr } from "./pyjson.js";

export const DATA_TYPES = [
  "boolean",
  "integer",
  "long",
  "float",
  "double",
  "string",
  "binary",
  "datetime",
] as const;
/** MLflow's scalar column types (mlflow.types.DataType). */
export type DataType = (typeof DATA_TYPES)[number];

export function isDataType(value: unknown): value is DataType {
  return typeof value === "string" && (DATA_TYPES as readonly string[]).includes(value);
}

/** numpy dtype of each DataType (DataType.to_numpy()). */
export const NUMPY_TYPE_OF_DATA_TYPE: Record<DataType, string> = {
  boolean: "bool",
  integer: "int32",
  long: "int64",
  float: "float32",
  double: "float64",
  string: "str",
  binary: "bytes",
  datetime: "datetime64[ns]",
};

/** A JSON value as MLflow writes it. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
type JsonObject = { [key: string]: JsonValue };

const unsupportedType = (t: unknown): MlflowException =>
  new MlflowException(
    `Unsupported type '${pyStr(t)}', expected instance of DataType or one of ${pyRepr([...DATA_TYPES])}`,
    "INVALID_PARAMETER_VALUE",
  );

function asDataType(t: unknown): DataType {
  if (!isDataType(t)) throw unsupportedType(t);
  return t;
}

/** A column/property/item type: a DataType or one of the composite types. */
export type ColSpecType = DataType | ArrayType | ObjectType | MapType | AnyType;

function typeToDict(t: ColSpecType): JsonObject {
  return typeof t === "string" ? { type: t } : t.toDict();
}

export function typeRepr(t: ColSpecType): string {
  return typeof t === "string" ? t : t.repr();
}

/** Parse `{"type": ...}` of an item/property/value into a ColSpecType. */
function typeFromDict(d: unknown, where: string): ColSpecType {
  if (typeof d !== "object" || d === null || Array.isArray(d)) {
    throw new MlflowException(
      `Expected ${where} to be a dictionary of Object JSON`,
      "INVALID_PARAMETER_VALUE",
    );
  }
  const o = d as Record<string, unknown>;
  if (!("type" in o)) {
    throw new MlflowException(
      `Missing keys in ${where} JSON. Expected to find key \`type\``,
      "INVALID_PARAMETER_VALUE",
    );
  }
  switch (o.type) {
    case "array":
      return ArrayType.fromDict(o);
    case "object":
      return ObjectType.fromDict(o);
    case "map":
      return MapType.fromDict(o);
    case "any":
      return new AnyType();
    case "sparkml_vector":
      return new SparkMLVector();
    default:
      return asDataType(o.type);
  }
}

export function typesEqual(a: ColSpecType, b: ColSpecType): boolean {
  if (typeof a === "string" || typeof b === "string") return a === b;
  return a.equals(b);
}

/** MLflow `Array`: a list whose items are all of one type. */
export class ArrayType {
  readonly kind = "array" as const;
  constructor(readonly dtype: ColSpecType) {
    if (typeof dtype === "string") asDataType(dtype);
  }
  toDict(): JsonObject {
    return { type: "array", items: typeToDict(this.dtype) };
  }
  repr(): string {
    return `Array(${typeRepr(this.dtype)})`;
  }
  equals(o: ColSpecType): boolean {
    return o instanceof ArrayType && !(o instanceof SparkMLVector) && typesEqual(this.dtype, o.dtype);
  }
  static fromDict(d: Record<string, unknown>): ArrayType {
    if (!("items" in d) || !("type" in d)) {
      throw new MlflowException(
        "Missing keys in Array JSON. Expected to find keys `items` and `type`",
        "INVALID_PARAMETER_VALUE",
      );
    }
    if (d.type !== "array") throw new MlflowException("Type mismatch, Array expects `array` as the type");
    return new ArrayType(typeFromDict(d.items, "Array's items"));
  }
}

/** Spark ML vector (an Array of doubles written as `{"type": "sparkml_vector"}`). */
export class SparkMLVector extends ArrayType {
  constructor() {
    super("double");
  }
  override toDict(): JsonObject {
    return { type: "sparkml_vector" };
  }
  override repr(): string {
    return "SparkML vector";
  }
  override equals(o: ColSpecType): boolean {
    return o instanceof SparkMLVector;
  }
}

/** One named field of an {@link ObjectType}. */
export class Property {
  constructor(
    readonly name: string,
    readonly dtype: ColSpecType,
    readonly required = true,
  ) {
    if (typeof name !== "string") {
      throw MlflowException.invalidParameter(`Expected name to be a string, got type ${typeof name}`);
    }
    if (typeof dtype === "string") asDataType(dtype);
  }
  toDict(): JsonObject {
    return { [this.name]: { ...typeToDict(this.dtype), required: this.required } };
  }
  repr(): string {
    return `${this.name}: ${typeRepr(this.dtype)} (${this.required ? "required" : "optional"})`;
  }
  equals(o: Property): boolean {
    return this.name === o.name && this.required === o.required && typesEqual(this.dtype, o.dtype);
  }
  static fromDict(name: string, d: unknown): Property {
    if (typeof d !== "object" || d === null || Array.isArray(d)) {
      throw new MlflowException("Expected properties to be a dictionary of Property JSON");
    }
    const o = d as Record<string, unknown>;
    if (!("type" in o)) {
      throw new MlflowException(`Missing keys in Property \`${name}\`. Expected to find key \`type\``);
    }
    const required = o.required === undefined ? true : Boolean(o.required);
    return new Property(name, typeFromDict(o, `Property \`${name}\``), required);
  }
}

/** MLflow `Object`: a dict with named, typed properties (kept sorted by name, as MLflow). */
export class ObjectType {
  readonly kind = "object" as const;
  readonly properties: readonly Property[];
  constructor(properties: readonly Property[]) {
    if (!Array.isArray(properties)) {
      throw MlflowException.invalidParameter(
        `Expected properties to be a list, got type ${typeof properties}`,
      );
    }
    if (properties.length === 0) {
      throw MlflowException.invalidParameter("Creating Object with empty properties is not allowed.");
    }
    const seen = new Set<string>();
    const dups = new Set<string>();
    for (const p of properties) {
      if (!(p instanceof Property))
        throw MlflowException.invalidParameter("Expected values to be instance of Property");
      if (seen.has(p.name)) dups.add(p.name);
      seen.add(p.name);
    }
    if (dups.size > 0) {
      throw MlflowException.invalidParameter(`Found duplicated property names: \`${[...dups].join(", ")}\``);
    }
    // Python sorts by str comparison (code points); JS default sort compares UTF-16 units.
    this.properties = [...properties].sort((a, b) => comparePyStr(a.name, b.name));
  }
  toDict(): JsonObject {
    const props: JsonObject = {};
    for (const p of this.properties) Object.assign(props, p.toDict());
    return { type: "object", properties: props };
  }
  repr(): string {
    return `{${this.properties.map((p) => p.repr()).join(", ")}}`;
  }
  equals(o: ColSpecType): boolean {
    return (
      o instanceof ObjectType &&
      o.properties.length === this.properties.length &&
      this.properties.every((p, i) => p.equals(o.properties[i]!))
    );
  }
  static fromDict(d: Record<string, unknown>): ObjectType {
    if (!("properties" in d) || !("type" in d)) {
      throw new MlflowException("Missing keys in Object JSON. Expected to find keys `properties` and `type`");
    }
    if (d.type !== "object") throw new MlflowException("Type mismatch, Object expects `object` as the type");
    const props = d.properties;
    if (typeof props !== "object" || props === null || Array.isArray(props)) {
      throw new MlflowException("Expected properties to be a dictionary of Property JSON");
    }
    return new ObjectType(Object.entries(props).map(([k, v]) => Property.fromDict(k, v)));
  }
}

function comparePyStr(a: string, b: string): number {
  const ca = [...a];
  const cb = [...b];
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
    const x = ca[i]!.codePointAt(0)!;
    const y = cb[i]!.codePointAt(0)!;
    if (x !== y) return x - y;
  }
  return ca.length - cb.length;
}

/** MLflow `Map`: a dict with string keys and values of one type. */
export class MapType {
  readonly kind = "map" as const;
  constructor(readonly valueType: ColSpecType) {
    if (typeof valueType === "string") asDataType(valueType);
  }
  toDict(): JsonObject {
    return { type: "map", values: typeToDict(this.valueType) };
  }
  repr(): string {
    return `Map(str -> ${typeRepr(this.valueType)})`;
  }
  equals(o: ColSpecType): boolean {
    return o instanceof MapType && typesEqual(this.valueType, o.valueType);
  }
  static fromDict(d: Record<string, unknown>): MapType {
    if (!("values" in d) || !("type" in d)) {
      throw new MlflowException("Missing keys in Array JSON. Expected to find keys `items` and `type`");
    }
    if (d.type !== "map") throw new MlflowException("Type mismatch, Map expects `map` as the type");
    return new MapType(typeFromDict(d.values, "Map's items"));
  }
}

/** MLflow `AnyType`: no validation, None allowed. */
export class AnyType {
  readonly kind = "any" as const;
  toDict(): JsonObject {
    return { type: "any" };
  }
  repr(): string {
    return "Any";
  }
  equals(o: ColSpecType): boolean {
    return o instanceof AnyType;
  }
}

/** A column of a column-based schema. JSON: `{"type", "name"?, "required"}` (composite types first). */
export class ColSpec {
  readonly type: ColSpecType;
  readonly name: string | null;
  readonly required: boolean;
  constructor(type: ColSpecType, name: string | null = null, required = true) {
    this.type = typeof type === "string" ? asDataType(type) : type;
    this.name = name ?? null;
    this.required = required;
  }
  toDict(): JsonObject {
    const d: JsonObject = typeToDict(this.type);
    if (this.name !== null) d.name = this.name;
    d.required = this.required;
    return d;
  }
  get isTensor(): false {
    return false;
  }
  repr(): string {
    const req = this.required ? "required" : "optional";
    return this.name === null
      ? `${typeRepr(this.type)} (${req})`
      : `${pyRepr(this.name)}: ${typeRepr(this.type)} (${req})`;
  }
  equals(o: ColSpec | TensorSpec): boolean {
    return (
      o instanceof ColSpec &&
      o.name === this.name &&
      o.required === this.required &&
      typesEqual(this.type, o.type)
    );
  }
  /** Reads MLflow's ColSpec JSON; accepts the legacy `optional` key (MLflow 2.4–2.9). */
  static fromDict(d: Record<string, unknown>): ColSpec {
    if (!("type" in d))
      throw new MlflowException("Missing keys in ColSpec JSON. Expected to find key `type`");
    const name = d.name === undefined || d.name === null ? null : String(d.name);
    let required = true;
    if (d.required !== undefined && d.required !== null) required = Boolean(d.required);
    else if (d.optional !== undefined && d.optional !== null) required = !d.optional;
    if (["array", "object", "map", "sparkml_vector", "any"].includes(d.type as string)) {
      const rest: Record<string, unknown> = { ...d };
      delete rest.name;
      delete rest.required;
      delete rest.optional;
      return new ColSpec(typeFromDict(rest, "ColSpec"), name, required);
    }
    for (const k of Object.keys(d)) {
      if (!["type", "name", "required", "optional"].includes(k)) {
        throw new MlflowException(`ColSpec.__init__() got an unexpected keyword argument '${k}'`);
      }
    }
    return new ColSpec(asDataType(d.type), name, required);
  }
}

/** numpy dtype names accepted in TensorSpec, with numpy's aliases normalized. */
const NUMPY_DTYPE_ALIASES: Record<string, string> = {
  bool: "bool",
  bool_: "bool",
  "?": "bool",
  int8: "int8",
  int16: "int16",
  int32: "int32",
  int64: "int64",
  int: "int64",
  long: "int64",
  uint8: "uint8",
  uint16: "uint16",
  uint32: "uint32",
  uint64: "uint64",
  float16: "float16",
  half: "float16",
  float32: "float32",
  single: "float32",
  float64: "float64",
  float: "float64",
  double: "float64",
  float128: "float128",
  longdouble: "float128",
  complex64: "complex64",
  complex128: "complex128",
  complex: "complex128",
  str: "str",
  str_: "str",
  unicode: "str",
  U: "str",
  bytes: "bytes",
  bytes_: "bytes",
  S: "bytes",
  object: "object",
  object_: "object",
  O: "object",
  "datetime64[ns]": "datetime64[ns]",
  "datetime64[us]": "datetime64[us]",
  "datetime64[ms]": "datetime64[ms]",
  "datetime64[s]": "datetime64[s]",
  "datetime64[D]": "datetime64[D]",
  datetime64: "datetime64",
  "timedelta64[ns]": "timedelta64[ns]",
  timedelta64: "timedelta64",
};

/** Normalize a numpy dtype name as `np.dtype(x).name` would; refuse sized strings like `<U10`. */
export function normalizeNumpyDType(dtype: unknown): string {
  if (typeof dtype !== "string") throw new MlflowException(`data type ${pyRepr(dtype)} not understood`);
  const known = NUMPY_DTYPE_ALIASES[dtype];
  if (known) return known;
  const sized = /^[<>|=]?([USa])(\d+)$/.exec(dtype);
  if (sized) {
    const base = sized[1] === "U" ? "str" : "bytes";
    throw new MlflowException(
      `MLflow does not support size information in flexible numpy data types. Use np.dtype("${base}") instead`,
    );
  }
  const short: Record<string, string> = {
    b1: "bool",
    i1: "int8",
    i2: "int16",
    i4: "int32",
    i8: "int64",
    u1: "uint8",
    u2: "uint16",
    u4: "uint32",
    u8: "uint64",
    f2: "float16",
    f4: "float32",
    f8: "float64",
  };
  const m = /^[<>|=]?([a-z]\d)$/.exec(dtype);
  if (m && short[m[1]!]) return short[m[1]!]!;
  throw new MlflowException(`data type ${pyRepr(dtype)} not understood`);
}

/** A tensor input/output: numpy dtype and shape (-1 = free dimension). Always required. */
export class TensorSpec {
  readonly type: string;
  readonly shape: readonly number[];
  readonly name: string | null;
  constructor(type: string, shape: readonly number[], name: string | null = null) {
    if (!Array.isArray(shape)) {
      throw new MlflowException(
        `Expected \`shape\` to be instance of \`<class 'tuple'>\` or \`<class 'list'>\`, received \`${typeof shape}\``,
      );
    }
    this.type = normalizeNumpyDType(type);
    this.shape = shape.map((d) => Number(d));
    this.name = name ?? null;
  }
  get required(): true {
    return true;
  }
  get isTensor(): true {
    return true;
  }
  /** numpy dtype name, as `TensorSpec.type` in MLflow */
  get dtype(): string {
    return this.type;
  }
  toDict(): JsonObject {
    const spec: JsonObject = { dtype: this.type, shape: [...this.shape] };
    return this.name === null
      ? { type: "tensor", "tensor-spec": spec }
      : { name: this.name, type: "tensor", "tensor-spec": spec };
  }
  /** The shape as Python prints the tuple: `(-1, 4)`, `(-1,)`. */
  shapeRepr(): string {
    return pyRepr(new PyTuple(this.shape));
  }
  repr(): string {
    const info = `Tensor(${pyRepr(this.type)}, ${this.shapeRepr()})`;
    return this.name === null ? info : `${pyRepr(this.name)}: ${info}`;
  }
  equals(o: ColSpec | TensorSpec): boolean {
    return (
      o instanceof TensorSpec &&
      o.name === this.name &&
      o.type === this.type &&
      o.shape.length === this.shape.length &&
      o.shape.every((d, i) => d === this.shape[i])
    );
  }
  static fromDict(d: Record<string, unknown>): TensorSpec {
    if (!("tensor-spec" in d) || !("type" in d)) {
      throw new MlflowException(
        "Missing keys in TensorSpec JSON. Expected to find keys `tensor-spec` and `type`",
      );
    }
    if (d.type !== "tensor")
      throw new MlflowException("Type mismatch, TensorSpec expects `tensor` as the type");
    const info = d["tensor-spec"] as Record<string, unknown> | null;
    if (typeof info !== "object" || info === null || !("dtype" in info) || !("shape" in info)) {
      throw new MlflowException("Missing keys in TensorSpec JSON. Expected to find keys `dtype` and `shape`");
    }
    if (!Array.isArray(info.shape)) throw new MlflowException("TensorSpec shape must be a list");
    const name = d.name === undefined || d.name === null ? null : String(d.name);
    return new TensorSpec(info.dtype as string, info.shape as number[], name);
  }
}

export type InputSpec = ColSpec | TensorSpec;

/** A list of ColSpecs or of TensorSpecs: the inputs or outputs of a model (MLflow `Schema`). */
export class Schema {
  readonly inputs: readonly InputSpec[];
  constructor(inputs: readonly InputSpec[]) {
    if (!Array.isArray(inputs)) {
      throw MlflowException.invalidParameter(`Inputs of Schema must be a list, got type ${typeof inputs}`);
    }
    if (inputs.length === 0)
      throw MlflowException.invalidParameter("Creating Schema with empty inputs is not allowed.");
    const names = inputs.map((x) => x.name);
    const allNamed = names.every((n) => n !== null);
    const allUnnamed = names.every((n) => n === null);
    if (!(allNamed || allUnnamed)) {
      throw new MlflowException(
        `Creating Schema with a combination of named and unnamed inputs is not allowed. Got input names ${pyRepr(names)}`,
      );
    }
    const tensors = inputs.every((x) => x instanceof TensorSpec);
    const cols = inputs.every((x) => x instanceof ColSpec);
    if (!(tensors || cols)) {
      throw new MlflowException(
        "Creating Schema with a combination of {0} and {1} is not supported. Please choose one of ColSpec or TensorSpec",
      );
    }
    if (tensors && inputs.length > 1 && !allNamed) {
      throw new MlflowException(
        "Creating Schema with multiple unnamed TensorSpecs is not supported. Please provide names for each TensorSpec.",
      );
    }
    if (allUnnamed && inputs.some((x) => x.required === false)) {
      throw new MlflowException(
        "Creating Schema with unnamed optional inputs is not supported. Please name all inputs or make all inputs required.",
      );
    }
    this.inputs = [...inputs];
  }

  get length(): number {
    return this.inputs.length;
  }

  isTensorSpec(): boolean {
    return this.inputs[0] instanceof TensorSpec;
  }

  hasInputNames(): boolean {
    return this.inputs[0]!.name !== null;
  }

  /** `x.name or i`, as MLflow (an empty name counts as positional). */
  inputNames(): (string | number)[] {
    return this.inputs.map((x, i) => (x.name ? x.name : i));
  }

  requiredInputNames(): (string | number)[] {
    return this.inputs.flatMap((x, i) => (x.required ? [x.name ? x.name : i] : []));
  }

  optionalInputNames(): (string | number)[] {
    return this.inputs.flatMap((x, i) => (x.required ? [] : [x.name ? x.name : i]));
  }

  inputTypes(): (ColSpecType | string)[] {
    return this.inputs.map((x) => x.type);
  }

  inputDict(): Map<string, InputSpec> {
    if (!this.hasInputNames()) throw new MlflowException("Cannot get input dict for schema without names.");
    return new Map(this.inputs.map((x) => [x.name as string, x]));
  }

  inputTypesDict(): Map<string, ColSpecType | string> {
    if (!this.hasInputNames()) {
      throw new MlflowException("Cannot get input types as a dict for schema without names.");
    }
    return new Map(this.inputs.map((x) => [x.name as string, x.type]));
  }

  /** numpy dtypes: TensorSpec types, or each DataType's numpy type. */
  numpyTypes(): string[] {
    return this.inputs.map((x) => {
      if (x instanceof TensorSpec) return x.type;
      if (typeof x.type === "string") return NUMPY_TYPE_OF_DATA_TYPE[x.type];
      throw new MlflowException("Failed to get numpy types as some of the inputs types are not DataType.");
    });
  }

  toDict(): JsonObject[] {
    return this.inputs.map((x) => x.toDict());
  }

  /** `json.dumps([...])` exactly as MLflow writes it. */
  toJson(): string {
    return pyJsonDumps(this.toDict());
  }

  repr(): string {
    return `[${this.inputs.map((x) => x.repr()).join(", ")}]`;
  }

  toString(): string {
    return this.repr();
  }

  equals(o: Schema | null | undefined): boolean {
    return (
      o instanceof Schema &&
      o.inputs.length === this.inputs.length &&
      this.inputs.every((x, i) => x.equals(o.inputs[i]!))
    );
  }

  /** Reads a schema from its JSON string (as in MLmodel) or the parsed list. */
  static fromJson(json: string | readonly unknown[]): Schema {
    const list = typeof json === "string" ? parseJsonList(json) : json;
    if (!Array.isArray(list))
      throw new MlflowException("Schema JSON must be a list", "INVALID_PARAMETER_VALUE");
    return new Schema(
      list.map((x) => {
        if (typeof x !== "object" || x === null || Array.isArray(x)) {
          throw new MlflowException("Each schema entry must be a JSON object", "INVALID_PARAMETER_VALUE");
        }
        const o = x as Record<string, unknown>;
        return o.type === "tensor" ? TensorSpec.fromDict(o) : ColSpec.fromDict(o);
      }),
    );
  }
}

function parseJsonList(json: string): unknown[] {
  let parsed: unknown;
  try {
    // Python's json accepts NaN/Infinity tokens; a schema never needs them, so plain JSON is enough.
    parsed = JSON.parse(json);
  } catch (e) {
    throw new MlflowException(`Invalid schema JSON: ${(e as Error).message}`, "INVALID_PARAMETER_VALUE");
  }
  if (!Array.isArray(parsed))
    throw new MlflowException("Schema JSON must be a list", "INVALID_PARAMETER_VALUE");
  return parsed;
}

export type ParamType = Exclude<DataType, "binary"> | ObjectType;

/** Key orders of ParamSpec JSON: MLflow >= 2.18/3.x writes name, default, shape, type; 2.x before wrote name, type, default, shape. */
export type ParamSpecKeyOrder = "name-default-shape-type" | "name-type-default-shape";

/** A model parameter (MLflow `ParamSpec`): name, type, default and shape (null or [-1]). */
export class ParamSpec {
  readonly name: string;
  readonly dtype: ParamType;
  readonly default: unknown;
  readonly shape: readonly number[] | null;
  /** Key order used by {@link toDict}; set from the JSON read so a legacy signature round-trips byte for byte. */
  keyOrder: ParamSpecKeyOrder = "name-default-shape-type";

  constructor(
    name: string,
    dtype: ParamType | string,
    defaultValue: unknown,
    shape: readonly number[] | null = null,
  ) {
    this.name = String(name);
    if (shape !== null && shape !== undefined && !Array.isArray(shape)) {
      throw MlflowException.invalidParameter(`ParamSpec shape must be None or a list, got ${pyStr(shape)}`);
    }
    // MLflow accepts only None or (-1,) later on; anything but numbers is refused here, before Number() sees it
    if (shape !== null && shape !== undefined && !shape.every((d: unknown) => typeof d === "number")) {
      throw MlflowException.invalidParameter(
        "Shape must be None for scalar or dictionary value, or (-1,) for 1D array value",
      );
    }
    this.shape = shape === null || shape === undefined ? null : [...shape];
    if (typeof dtype === "string") {
      if (dtype === "binary") {
        throw MlflowException.invalidParameter(
          `Binary type is not supported for parameters, ParamSpec '${this.name}'has dtype 'binary'`,
        );
      }
      if (!isDataType(dtype)) {
        throw MlflowException.invalidParameter(
          `Unsupported type '${dtype}', expected instance of DataType or one of ${pyRepr(DATA_TYPES.filter((t) => t !== "binary"))}`,
        );
      }
      this.dtype = dtype as ParamType;
    } else if (dtype instanceof ObjectType) {
      this.dtype = dtype;
    } else {
      throw new MlflowException(`'dtype' must be DataType, Object or str, got ${pyStr(dtype)}`);
    }
    this.default = defaultValue;
    this.default = ParamSpec.validateTypeAndShape(this.repr(), defaultValue, this.dtype, this.shape);
  }

  /** MLflow's `ParamSpec.validate_type_and_shape`: returns the converted value or throws. */
  static validateTypeAndShape(
    spec: string,
    value: unknown,
    type: ParamType,
    shape: readonly number[] | null,
  ): unknown {
    const isShape1d = shape !== null && shape.length === 1 && shape[0] === -1;
    if (isShape1d) {
      const nd = ndim(value);
      if (!Array.isArray(value) || nd !== 1) {
        throw MlflowException.invalidParameter(
          `Value must be a 1D array with shape (-1,) for param ${spec}, received ${pyTypeName(value)} with ndim ${nd}`,
        );
      }
    }
    try {
      if (shape === null) return convertParamValue(value, type);
      if (isShape1d) return (value as unknown[]).map((v) => convertParamValue(v, type));
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      throw MlflowException.invalidParameter(`Failed to validate type and shape for ${spec}, error: ${msg}`);
    }
    throw MlflowException.invalidParameter(
      `Shape must be None for scalar or dictionary value, or (-1,) for 1D array value for ParamSpec ${spec}), received ${pyRepr(new PyTuple(shape))}`,
    );
  }

  static validateParamSpec(value: unknown, spec: ParamSpec): unknown {
    return ParamSpec.validateTypeAndShape(spec.repr(), value, spec.dtype, spec.shape);
  }

  repr(): string {
    const shape = this.shape === null ? "" : ` (shape: ${pyRepr(new PyTuple(this.shape))})`;
    const def = toJsonDefault(this.default, this.dtype);
    const shown =
      def instanceof PyFloat ? pyRepr(def) : Array.isArray(def) ? pyRepr(def) : pyStr(this.default);
    return `${pyRepr(this.name)}: ${paramTypeRepr(this.dtype)} (default: ${shown})${shape}`;
  }

  /** The JSON dict MLflow writes (plain JS values). */
  toDict(): JsonObject {
    return JSON.parse(JSON.stringify(this.toPyJsonable(), (_k, v) => (v instanceof PyFloat ? v.value : v)));
  }

  /** As {@link toDict}, with float-typed numbers wrapped in {@link PyFloat} for {@link pyJsonDumps}. */
  toPyJsonable(): Record<string, unknown> {
    const shape = this.shape === null ? null : [...this.shape];
    const def = toJsonDefault(this.default, this.dtype);
    const typePart: JsonObject = typeof this.dtype === "string" ? { type: this.dtype } : this.dtype.toDict();
    if (this.keyOrder === "name-type-default-shape") {
      return { name: this.name, ...typePart, default: def, shape };
    }
    return { name: this.name, default: def, shape, ...typePart };
  }

  equals(o: ParamSpec): boolean {
    return (
      this.name === o.name &&
      pyJsonDumps(this.toPyJsonable()) === pyJsonDumps(o.toPyJsonable()) &&
      (typeof this.dtype === "string"
        ? this.dtype === o.dtype
        : typesEqual(this.dtype, o.dtype as ObjectType))
    );
  }

  static fromDict(d: Record<string, unknown>): ParamSpec {
    const hasType = "type" in d;
    const hasDtype = "dtype" in d;
    if (!("name" in d) || !("default" in d) || !(hasType || hasDtype)) {
      throw MlflowException.invalidParameter(
        `Missing keys in ParamSpec JSON. Expected to find keys \`name\`, \`type\`(or \`dtype\`) and \`default\`. Received keys: dict_keys(${pyRepr(Object.keys(d))})`,
      );
    }
    const t = (d.type ?? d.dtype) as unknown;
    const dtype: ParamType | string =
      t === "object" ? ObjectType.fromDict({ ...d, type: "object" }) : (t as string);
    if (typeof dtype === "string" && !isDataType(dtype))
      throw MlflowException.invalidParameter(`'${pyStr(dtype)}'`);
    const shape = d.shape === undefined || d.shape === null ? null : (d.shape as number[]);
    const spec = new ParamSpec(String(d.name), dtype, d.default, shape);
    const keys = Object.keys(d);
    if (
      keys.indexOf("type") >= 0 &&
      keys.indexOf("default") >= 0 &&
      keys.indexOf("type") < keys.indexOf("default")
    ) {
      spec.keyOrder = "name-type-default-shape";
    }
    return spec;
  }
}

/** JSON form of a (converted) param value: floats marked as floats, datetimes as ISO strings. */
function toJsonDefault(value: unknown, dtype: ParamType): unknown {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map((v) => toJsonDefault(v, dtype));
  if ((dtype === "float" || dtype === "double") && typeof value === "number") {
    return new PyFloat(value);
  }
  return value;
}

/** numpy's `np.array(value).ndim` for JSON-like values. */
function ndim(value: unknown): number {
  if (!Array.isArray(value)) return 0;
  if (value.length === 0) return 1;
  const inner = value.map(ndim);
  const first = inner[0]!;
  const lens = value.map((v) => (Array.isArray(v) ? v.length : -1));
  return inner.every((d) => d === first) && lens.every((l) => l === lens[0]) ? 1 + first : 1;
}

/** Python's `type(value).__name__` for a JS value. */
export function pyTypeName(value: unknown): string {
  if (value === null || value === undefined) return "NoneType";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "number") return Number.isInteger(value) ? "int" : "float";
  if (typeof value === "bigint") return "int";
  if (typeof value === "string") return "str";
  if (Array.isArray(value)) return "list";
  if (value instanceof Uint8Array) return "bytes";
  if (ArrayBuffer.isView(value)) return "ndarray";
  if (value instanceof Date) return "datetime";
  if (typeof value === "object") return "dict";
  return typeof value;
}

/** The ordered list of a model's parameters (MLflow `ParamSchema`). */
export class ParamSchema {
  readonly params: readonly ParamSpec[];
  constructor(params: readonly ParamSpec[]) {
    if (!params.every((p) => p instanceof ParamSpec)) {
      throw MlflowException.invalidParameter("ParamSchema inputs only accept <class 'type'>");
    }
    const seen = new Set<string>();
    const dups: string[] = [];
    for (const p of params) {
      if (seen.has(p.name)) dups.push(p.name);
      seen.add(p.name);
    }
    if (dups.length > 0)
      throw MlflowException.invalidParameter(`Duplicated parameters found in schema: ${pyRepr(dups)}`);
    this.params = [...params];
  }
  get length(): number {
    return this.params.length;
  }
  toDict(): JsonObject[] {
    return this.params.map((p) => p.toDict());
  }
  toJson(): string {
    return pyJsonDumps(this.params.map((p) => p.toPyJsonable()));
  }
  repr(): string {
    return `[${this.params.map((p) => p.repr()).join(", ")}]`;
  }
  toString(): string {
    return this.repr();
  }
  equals(o: ParamSchema | null | undefined): boolean {
    return (
      o instanceof ParamSchema &&
      o.params.length === this.params.length &&
      this.params.every((p, i) => p.equals(o.params[i]!))
    );
  }
  static fromJson(json: string | readonly unknown[]): ParamSchema {
    const list = typeof json === "string" ? parseJsonList(json) : json;
    if (!Array.isArray(list)) throw MlflowException.invalidParameter("ParamSchema JSON must be a list");
    return new ParamSchema(
      list.map((x) => {
        if (typeof x !== "object" || x === null || Array.isArray(x)) {
          throw MlflowException.invalidParameter("Each ParamSpec entry must be a JSON object");
        }
        return ParamSpec.fromDict(x as Record<string, unknown>);
      }),
    );
  }
}
