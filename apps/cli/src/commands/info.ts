import { readFileSync } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { defaultFlavorRegistry, isMlflowException, type Model } from "@pyfunc/core";
import { localModelPath } from "@pyfunc/core/artifacts";
import { selectFlavorPlugin } from "@pyfunc/core/flavor";
import { resolveInsideModelDir } from "@pyfunc/core/paths";
import { signatureSpecs } from "@pyfunc/core/protocol";
import { CliError, messageOf } from "../errors.js";
import { EXIT_CODES } from "../exit-codes.js";
import { FLAVOR_PACKAGES, importFlavors } from "../flavors.js";
import { formatBytes, table, truncate } from "../format.js";
import { prepareFlavors, readLocalMLmodel } from "../model.js";

export interface InfoOptions {
  json?: boolean;
  plugin?: string[];
}

interface SpecRow {
  name: string | null;
  type: string;
  required: boolean;
  shape?: number[];
  dtype?: string;
}

interface ParamRow {
  name: string;
  type: string;
  default: unknown;
  shape: number[] | null;
}

export interface ModelInfo {
  modelUri: string;
  modelDir: string;
  mlflowVersion: string | null;
  createdAt: string | null;
  modelUuid: string | null;
  modelId: string | null;
  runId: string | null;
  flavors: Record<string, Record<string, unknown>>;
  loader: {
    flavorKey: string | null;
    loaderModule: string | null;
    package: string | null;
    packageVersion: string | null;
    loadable: boolean;
    problem: string | null;
  };
  installedFlavorPackages: {
    name: string;
    version: string | null;
    status: "installed" | "not installed" | "failed";
    error?: string;
  }[];
  signature: { inputs: SpecRow[] | null; outputs: SpecRow[] | null; params: ParamRow[] | null } | null;
  inputExample: {
    type: string | null;
    path: string | null;
    servingInputPath: string | null;
    preview: string | null;
  } | null;
  size: { recorded: number | null; onDisk: number };
}

function parseSpecs(json: string | null | undefined): SpecRow[] | null {
  const list = signatureSpecs(json) as Record<string, unknown>[] | undefined; // core's one signature view
  if (list === undefined) return null;
  return list.map((raw: Record<string, unknown>) => {
    const name = typeof raw.name === "string" ? raw.name : null;
    const required = raw.required !== false && raw.optional !== true;
    if (raw.type === "tensor") {
      const spec = (raw["tensor-spec"] ?? {}) as { dtype?: string; shape?: number[] };
      return { name, type: "tensor", required, dtype: spec.dtype ?? "?", shape: spec.shape ?? [] };
    }
    return { name, type: describeType(raw), required };
  });
}

function describeType(raw: Record<string, unknown>): string {
  const t = raw.type;
  if (t === "array") return `array<${describeType((raw.items ?? {}) as Record<string, unknown>)}>`;
  if (t === "object") {
    const props = (raw.properties ?? {}) as Record<string, Record<string, unknown>>;
    return `object{${Object.entries(props)
      .map(([k, v]) => `${k}: ${describeType(v)}`)
      .join(", ")}}`;
  }
  if (t === "map") return `map<string, ${describeType((raw.values ?? {}) as Record<string, unknown>)}>`;
  return typeof t === "string" ? t : JSON.stringify(raw);
}

function parseParams(json: string | null | undefined): ParamRow[] | null {
  const list = signatureSpecs(json) as Record<string, unknown>[] | undefined; // core's one signature view
  if (list === undefined) return null;
  return list.map((p) => ({
    name: String(p.name),
    type: String(p.type ?? p.dtype ?? "?"),
    default: p.default ?? null,
    shape: Array.isArray(p.shape) ? (p.shape as number[]) : null,
  }));
}

async function directorySize(dir: string): Promise<number> {
  let total = 0;
  const entries = await readdir(dir, { withFileTypes: true });
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += await directorySize(p);
    else if (e.isFile()) total += (await stat(p)).size;
  }
  return total;
}

function packageVersion(name: string): string | null {
  try {
    const require = createRequire(import.meta.url);
    const file = require.resolve(`${name}/package.json`);
    return (JSON.parse(readFileSync(file, "utf8")) as { version?: string }).version ?? null;
  } catch {
    return null;
  }
}

