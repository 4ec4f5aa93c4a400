import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { MlflowException } from "../errors/mlflow-exception.js";
import { resolveInsideModelDir } from "../paths/resolve-inside.js";
import { type FlavorRegistry, isFlavorPlugin } from "./registry.js";

/** Loader modules whose plugin lives in a package of another name. */
export const KNOWN_FLAVOR_PACKAGES: Readonly<Record<string, string>> = Object.freeze({
  "mlflow.onnx": "@pyfunc/onnx",
  "mlflow.xgboost": "@pyfunc/xgboost",
  tfjs: "@pyfunc/tfjs",
  "mlflow.tfjs": "@pyfunc/tfjs",
  "custom-class": "@pyfunc/custom-class",
  function: "@pyfunc/function",
});

const NPM_NAME = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;

/** The npm package (name only, subpath dropped) a loader module string names, if it names one. */
export function npmPackageOf(loaderModule: string): string | undefined {
  const parts = loaderModule.split("/");
  const name = loaderModule.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
  return name !== undefined && NPM_NAME.test(name) && name.length <= 214 ? name : undefined;
}

/**
 * The npm package that would provide a plugin for `loaderModule`: the known table, or the loader module
 * itself when it is an `@pyfunc/*` package or a package whose name contains `pyfunc-flavor`.
 */
export function flavorPackageFor(loaderModule: string): string | undefined {
  if (Object.hasOwn(KNOWN_FLAVOR_PACKAGES, loaderModule)) return KNOWN_FLAVOR_PACKAGES[loaderModule];
  const pkg = npmPackageOf(loaderModule);
  if (pkg === undefined) return undefined;
  if (pkg.startsWith("@pyfunc/") || pkg.includes("pyfunc-flavor")) return pkg;
  return undefined;
}

/** Where `import()`-style lookups start: the application's cwd and this copy of core. */
export function defaultDiscoveryBases(): string[] {
  const bases = [process.cwd()];
  try {
    bases.push(path.dirname(fileURLToPath(import.meta.url)));
  } catch {
    // not loaded from a file
  }
  return bases;
}

type Exports = string | null | Exports[] | { [key: string]: Exports };

const CONDITIONS = ["node", "import", "default"];

function pickExport(target: Exports): string | undefined {
  if (typeof target === "string") return target;
  if (target === null) return undefined;
  if (Array.isArray(target)) {
    for (const t of target) {
      const found = pickExport(t);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  for (const [key, value] of Object.entries(target)) {
    if (CONDITIONS.includes(key)) {
      const found = pickExport(value);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** The ESM entry file of the installed package directory `pkgDir` (its `exports["."]`, else `main`). */
function entryFile(pkgDir: string): string | undefined {
  let manifest: { exports?: Exports; main?: string };
  try {
    manifest = JSON.parse(readFileSync(path.join(pkgDir, "package.json"), "utf8"));
  } catch {
    return undefined;
  }
  let rel: string | undefined;
  const exp = manifest.exports;
  if (exp !== undefined && exp !== null) {
    if (typeof exp === "string" || Array.isArray(exp)) rel = pickExport(exp);
    else if (Object.keys(exp).some((k) => k.startsWith("."))) {
      rel = Object.hasOwn(exp, ".") ? pickExport(exp["."] as Exports) : undefined;
    } else rel = pickExport(exp);
  } else {
    rel = manifest.main ?? "index.js";
  }
  if (rel === undefined) return undefined;
  let file: string;
  try {
    file = resolveInsideModelDir(pkgDir, rel, "package entry");
  } catch {
    return undefined; // an entry outside its package (or through a link out of it) is not imported
  }
  return existsSync(file) ? file : undefined;
}

/** Find `node_modules/<pkg>` walking up from `base`, as Node's resolver does. */
export function findInstalledPackage(pkg: string, base: string): string | undefined {
  let dir = path.resolve(base);
  for (;;) {
    const candidate = path.join(dir, "node_modules", ...pkg.split("/"));
    try {
      if (statSync(path.join(candidate, "package.json")).isFile()) return candidate;
    } catch {
      // keep walking
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Outcome of one discovery attempt. */
export interface DiscoveryResult {
  packageName: string;
  /** Directory of the package that was imported, if one was found. */
  foundAt?: string;
}

/**
 * Discovery on demand: import the package that should provide `loaderModule` (found from the application's
 * cwd, then from core's own location) so it registers itself; plugins it exports but did not register into
 * `registry` (a custom registry, or a second copy of core) are registered here. Returns undefined when no
 * package is known for the loader module; throws when the package was found but failed to import.
 */
export async function discoverFlavor(
  loaderModule: string,
  registry: FlavorRegistry,
  bases: readonly string[] = defaultDiscoveryBases(),
): Promise<DiscoveryResult | undefined> {
  const packageName = flavorPackageFor(loaderModule);
  if (packageName === undefined) return undefined;
  for (const base of bases) {
    const pkgDir = findInstalledPackage(packageName, base);
    if (pkgDir === undefined) continue;
    const entry = entryFile(pkgDir);
    if (entry === undefined) continue;
    let mod: Record<string, unknown>;
    try {
      mod = (await import(pathToFileURL(entry).href)) as Record<string, unknown>;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new MlflowException(
        `The flavor package '${packageName}' (found at ${pkgDir}) failed to load: ${reason}`,
        "INTERNAL_ERROR",
        { cause: error, errorClass: "FLAVOR_PACKAGE_FAILED" },
      );
    }
    if (registry.resolve(loaderModule) === undefined) {
      const candidates = new Set<unknown>([mod.default, ...Object.values(mod)]);
      for (const value of candidates) {
        if (isFlavorPlugin(value) && registry.list().indexOf(value) < 0) {
          try {
            registry.register(value);
          } catch {
            // a conflicting registration already holds those names
          }
        }
      }
    }
    if (registry.resolve(loaderModule) !== undefined) return { packageName, foundAt: pkgDir };
  }
  return { packageName };
}
