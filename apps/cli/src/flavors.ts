import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { defaultFlavorRegistry, registerFlavor } from "@pyfunc/core";
import { discoverFlavor, findFlavorPackages, importFlavorPackage, isFlavorPlugin } from "@pyfunc/core/flavor";

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

/** Import plugin modules or packages named on the command line, tolerating the ones that are not installed. */
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

/** Entry URLs of the flavor packages found through core's discovery and imported by this process. */
const discovered = new Set<string>();

/**
 * Find the installed flavor packages that answer for these loader modules through core's discovery (the
 * package.json flavor marker; see @pyfunc/core) and import them, so they register. A package that fails to
 * import is left for loadModel, which reports it with the package's own error.
 */
export async function discoverFlavors(loaderModules: readonly string[]): Promise<void> {
  for (const loader of loaderModules) {
    if (defaultFlavorRegistry.resolve(loader) !== undefined) continue;
    try {
      const found = await discoverFlavor(loader, defaultFlavorRegistry);
      if (found?.moduleUrl !== undefined) discovered.add(found.moduleUrl);
    } catch {
      // reported by loadModel
    }
  }
}

/** One installed flavor package and whether it imports here. */
export interface InstalledFlavorStatus {
  name: string;
  version: string | null;
  status: "installed" | "failed";
  error?: string;
}

/** Every installed flavor package (core's discovery), each imported so it registers; failures are reported. */
export async function importInstalledFlavors(): Promise<InstalledFlavorStatus[]> {
  const out: InstalledFlavorStatus[] = [];
  for (const pkg of findFlavorPackages()) {
    try {
      const url = await importFlavorPackage(pkg, defaultFlavorRegistry);
      if (url !== undefined) discovered.add(url);
      out.push({ name: pkg.name, version: pkg.version, status: "installed" });
    } catch (error) {
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
      out.push({
        name: pkg.name,
        version: pkg.version,
        status: "failed",
        error: cause instanceof Error ? cause.message : String(cause),
      });
    }
  }
  return out;
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
  for (const url of discovered) if (!urls.includes(url)) urls.push(url);
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