/** Flavor block values worth showing: scalars only (nested env specs etc. are summarized). */
function flavorSummary(block: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(block)) {
    if (v === null || typeof v !== "object") out[k] = v;
    else out[k] = Array.isArray(v) ? `[${v.length} items]` : `{${Object.keys(v).join(", ")}}`;
  }
  return out;
}

async function inputExampleInfo(dir: string, model: Model): Promise<ModelInfo["inputExample"]> {
  const info = model.savedInputExampleInfo;
  if (!info) return null;
  const path = typeof info.artifact_path === "string" ? info.artifact_path : null;
  const servingInputPath = typeof info.serving_input_path === "string" ? info.serving_input_path : null;
  let preview: string | null = null;
  const file = servingInputPath ?? path;
  if (file !== null) {
    try {
      preview = truncate(
        (await readFile(resolveInsideModelDir(dir, file, "input example"), "utf8")).trim(),
        600,
      );
    } catch (error) {
      preview = `(cannot read ${file}: ${messageOf(error)})`;
    }
  }
  return { type: typeof info.type === "string" ? info.type : null, path, servingInputPath, preview };
}

export async function collectInfo(modelUri: string, options: InfoOptions): Promise<ModelInfo> {
  let local = await readLocalMLmodel(modelUri);
  if (!local) {
    // A remote URI (runs:/, models:/, s3://, ...): download it through core, then read it like a local one.
    let dir: string;
    try {
      dir = await localModelPath(modelUri);
    } catch (error) {
      const notFound = isMlflowException(error) && error.errorCode === "RESOURCE_DOES_NOT_EXIST";
      throw new CliError(
        `Cannot resolve model '${modelUri}': ${messageOf(error)}`,
        notFound ? EXIT_CODES.MODEL_NOT_FOUND : EXIT_CODES.MODEL_LOAD_FAILED,
        { cause: error },
      );
    }
    local = await readLocalMLmodel(dir);
    if (!local)
      throw new CliError(
        `Cannot read the model downloaded from '${modelUri}'.`,
        EXIT_CODES.MODEL_LOAD_FAILED,
      );
  }
  const { dir, model } = local;
  await prepareFlavors(undefined, options.plugin);
  const imported = await importFlavors(FLAVOR_PACKAGES);
  const installedFlavorPackages: ModelInfo["installedFlavorPackages"] = FLAVOR_PACKAGES.map((name) => {
    const failed = imported.failed.find((f) => f.name === name);
    if (failed)
      return { name, version: packageVersion(name), status: "failed" as const, error: failed.error };
    if (imported.notInstalled.includes(name))
      return { name, version: null, status: "not installed" as const };
    return { name, version: packageVersion(name), status: "installed" as const };
  });

  const loader: ModelInfo["loader"] = {
    flavorKey: null,
    loaderModule: null,
    package: null,
    packageVersion: null,
    loadable: false,
    problem: null,
  };
  try {
    const selected = await selectFlavorPlugin(model, defaultFlavorRegistry, { discover: false });
    loader.flavorKey = selected.flavorKey;
    loader.loaderModule = selected.loaderModule;
    loader.package = selected.plugin.packageName;
    loader.packageVersion = packageVersion(selected.plugin.packageName);
    loader.loadable = true;
  } catch (error) {
    loader.problem = messageOf(error);
    const py = model.flavors.js_function ?? model.flavors.python_function;
    if (py) {
      loader.flavorKey = model.flavors.js_function ? "js_function" : "python_function";
      loader.loaderModule = typeof py.loader_module === "string" ? py.loader_module : null;
    }
  }

  const sig = model.getSignatureDict();
  const flavors: ModelInfo["flavors"] = {};
  for (const [k, v] of Object.entries(model.flavors)) flavors[k] = flavorSummary(v);
  return {
    modelUri,
    modelDir: dir,
    mlflowVersion: model.mlflowVersion,
    createdAt: model.utcTimeCreated,
    modelUuid: model.modelUuid,
    modelId: model.modelId ?? null,
    runId: model.runId ?? null,
    flavors,
    loader,
    installedFlavorPackages,
    signature: sig
      ? { inputs: parseSpecs(sig.inputs), outputs: parseSpecs(sig.outputs), params: parseParams(sig.params) }
      : null,
    inputExample: await inputExampleInfo(dir, model),
    size: { recorded: model.modelSizeBytes ?? null, onDisk: await directorySize(dir) },
  };
}

