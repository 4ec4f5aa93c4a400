import { readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import yaml from "js-yaml";
import { MlflowException } from "../errors/mlflow-exception.js";
import { resolveInsideModelDir } from "../paths/resolve-inside.js";
import type { ParamSchema, Schema } from "../schema/types.js";
import { ModelSignature } from "../signature/signature.js";
import { extractWholeFloats, MLMODEL_DUMP_SCHEMA, MLMODEL_LOAD_SCHEMA, markWholeFloats } from "./py-float.js";
import { foldLikePyYaml } from "./pyyaml-style.js";

/** One flavor's block in MLmodel (`flavors.<name>`), e.g. the `python_function` or `onnx` block. */
export type FlavorConfig = Record<string, unknown>;

/** The file name MLflow uses for the model metadata. */
export const MLMODEL_FILE_NAME = "MLmodel";

/** Largest MLmodel file we parse (MLflow's are a few KiB; this bounds untrusted input). */
export const MAX_MLMODEL_BYTES = 16 * 1024 * 1024;

/** The `signature` block as written: each entry is a JSON string (or null). */
export interface SignatureDict {
  inputs: string | null;
  outputs: string | null;
  /** Absent in MLmodel files written before MLflow 2.6. */
  params?: string | null;
}

/** `saved_input_example_info` (MLflow `_Example.info`). Unknown keys are kept. */
export interface SavedInputExampleInfo {
  artifact_path: string;
  /** `dataframe` | `ndarray` | `json_object` | `sparse_matrix_csc` | `sparse_matrix_csr` */
  type: string;
  /** `split` or `values`; dataframe examples only. */
  pandas_orient?: string;
  /** `serving_input_example.json`; since MLflow 2.15. */
  serving_input_path?: string;
  /** The string `"true"` when the example carried params. */
  params?: string;
  /** Legacy (≤ 2.15) `tf-serving` for ndarray examples. */
  format?: string;
  [key: string]: unknown;
}

/** The plain-object form of MLmodel: snake_case keys exactly as in the YAML file. */
export type ModelDict = Record<string, unknown>;

/** Top-level keys with a typed field on Model; everything else goes to `extra`. */
const KNOWN_KEYS = new Set([
  "artifact_path",
  "flavors",
  "model_uuid",
  "model_id",
  "run_id",
  "utc_time_created",
  "mlflow_version",
  "signature",
  "is_signature_from_type_hint",
  "type_hint_from_example",
  "saved_input_example_info",
  "metadata",
  "model_size_bytes",
  "databricks_runtime",
  "resources",
  "auth_policy",
  "env_vars",
  "prompts",
]);

/**
 * The parsed MLmodel file, mirroring Python's `mlflow.models.Model`.
 *
 * Field presence is kept exactly: a field that is `undefined` was absent from the file and is not
 * written back; `null` was written as `null` (MLflow writes `model_id: null` and `prompts: null`).
 * Unknown top-level keys live in `extra` and survive a read/write round trip.
 */
export class Model {
  /** MLflow 2: run-relative path (`model`); MLflow 3: the LoggedModel artifact location. */
  artifactPath?: string | null;
  /** flavor name → flavor block. */
  flavors: Record<string, FlavorConfig> = {};
  /** uuid4 hex (32 chars) for `save_model`; equals `model_id` for MLflow 3 `log_model`. */
  modelUuid: string | null = null;
  /** `m-<32 hex>` (MLflow ≥ 3.0); written as null by 3.x `save_model`, absent in 2.x files. */
  modelId?: string | null;
  runId?: string | null;
  /** Python `str(datetime.utcnow())`: `YYYY-MM-DD HH:MM:SS[.ffffff]`. */
  utcTimeCreated: string | null = null;
  mlflowVersion: string | null = null;
  /** Raw signature block as written (JSON strings); see `getSignatureDict()`. */
  signature?: SignatureDict | null;
  /** Since MLflow 2.20, written whenever `signature` is. */
  isSignatureFromTypeHint?: boolean;
  typeHintFromExample?: boolean;
  savedInputExampleInfo?: SavedInputExampleInfo | null;
  metadata?: Record<string, unknown> | null;
  /** Total size of the model directory at save time (MLflow ≥ 2.8). */
  modelSizeBytes?: number | null;
  databricksRuntime?: string | null;
  resources?: Record<string, unknown> | null;
  authPolicy?: Record<string, unknown> | null;
  envVars?: string[] | null;
  /** `prompts:/…` URIs (MLflow ≥ 2.21). */
  prompts?: string[] | null;
  /** Unknown top-level keys, kept for a lossless round trip. */
  extra: Record<string, unknown> = {};
  #signatureCache: { dict: SignatureDict; parsed: ModelSignature } | undefined;
  /** Where the parsed file had whole floats (`2.0`), so they are written back as floats. */
  #wholeFloats: Set<string> = new Set();

  /** Read `MLmodel` from a model directory or from the path of the MLmodel file itself. */
  static async load(pathToDirOrMLmodel: string): Promise<Model> {
    let file = pathToDirOrMLmodel;
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(file);
      // The MLmodel must itself stay inside its model directory (a symlink to /etc/passwd is refused, unread).
      const dir = info.isDirectory() ? file : path.dirname(file);
      file = resolveInsideModelDir(
        dir,
        info.isDirectory() ? MLMODEL_FILE_NAME : path.basename(file),
        "MLmodel file",
      );
      info = await stat(file);
    } catch (error) {
      if (error instanceof MlflowException) throw error;
      throw new MlflowException(
        `Could not find an "${MLMODEL_FILE_NAME}" configuration file at "${pathToDirOrMLmodel}"`,
        "RESOURCE_DOES_NOT_EXIST",
        { cause: error },
      );
    }
    if (!info.isFile()) {
      throw new MlflowException(`"${file}" is not a file`, "INVALID_PARAMETER_VALUE");
    }
    if (info.size > MAX_MLMODEL_BYTES) {
      throw new MlflowException(
        `"${file}" is ${info.size} bytes; MLmodel files larger than ${MAX_MLMODEL_BYTES} bytes are refused`,
        "INVALID_PARAMETER_VALUE",
      );
    }
    const text = await readFile(file, "utf8");
    return Model.fromYaml(text, file);
  }

  /** Parse MLmodel YAML text (safe schema: no custom tags, no timestamps; size bounded). */
  static fromYaml(text: string, source = MLMODEL_FILE_NAME): Model {
    if (typeof text !== "string") {
      throw MlflowException.invalidParameter(`${source}: expected YAML text`);
    }
    if (text.length > MAX_MLMODEL_BYTES) {
      throw MlflowException.invalidParameter(
        `${source}: MLmodel text longer than ${MAX_MLMODEL_BYTES} characters is refused`,
      );
    }
    let parsed: unknown;
    try {
      parsed = yaml.load(text, { schema: MLMODEL_LOAD_SCHEMA, filename: source, json: false });
    } catch (error) {
      throw MlflowException.invalidParameter(`${source} is not valid YAML: ${yamlErrorReason(error)}`, {
        cause: error,
      });
    }
    return Model.fromDict(parsed, source);
  }

  /** Build a Model from the plain dict form (snake_case keys), validating the known fields' types. */
  static fromDict(dict: unknown, source = MLMODEL_FILE_NAME): Model {
    if (dict === null || dict === undefined) {
      throw MlflowException.invalidParameter(`${source} is empty`);
    }
    if (!isPlainRecord(dict)) {
      throw MlflowException.invalidParameter(
        `${source} must be a YAML mapping at the top level, got ${describe(dict)}`,
      );
    }
    const m = new Model();
    // One bounded deep copy of the whole document up front: later copies work on a tree known to be small.
    const doc = deepCopy(dict) as Record<string, unknown>;
    m.#wholeFloats = extractWholeFloats(doc);
    const field = (key: string): unknown => (Object.hasOwn(doc, key) ? doc[key] : undefined);

    const flavors = field("flavors");
    if (flavors !== undefined && flavors !== null) {
      if (!isPlainRecord(flavors)) {
        throw MlflowException.invalidParameter(
          `${source}: 'flavors' must be a mapping, got ${describe(flavors)}`,
        );
      }
      for (const [name, conf] of Object.entries(flavors)) {
        if (conf === null) {
          setOwn(m.flavors, name, {});
          continue;
        }
        if (!isPlainRecord(conf)) {
          throw MlflowException.invalidParameter(
            `${source}: flavor '${name}' must be a mapping, got ${describe(conf)}`,
          );
        }
        setOwn(m.flavors, name, deepCopy(conf) as FlavorConfig);
      }
    }
    m.modelUuid = optString(field("model_uuid"), "model_uuid", source) ?? null;
    m.utcTimeCreated = optString(field("utc_time_created"), "utc_time_created", source) ?? null;
    m.mlflowVersion = optString(field("mlflow_version"), "mlflow_version", source) ?? null;
    m.artifactPath = optString(field("artifact_path"), "artifact_path", source);
    m.modelId = optString(field("model_id"), "model_id", source);
    m.runId = optString(field("run_id"), "run_id", source);
    m.databricksRuntime = optString(field("databricks_runtime"), "databricks_runtime", source);
    m.signature = parseSignatureBlock(field("signature"), source);
    m.isSignatureFromTypeHint = optBool(
      field("is_signature_from_type_hint"),
      "is_signature_from_type_hint",
      source,
    );
    m.typeHintFromExample = optBool(field("type_hint_from_example"), "type_hint_from_example", source);
    const example = optRecord(field("saved_input_example_info"), "saved_input_example_info", source);
    if (example) {
      if (typeof example.artifact_path !== "string" || typeof example.type !== "string") {
        throw MlflowException.invalidParameter(
          `${source}: 'saved_input_example_info' needs string 'artifact_path' and 'type'`,
        );
      }
    }
    m.savedInputExampleInfo = example as SavedInputExampleInfo | null | undefined;
    m.metadata = optRecord(field("metadata"), "metadata", source);
    m.resources = optRecord(field("resources"), "resources", source);
    m.authPolicy = optRecord(field("auth_policy"), "auth_policy", source);
    const size = field("model_size_bytes");
    if (
      size !== undefined &&
      size !== null &&
      !(typeof size === "number" && Number.isInteger(size) && size >= 0)
    ) {
      throw MlflowException.invalidParameter(
        `${source}: 'model_size_bytes' must be a non-negative integer, got ${describe(size)}`,
      );
    }
    m.modelSizeBytes = size as number | null | undefined;
    m.envVars = optStringList(field("env_vars"), "env_vars", source);
    m.prompts = optStringList(field("prompts"), "prompts", source);
    for (const [key, value] of Object.entries(doc)) {
      if (!KNOWN_KEYS.has(key)) setOwn(m.extra, key, deepCopy(value));
    }
    return m;
  }

  /** The dict MLflow's `Model.to_dict()` would produce (snake_case keys; absent fields left out). */
  toDict(): ModelDict {
    const out: ModelDict = {};
    for (const [key, value] of Object.entries(this.extra)) {
      if (value !== undefined) setOwn(out, key, deepCopy(value));
    }
    const put = (key: string, value: unknown): void => {
      if (value !== undefined) setOwn(out, key, deepCopy(value));
    };
    put("artifact_path", this.artifactPath);
    put("flavors", this.flavors);
    put("model_uuid", this.modelUuid);
    put("model_id", this.modelId);
    put("run_id", this.runId);
    put("utc_time_created", this.utcTimeCreated);
    put("mlflow_version", this.mlflowVersion);
    put("signature", this.signature);
    put("is_signature_from_type_hint", this.isSignatureFromTypeHint);
    put("type_hint_from_example", this.typeHintFromExample);
    put("saved_input_example_info", this.savedInputExampleInfo);
    put("metadata", this.metadata);
    put("model_size_bytes", this.modelSizeBytes);
    put("databricks_runtime", this.databricksRuntime);
    put("resources", this.resources);
    put("auth_policy", this.authPolicy);
    put("env_vars", this.envVars);
    put("prompts", this.prompts);
    return out;
  }

  /**
   * Serialize as `yaml.safe_dump(default_flow_style=False)` does: block style, keys sorted at every
   * level, list items not indented under their key, strings quoted whenever a YAML 1.1 reader
   * (PyYAML) would read them as something else (timestamps, `yes`/`no`, numbers).
   */
  toYaml(): string {
    try {
      return foldLikePyYaml(
        yaml.dump(this.#dictForYaml(), {
          sortKeys: true,
          noArrayIndent: true,
          lineWidth: -1,
          noRefs: true,
          schema: MLMODEL_DUMP_SCHEMA,
        }),
      );
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw MlflowException.invalidParameter(`MLmodel cannot be written as YAML: ${reason}`, {
        cause: error,
      });
    }
  }

  #dictForYaml(): ModelDict {
    const dict = this.toDict();
    if (this.#wholeFloats.size > 0) markWholeFloats(dict, this.#wholeFloats);
    return dict;
  }

  /** Write the YAML to `filePath` (a directory gets `<dir>/MLmodel`). Python's `Model.save`. */
  async save(filePath: string): Promise<void> {
    let target = filePath;
    try {
      if ((await stat(filePath)).isDirectory()) target = path.join(filePath, MLMODEL_FILE_NAME);
    } catch {
      // not existing: write the file itself
    }
    await writeFile(target, this.toYaml(), "utf8");
  }

  /** Python's `Model.add_flavor`: set (replace) one flavor block. */
  addFlavor(name: string, config: FlavorConfig): this {
    setOwn(this.flavors, name, { ...config });
    return this;
  }

  /** The raw signature block (three JSON strings), or undefined when the model has none. */
  getSignatureDict(): SignatureDict | undefined {
    return this.signature ?? undefined;
  }

  /**
   * The parsed signature (`ModelSignature.fromDict` of the block), or undefined when the model has none.
   * A malformed block throws MlflowException (INVALID_PARAMETER_VALUE).
   */
  getSignature(): ModelSignature | undefined {
    const dict = this.signature;
    if (!dict) return undefined;
    if (this.#signatureCache?.dict === dict) return this.#signatureCache.parsed;
    let parsed: ModelSignature;
    try {
      parsed = ModelSignature.fromDict(dict);
    } catch (error) {
      if (error instanceof MlflowException) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw MlflowException.invalidParameter(`The model's signature cannot be parsed: ${reason}`, {
        cause: error,
      });
    }
    this.#signatureCache = { dict, parsed };
    return parsed;
  }

  /** The input schema of the signature (Python `get_input_schema`). */
  getInputSchema(): Schema | undefined {
    return this.getSignature()?.inputs ?? undefined;
  }

  /** The output schema of the signature (Python `get_output_schema`). */
  getOutputSchema(): Schema | undefined {
    return this.getSignature()?.outputs ?? undefined;
  }

  /** The params schema of the signature (Python `get_params_schema`). */
  getParamsSchema(): ParamSchema | undefined {
    return this.getSignature()?.params ?? undefined;
  }

  /** Set the signature from a ModelSignature (or clear it with null). */
  setSignature(signature: ModelSignature | null): this {
    this.signature = signature === null ? null : signature.toDict();
    return this;
  }

  /** `metadata["mlflow.model.isExternal"] === true` (MLflow 3 external models have no artifacts). */
  isExternal(): boolean {
    return this.metadata?.["mlflow.model.isExternal"] === true;
  }

  /** A deep copy. */
  clone(): Model {
    const copy = Model.fromDict(this.toDict());
    copy.#wholeFloats = new Set(this.#wholeFloats);
    return copy;
  }
}

