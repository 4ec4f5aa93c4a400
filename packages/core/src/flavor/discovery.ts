import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { MlflowException } from "../errors/mlflow-exception.js";
import { resolveInsideModelDir } from "../paths/resolve-inside.js";
import { type FlavorRegistry, isFlavorPlugin } from "./registry.js";

/**
 * Install hints: the package to suggest (`npm install …`) for MLflow loader modules whose flavor package is not
 * installed. Finding an installed package does not need this table: discovery reads the flavor marker of the
 * installed packages' package.json (see `FLAVOR_MARKER`).
 */
export const KNOWN_FLAVOR_PACKAGES: Readonly<Record<string, string>> = Object.freeze({
  "mlflow.onnx": "@pyfunc/onnx",
  "mlflow.xgboost": "@pyfunc/xgboost",
  "mlflow.lightgbm": "@pyfunc/lightgbm",
  "mlflow.sklearn": "@pyfunc/sklearn",
  tfjs: "@pyfunc/tfjs",
  "mlflow.tfjs": "@pyfunc/tfjs",
  "custom-class": "@pyfunc/custom-class",
  function: "@pyfunc/function",
});

/**
 * The package.json field that marks a flavor package and names the MLmodel loader modules it answers for:
 * `"pyfunc": { "flavor": { "loaderModules": ["mlflow.xgboost"] } }`. Its own package name always counts too.
 */
export const FLAVOR_MARKER = "pyfunc";

const NPM_NAME = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;

/** The npm package (name only, subpath dropped) a loader module string names, if it names one. */
export function npmPackageOf(loaderModule: string): string | undefined {
  const parts = loaderModule.split("/");
  const name = loaderModule.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
  return name !== undefined && NPM_NAME.test(name) && name.length <= 214 ? name : undefined;
}

/** The package a loader module names itself (`@pyfunc/*` or a name containing `pyfunc-flavor`), if any. */
function selfNamedPackage(loaderModule: string): string | undefined {
  const pkg = npmPackageOf(loaderModule);
  if (pkg === undefined) return undefined;
  return pkg.startsWith("@pyfunc/") || pkg.includes("pyfunc-flavor") ? pkg : undefined;
}

/**
 * The npm package that provides (or would provide) a plugin for `loaderModule`: an installed flavor package
 * whose marker claims it (found from `bases`), else the loader module itself when it is an `@pyfunc/*` package
 * or a package whose name contains `pyfunc-flavor`, else the install hint of `KNOWN_FLAVOR_PACKAGES`.
 */
export function flavorPackageFor(
  loaderModule: string,
  bases: readonly string[] = defaultDiscoveryBases(),
): string | undefined {
  const installed = candidatePackages(loaderModule, bases)[0];
  if (installed !== undefined) return installed.name;
  return selfNamedPackage(loaderModule) ?? hintFor(loaderModule);
}

function hintFor(loaderModule: string): string | undefined {
  return Object.hasOwn(KNOWN_FLAVOR_PACKAGES, loaderModule) ? KNOWN_FLAVOR_PACKAGES[loaderModule] : undefined;
}

/**
 * Where discovery looks (each walked up as Node's resolver does): the working directory, the application's
 * entry script when it is the application's own code (not a tool inside node_modules: a workspace app such as
 * the CLI finds the flavors in its own node_modules, whatever the cwd), and this copy of core (its siblings in
 * an npm or pnpm install).
 */
export function defaultDiscoveryBases(): string[] {
  const bases = [process.cwd()];
  const main = process.argv[1];
  if (main !== undefined && main.length > 0) {
    try {
      const script = realpathSync(main);
      if (!script.split(path.sep).includes("node_modules")) bases.push(path.dirname(script));
    } catch {
      // not a file (node -e, a REPL)
    }
  }
  try {
    bases.push(path.dirname(fileURLToPath(import.meta.url)));
  } catch {
    // not loaded from a file
  }
  return [...new Set(bases)];
}

/** A flavor package found in node_modules. */
export interface InstalledFlavorPackage {
  name: string;
  version: string | null;
  /** The package directory, symlinks resolved. */
  dir: string;
  /** Loader modules its marker claims, plus its own name. */
  loaderModules: string[];
  /** False for a package reached only because a loader module names it, without the flavor marker. */
  marked: boolean;
}