function specTable(rows: SpecRow[]): string {
  if (rows.some((r) => r.type === "tensor")) {
    return table(
      ["name", "dtype", "shape"],
      rows.map((r) => [r.name ?? "(unnamed)", r.dtype ?? "?", `(${(r.shape ?? []).join(", ")})`]),
    );
  }
  return table(
    ["name", "type", "required"],
    rows.map((r) => [r.name ?? "(unnamed)", r.type, r.required ? "yes" : "no"]),
  );
}

export function renderInfo(info: ModelInfo): string {
  const out: string[] = [];
  out.push(`Model:        ${info.modelUri}`);
  if (info.modelDir !== info.modelUri) out.push(`Directory:    ${info.modelDir}`);
  if (info.mlflowVersion) out.push(`MLflow:       ${info.mlflowVersion}`);
  if (info.createdAt) out.push(`Created:      ${info.createdAt} UTC`);
  if (info.modelId) out.push(`Model id:     ${info.modelId}`);
  else if (info.modelUuid) out.push(`Model uuid:   ${info.modelUuid}`);
  if (info.runId) out.push(`Run id:       ${info.runId}`);
  const recorded = info.size.recorded === null ? "" : ` (MLmodel records ${formatBytes(info.size.recorded)})`;
  out.push(`Size:         ${formatBytes(info.size.onDisk)} on disk${recorded}`);
  out.push("");
  out.push("Flavors:");
  for (const [name, block] of Object.entries(info.flavors)) {
    const fields = Object.entries(block)
      .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
      .join(", ");
    out.push(`  ${name}${fields ? `: ${fields}` : ""}`);
  }
  out.push("");
  const l = info.loader;
  if (l.loadable) {
    const version = l.packageVersion ? `@${l.packageVersion}` : "";
    out.push(
      `Loader:       ${l.flavorKey}.loader_module '${l.loaderModule}' → ${l.package}${version} (installed)`,
    );
  } else {
    out.push(
      `Loader:       ${l.loaderModule ? `${l.flavorKey}.loader_module '${l.loaderModule}'` : "none"} → NOT LOADABLE here`,
    );
    out.push(`              ${l.problem}`);
  }
  const pkgs = info.installedFlavorPackages
    .map((p) => `${p.name}${p.version ? `@${p.version}` : ""} (${p.status}${p.error ? `: ${p.error}` : ""})`)
    .join(", ");
  out.push(`Flavor packages: ${pkgs}`);
  out.push("");
  if (!info.signature) {
    out.push("Signature:    none (inputs are not checked)");
  } else {
    const s = info.signature;
    out.push("Signature inputs:");
    out.push(s.inputs ? specTable(s.inputs) : "  (none)");
    out.push("Signature outputs:");
    out.push(s.outputs ? specTable(s.outputs) : "  (none)");
    if (s.params && s.params.length > 0) {
      out.push("Params:");
      out.push(
        table(
          ["name", "type", "default", "shape"],
          s.params.map((p) => [
            p.name,
            p.type,
            JSON.stringify(p.default),
            p.shape ? `(${p.shape.join(", ")})` : "-",
          ]),
        ),
      );
    }
  }
  out.push("");
  if (!info.inputExample) {
    out.push("Input example: none");
  } else {
    const e = info.inputExample;
    out.push(
      `Input example: ${e.path ?? "?"} (${e.type ?? "?"})${e.servingInputPath ? `, serving payload ${e.servingInputPath}` : ""}`,
    );
    if (e.preview) out.push(...e.preview.split("\n").map((line) => `  ${line}`));
  }
  return `${out.join("\n")}\n`;
}

/** `pyfunc info MODEL_URI`. */
export async function runInfo(modelUri: string, options: InfoOptions): Promise<void> {
  const info = await collectInfo(modelUri, options);
  process.stdout.write(options.json ? `${JSON.stringify(info, null, 2)}\n` : renderInfo(info));
}
