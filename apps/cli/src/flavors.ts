import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { defaultFlavorRegistry, registerFlavor } from "@pyfunc/core";
import { isFlavorPlugin } from "@pyfunc/core/flavor";

/** The flavor packages of this project. Importing one registers its plugin with @pyfunc/core. */
export const FLAVOR_PACKAGES = [
  "@pyfunc/xgboost",
  "@pyfunc/onnx",
  "@pyfunc/tfjs",
  "@pyfunc/custom-class",
  "@pyfunc/function",
] as const;

export interface FlavorImportResult {
  /** Packages (or plugin modules) imported successfully. */
  loaded: string[];
  /** Packages that are not installed. */
  notInstalled: string[];
  /** Packages that are installed but failed to import (e.g. a native runtime that cannot start). */
  failed: { name: string; error: string }[];
}

/**
 * A flavor package registers its plugin when imported; for one that only exports it (or was imported before
 * its registration ran in another copy of core), register exported plugins whose loader modules do not resolve.
 */
function registerExportedPlugins(mod: Record<string, unknown>): void {
  const candidates = [mod.default, ...Object.values(mod)];
  for (const value of candidates) {
    if (!isFlavorPlugin(value)) continue;
    if (value.loaderModules.some((m) => defaultFlavorRegistry.resolve(m) !== undefined)) continue;
    try {
      registerFlavor(value);
    } catch {
      // another package already answers for these names: keep it
    }
  }
}

const imported = new Map<string, Promise<"loaded" | "missing" | { error: string }>>();

function isNotFound(error: unknown, name: string): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (code !== "ERR_MODULE_NOT_FOUND" && code !== "MODULE_NOT_FOUND") return false;
  // Only "this package is missing", not "a dependency of this package is missing".
  const message = error instanceof Error ? error.message : "";
  return message.includes(`'${name}'`) || message.includes(`"${name}"`) || !message.includes("imported from");
}

function isPathLike(name: string): boolean {
  return (
    name.startsWith(".") ||
    isAbsolute(name) ||
    /\.[cm]?js$/.test(name) ||
    existsSync(resolve(process.cwd(), name))
  );
}

function specifierFor(name: string): string {
  // Paths (./x.mjs, /abs/x.js) are plugin modules relative to the working directory; bare names are packages.
  if (isPathLike(name)) return pathToFileURL(resolve(process.cwd(), name)).href;
  return name;
}

function importOnce(name: string): Promise<"loaded" | "missing" | { error: string }> {
  let p = imported.get(name);
  if (!p) {
    const spec = specifierFor(name);
    p = import(spec).then(
      (mod: Record<string, unknown>) => {
        registerExportedPlugins(mod);
        return "loaded" as const;
      },
      (error: unknown) => {
        if (spec !== name && !existsSync(resolve(process.cwd(), name))) return "missing" as const;
        if (spec === name && isNotFound(error, name)) return "missing" as const;
        return { error: error instanceof Error ? error.message : String(error) };
      },
    );
    imported.set(name, p);
  }
  return p;
}

/** Import flavor packages / plugin modules, tolerating the ones that are not installed. */
export async function importFlavors(names: readonly string[]): Promise<FlavorImportResult> {
  const result: FlavorImportResult = { loaded: [], notInstalled: [], failed: [] };
  const outcomes = await Promise.all(names.map((n) => importOnce(n)));
  names.forEach((name, i) => {
    const o = outcomes[i];
    if (o === "loaded") result.loaded.push(name);
    else if (o === "missing") result.notInstalled.push(name);
    else if (o !== undefined) result.failed.push({ name, error: o.error });
  });
  return result;
}

/**
 * Absolute URLs of every flavor package / plugin module imported so far, for processes and threads that must
 * import the same plugins (the server's worker threads resolve them from another package's location).
 */
export async function importedFlavorUrls(): Promise<string[]> {
  const urls: string[] = [];
  for (const [name, outcome] of imported) {
    if ((await outcome) !== "loaded") continue;
    const spec = specifierFor(name);
    try {
      urls.push(spec === name ? import.meta.resolve(name) : spec);
    } catch {
      urls.push(spec);
    }
  }
  return urls;
}

/** Extra plugin modules named by --plugin options and the PYFUNC_PLUGINS environment variable. */
export function pluginModules(fromOptions: readonly string[] = []): string[] {
  const env = process.env.PYFUNC_PLUGINS ?? "";
  const fromEnv = env
    .split(/[,;]/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return [...new Set([...fromEnv, ...fromOptions])];
}

/**
 * The flavor packages worth importing first for a model: those whose name matches a flavor key or a pyfunc
 * loader_module of the MLmodel (e.g. `mlflow.xgboost` → @pyfunc/xgboost). Only names from FLAVOR_PACKAGES are ever
 * returned, so an MLmodel cannot make the CLI import an arbitrary package.
 */
export function flavorPackagesFor(flavorKeys: readonly string[], loaderModules: readonly string[]): string[] {
  return FLAVOR_PACKAGES.filter((pkg) => {
    const short = pkg.slice("@pyfunc/".length);
    const variants = [short, short.replaceAll("-", "_")];
    if (loaderModules.some((m) => m === pkg || variants.some((v) => m === v || m.endsWith(`.${v}`))))
      return true;
    return flavorKeys.some((k) => variants.includes(k));
  });
}