/** Python `str(datetime.utcnow())`: `YYYY-MM-DD HH:MM:SS.ffffff`, without `.ffffff` when it is 0. */
export function formatUtcTimeCreated(date: Date = new Date(), microsecondsWithinMs = 0): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, "0");
  const base =
    `${p(date.getUTCFullYear(), 4)}-${p(date.getUTCMonth() + 1)}-${p(date.getUTCDate())} ` +
    `${p(date.getUTCHours())}:${p(date.getUTCMinutes())}:${p(date.getUTCSeconds())}`;
  const micros =
    date.getUTCMilliseconds() * 1000 + Math.max(0, Math.min(999, Math.trunc(microsecondsWithinMs)));
  return micros === 0 ? base : `${base}.${p(micros, 6)}`;
}

// ---------------------------------------------------------------------------------------------

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** js-yaml's reason and position, without the snippet of the document it puts in `message`. */
function yamlErrorReason(error: unknown): string {
  const e = error as { reason?: unknown; mark?: { line?: unknown; column?: unknown } } | null;
  if (e && typeof e.reason === "string") {
    const line = typeof e.mark?.line === "number" ? e.mark.line + 1 : undefined;
    const column = typeof e.mark?.column === "number" ? e.mark.column + 1 : undefined;
    return line === undefined ? e.reason : `${e.reason} (line ${line}, column ${column})`;
  }
  return error instanceof Error ? error.message.split("\n")[0].slice(0, 200) : "unreadable";
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  const text = JSON.stringify(value) ?? String(value);
  return `${typeof value} ${text.length > 60 ? `${text.slice(0, 57)}...` : text}`;
}