interface Manifest {
  name?: unknown;
  version?: unknown;
  pyfunc?: { flavor?: { loaderModules?: unknown } };
}

function readManifest(dir: string): Manifest | undefined {
  try {
    const value: unknown = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"));
    return typeof value === "object" && value !== null ? (value as Manifest) : undefined;
  } catch {
    return undefined;
  }
}

/** The loader modules a manifest's flavor marker claims; undefined when it has no (valid) marker. */
function markerOf(manifest: Manifest): string[] | undefined {
  const claimed = manifest[FLAVOR_MARKER]?.flavor?.loaderModules;
  if (!Array.isArray(claimed)) return undefined;
  return claimed.filter((m): m is string => typeof m === "string" && m.length > 0 && m.length <= 214);
}

function describePackage(
  name: string,
  dir: string,
  requireMarker: boolean,
): InstalledFlavorPackage | undefined {
  const manifest = readManifest(dir);
  if (manifest === undefined || manifest.name !== name) return undefined;
  const claimed = markerOf(manifest);
  if (claimed === undefined && requireMarker) return undefined;
  let real = dir;
  try {
    real = realpathSync(dir);
  } catch {
    // keep the path as found
  }
  return {
    name,
    version: typeof manifest.version === "string" ? manifest.version : null,
    dir: real,
    loaderModules: [...new Set([...(claimed ?? []), name])],
    marked: claimed !== undefined,
  };
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** The `node_modules` directories Node's resolver would visit from `base`, nearest first. */
function nodeModulesDirs(base: string): string[] {
  const out: string[] = [];
  let dir = path.resolve(base);
  for (;;) {
    if (path.basename(dir) !== "node_modules") out.push(path.join(dir, "node_modules"));
    const parent = path.dirname(dir);
    if (parent === dir) return out;
    dir = parent;
  }
}

/** Package names in one node_modules directory that may be flavors: `@pyfunc/*` and `*pyfunc-flavor*`. */
function flavorNamesIn(nodeModules: string): string[] {
  const names: string[] = [];
  for (const entry of listDir(nodeModules)) {
    if (entry.startsWith("@")) {
      for (const inner of listDir(path.join(nodeModules, entry))) {
        if (entry === "@pyfunc" || inner.includes("pyfunc-flavor")) names.push(`${entry}/${inner}`);
      }
    } else if (entry.includes("pyfunc-flavor")) {
      names.push(entry);
    }
  }
  return names;
}

/**
 * Every installed flavor package reachable from `bases`: packages named `@pyfunc/*` or containing
 * `pyfunc-flavor` whose package.json carries the flavor marker. The nearest copy of each name wins.
 */
export function findFlavorPackages(
  bases: readonly string[] = defaultDiscoveryBases(),
): InstalledFlavorPackage[] {
  const found = new Map<string, InstalledFlavorPackage>();
  for (const base of bases) {
    for (const nodeModules of nodeModulesDirs(base)) {
      for (const name of flavorNamesIn(nodeModules)) {
        if (found.has(name)) continue;
        const pkg = describePackage(name, path.join(nodeModules, ...name.split("/")), true);
        if (pkg !== undefined) found.set(name, pkg);
      }
    }
  }
  return [...found.values()];
}

/**
 * Installed packages that may answer for `loaderModule`, best first: the package the loader module names and
 * the install hint's package (marker or not: both are named explicitly), then marked packages claiming it.
 */
function candidatePackages(loaderModule: string, bases: readonly string[]): InstalledFlavorPackage[] {
  const out: InstalledFlavorPackage[] = [];
  for (const name of new Set([selfNamedPackage(loaderModule), hintFor(loaderModule)])) {
    if (name === undefined) continue;
    for (const base of bases) {
      const dir = findInstalledPackage(name, base);
      const pkg = dir === undefined ? undefined : describePackage(name, dir, false);
      if (pkg !== undefined) {
        out.push(pkg);
        break;
      }
    }
  }
  for (const pkg of findFlavorPackages(bases)) {
    if (pkg.loaderModules.includes(loaderModule) && !out.some((p) => p.name === pkg.name)) out.push(pkg);
  }
  return out;
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

/**
 * Register the flavor plugins a module exports (default and named) that are not registered in `registry` yet
 * (the module registered into another copy of core, or into the default registry when `registry` is another),
 * recording `moduleUrl` as where they came from. Conflicting registrations are skipped.
 */
export function registerModuleExports(
  mod: Record<string, unknown>,
  registry: FlavorRegistry,
  moduleUrl: string,
): void {
  const candidates = new Set<unknown>([mod.default, ...Object.values(mod)]);
  for (const value of candidates) {
    if (!isFlavorPlugin(value)) continue;
    if (registry.list().indexOf(value) < 0) {
      try {
        registry.register(value, { moduleUrl });
      } catch {
        // a conflicting registration already holds those names
      }
    } else registry.recordModuleUrl(value, moduleUrl);
  }
}

/**
 * Module URLs that re-create `registry`'s plugins in another thread (one per plugin, see
 * `FlavorRegistry.moduleUrlOf`); bare package names are resolved from the discovery bases to file URLs, and
 * left out where they cannot be found.
 */
export function flavorModuleUrls(
  registry: FlavorRegistry,
  bases: readonly string[] = defaultDiscoveryBases(),
): string[] {
  const urls = new Set<string>();
  for (const plugin of registry.list()) {
    const url = registry.moduleUrlOf(plugin);
    if (url !== plugin.packageName) {
      urls.add(url);
      continue;
    }
    let resolved: string | undefined;
    for (const base of bases) {
      const pkgDir = findInstalledPackage(url, base);
      const entry = pkgDir === undefined ? undefined : entryFile(pkgDir);
      if (entry !== undefined) {
        resolved = pathToFileURL(entry).href;
        break;
      }
    }
    // a package name that resolves nowhere here is left out: whoever registered that plugin imported it by
    // another route, and the caller passes those modules itself
    if (resolved !== undefined) urls.add(resolved);
  }
  return [...urls];
}

/** Outcome of one discovery attempt. */
export interface DiscoveryResult {
  packageName: string;
  /** Directory of the package that was imported, if one was found. */
  foundAt?: string;
  /** file: URL of the module imported, for threads and processes that must import the same plugin. */
  moduleUrl?: string;
}

/**
 * Import an installed flavor package (its ESM entry) so it registers itself; plugins it exports but did not
 * register into `registry` (a custom registry, or a second copy of core) are registered here. Returns the
 * imported module's URL, or undefined when the package has no loadable entry file. Throws MlflowException
 * (errorClass FLAVOR_PACKAGE_FAILED) when the package throws while importing.
 */
export async function importFlavorPackage(
  pkg: Pick<InstalledFlavorPackage, "name" | "dir">,
  registry: FlavorRegistry,
): Promise<string | undefined> {
  const entry = entryFile(pkg.dir);
  if (entry === undefined) return undefined;
  const url = pathToFileURL(entry).href;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(url)) as Record<string, unknown>;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new MlflowException(
      `The flavor package '${pkg.name}' (found at ${pkg.dir}) failed to load: ${reason}`,
      "INTERNAL_ERROR",
      { cause: error, errorClass: "FLAVOR_PACKAGE_FAILED" },
    );
  }
  registerModuleExports(mod, registry, url);
  return url;
}

/**
 * Discovery on demand: import the installed package that should provide `loaderModule` (found from the
 * application's cwd, its entry script and core's own location) so it registers itself. Returns undefined
 * when no package is known for the loader module; throws when the package was found but failed to import.
 */
export async function discoverFlavor(
  loaderModule: string,
  registry: FlavorRegistry,
  bases: readonly string[] = defaultDiscoveryBases(),
): Promise<DiscoveryResult | undefined> {
  const candidates = candidatePackages(loaderModule, bases);
  for (const pkg of candidates) {
    const moduleUrl = await importFlavorPackage(pkg, registry);
    if (moduleUrl !== undefined && registry.resolve(loaderModule) !== undefined) {
      return { packageName: pkg.name, foundAt: pkg.dir, moduleUrl };
    }
  }
  const packageName = candidates[0]?.name ?? selfNamedPackage(loaderModule) ?? hintFor(loaderModule);
  return packageName === undefined ? undefined : { packageName };
}
