import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import yaml from "js-yaml";
import { findInstalledPackage } from "../flavor/discovery.js";

/**
 * The MLflow version written as `mlflow_version` and pinned as `mlflow==…` in requirements.txt of models this
 * project saves. 2.17.2 is a real release whose MLmodel layout we reproduce field for field (the fixtures
 * under fixtures/mlmodel/mlflow-2.17.2 were written by it); MLflow 2.x and 3.x both load such models.
 */
export const MLFLOW_VERSION = "2.17.2";
/** `python_version` written in python_function blocks and env files (a CPython MLflow 2.17 supports). */
export const PYTHON_VERSION = "3.11.9";
/** Build dependencies pinned in python_env.yaml, as MLflow records them. */
export const PIP_VERSION = "24.0";
export const SETUPTOOLS_VERSION = "69.5.1";
export const WHEEL_VERSION = "0.43.0";

export const CONDA_ENV_FILE_NAME = "conda.yaml";
export const PYTHON_ENV_FILE_NAME = "python_env.yaml";
export const REQUIREMENTS_FILE_NAME = "requirements.txt";
export const NODE_ENV_FILE_NAME = "node_env.yaml";

/**
 * The `version` of the package.json at `manifestUrl` (e.g. `new URL("../package.json", import.meta.url)` from a
 * package's dist/), or "0.0.0" when it cannot be read. Flavor packages record it in the models they save.
 */
export function packageVersionAt(manifestUrl: URL): string {
  try {
    const manifest = JSON.parse(readFileSync(manifestUrl, "utf8")) as { version?: unknown };
    return typeof manifest.version === "string" ? manifest.version : "0.0.0";
  } catch {
    return "0.0.0";
  }
}

let coreVersionCache: string | undefined;

/** This package's version (from its package.json). */
export function coreVersion(): string {
  coreVersionCache ??= packageVersionAt(new URL("../../package.json", import.meta.url));
  return coreVersionCache;
}

/** Version of an installed package found from cwd or core's location, if any. */
export function installedPackageVersion(pkg: string): string | undefined {
  const bases = [process.cwd(), path.dirname(fileURLToPath(import.meta.url))];
  for (const base of bases) {
    const dir = findInstalledPackage(pkg, base);
    if (dir === undefined) continue;
    try {
      const manifest = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"));
      if (typeof manifest.version === "string") return manifest.version;
    } catch {
      // try the next base
    }
  }
  return undefined;
}

/** The Node environment record of a js_function model: Node version and the @pyfunc packages that saved it. */
export interface NodeEnvRecord {
  node: string;
  packages: Record<string, string>;
}

export function nodeEnvRecord(
  extraPackages: Record<string, string> = {},
  loaderPackage?: string,
): NodeEnvRecord {
  const packages: Record<string, string> = { "@pyfunc/core": coreVersion() };
  if (loaderPackage !== undefined && loaderPackage !== "@pyfunc/core") {
    const v = installedPackageVersion(loaderPackage);
    if (v !== undefined) packages[loaderPackage] = v;
  }
  Object.assign(packages, extraPackages);
  return { node: process.versions.node, packages };
}

export async function writeNodeEnvFile(modelDir: string, record: NodeEnvRecord): Promise<void> {
  await writeFile(
    path.join(modelDir, NODE_ENV_FILE_NAME),
    yaml.dump(record, { sortKeys: true, noArrayIndent: true, lineWidth: -1 }),
    "utf8",
  );
}