/** Assign without ever touching a prototype (a YAML key may be `__proto__`). */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Bounds on the plain data of one MLmodel (YAML aliases can make a small file describe a huge tree). */
export const MAX_MLMODEL_NODES = 1_000_000;
export const MAX_MLMODEL_DEPTH = 500;

interface CopyBudget {
  nodes: number;
}

function deepCopy(value: unknown, budget: CopyBudget = { nodes: MAX_MLMODEL_NODES }, depth = 0): unknown {
  if (--budget.nodes < 0) {
    throw MlflowException.invalidParameter(
      `MLmodel holds more than ${MAX_MLMODEL_NODES} values (YAML aliases expanding?); refused`,
    );
  }
  if (depth > MAX_MLMODEL_DEPTH) {
    throw MlflowException.invalidParameter(
      `MLmodel is nested deeper than ${MAX_MLMODEL_DEPTH} levels; refused`,
    );
  }
  if (Array.isArray(value)) return value.map((v) => deepCopy(v, budget, depth + 1));
  if (isPlainRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) setOwn(out, k, deepCopy(v, budget, depth + 1));
    return out;
  }
  return value;
}

function optString(value: unknown, key: string, source: string): string | null | undefined {
  if (value === undefined || value === null || typeof value === "string") return value;
  // PyYAML would hand Python a number here (an unquoted version or id); keep its text.
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw MlflowException.invalidParameter(`${source}: '${key}' must be a string, got ${describe(value)}`);
}

