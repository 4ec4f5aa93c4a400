import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

/** One model the server can serve: a name, where it is, and optionally its version and load-time config. */
export interface ModelSpec {
  /** The model's name in `/models/{name}/invocations` and `/v2/models/{name}/…`. */
  name: string;
  /** Model directory or URI (anything core's `loadModel` takes). */
  uri: string;
  /** Version reported on the v2 routes and in the repository index; `/versions/{v}` must match it when set. */
  version?: string;
  /** Load-time MLflow `model_config` for this model (default: the server's `modelConfig`). */
  modelConfig?: Record<string, unknown>;
  /** Worker threads for this model (default: the server's `workers`). */
  workers?: number;
}

/** A repository entry that cannot be loaded as it is (bad directory, unreadable settings). */
export interface BrokenSpec {
  name: string;
  uri: string;
  reason: string;
  version?: string;
}

export interface RepositoryScan {
  models: ModelSpec[];
  broken: BrokenSpec[];
  /** Directories left out (a second directory for a name already taken). */
  warnings: string[];
}

/** Names a model may have: they appear in URL paths unescaped. */
export const MODEL_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

const SETTINGS_FILE = "model-settings.json";

interface ModelSettings {
  name?: unknown;
  parameters?: { uri?: unknown; version?: unknown } | null;
}

function readSettings(file: string): ModelSettings {
  const parsed: unknown = JSON.parse(readFileSync(file, "utf8"));
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
    throw new Error(`${SETTINGS_FILE} is not a JSON object`);
  return parsed as ModelSettings;
}

/** Triton's layout: numeric version sub-directories; the highest one holding an MLmodel is served. */
function latestVersionDir(dir: string): string | undefined {
  let best: number | undefined;
  for (const child of readdirSync(dir)) {
    if (!/^\d{1,9}$/.test(child)) continue;
    const n = Number(child);
    if (existsSync(path.join(dir, child, "MLmodel")) && (best === undefined || n > best)) best = n;
  }
  return best === undefined ? undefined : String(best);
}

/**
 * One entry per sub-directory of `root` (hidden ones skipped), named by the directory, as MLServer's model
 * repository: a sub-directory holds an MLflow model (its `MLmodel` file), or Triton-style numeric version
 * directories (the highest is served, its number the version), or MLServer's `model-settings.json`, whose
 * `name`, `parameters.uri` (relative to the sub-directory) and `parameters.version` are honoured. A
 * sub-directory that is none of these is listed as broken, with the reason, and never stops the others.
 */
export function scanModelRepository(root: string): RepositoryScan {
  const models: ModelSpec[] = [];
  const broken: BrokenSpec[] = [];
  const warnings: string[] = [];
  const seen = new Set<string>();
  const children = readdirSync(root, { withFileTypes: true })
    .filter((d) => !d.name.startsWith("."))
    .map((d) => d.name)
    .sort();
  for (const child of children) {
    const dir = path.join(root, child);
    let isDir: boolean;
    try {
      isDir = statSync(dir).isDirectory();
    } catch {
      continue; // a dangling link
    }
    if (!isDir) continue;
    let name = child;
    let uri = dir;
    let version: string | undefined;
    let reason: string | undefined;
    try {
      const settingsFile = path.join(dir, SETTINGS_FILE);
      if (existsSync(settingsFile)) {
        const settings = readSettings(settingsFile);
        if (typeof settings.name === "string" && settings.name.length > 0) name = settings.name;
        const p = settings.parameters ?? {};
        if (typeof p.uri === "string" && p.uri.length > 0) uri = path.resolve(dir, p.uri);
        if (typeof p.version === "string" && p.version.length > 0) version = p.version;
      }
      if (version === undefined && !existsSync(path.join(uri, "MLmodel"))) {
        const latest = existsSync(uri) && statSync(uri).isDirectory() ? latestVersionDir(uri) : undefined;
        if (latest !== undefined) {
          version = latest;
          uri = path.join(uri, latest);
        }
      }
      if (!existsSync(path.join(uri, "MLmodel")) && !/^[a-zA-Z][a-zA-Z0-9+.-]+:/.test(uri))
        reason = `No MLmodel file in '${uri}' (is it an MLflow model directory?)`;
    } catch (error) {
      reason = `Cannot read the model settings in '${dir}': ${error instanceof Error ? error.message : String(error)}`;
    }
    if (reason === undefined && !MODEL_NAME_PATTERN.test(name))
      reason = `'${name}' is not a valid model name (letters, digits, '_', '.', '-'; at most 128)`;
    if (seen.has(name)) {
      warnings.push(
        `Model repository: '${dir}' is left out, another directory already holds model '${name}'.`,
      );
      continue;
    }
    const entry = { name, uri, ...(version !== undefined ? { version } : {}) };
    seen.add(name);
    if (reason !== undefined) {
      broken.push({ ...entry, reason });
      continue;
    }
    models.push(entry);
  }
  return { models, broken, warnings };
}