function optBool(value: unknown, key: string, source: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "boolean") return value;
  throw MlflowException.invalidParameter(`${source}: '${key}' must be a boolean, got ${describe(value)}`);
}

function optRecord(value: unknown, key: string, source: string): Record<string, unknown> | null | undefined {
  if (value === undefined || value === null) return value;
  if (isPlainRecord(value)) return deepCopy(value) as Record<string, unknown>;
  throw MlflowException.invalidParameter(`${source}: '${key}' must be a mapping, got ${describe(value)}`);
}

function optStringList(value: unknown, key: string, source: string): string[] | null | undefined {
  if (value === undefined || value === null) return value;
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return [...value];
  throw MlflowException.invalidParameter(
    `${source}: '${key}' must be a list of strings, got ${describe(value)}`,
  );
}

function parseSignatureBlock(value: unknown, source: string): SignatureDict | null | undefined {
  if (value === undefined || value === null) return value;
  if (!isPlainRecord(value)) {
    throw MlflowException.invalidParameter(
      `${source}: 'signature' must be a mapping, got ${describe(value)}`,
    );
  }
  const out: SignatureDict = { inputs: null, outputs: null };
  for (const key of ["inputs", "outputs", "params"] as const) {
    const v = Object.hasOwn(value, key) ? value[key] : undefined;
    if (v === undefined) continue;
    if (v !== null && typeof v !== "string") {
      throw MlflowException.invalidParameter(
        `${source}: 'signature.${key}' must be a JSON string or null, got ${describe(v)}`,
      );
    }
    out[key] = v;
  }
  for (const [k, v] of Object.entries(value)) {
    if (k !== "inputs" && k !== "outputs" && k !== "params")
      setOwn(out as unknown as Record<string, unknown>, k, v);
  }
  return out;
}
