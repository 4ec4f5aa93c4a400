import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

/**
 * The flavor packages. A flavor never depends on another flavor, and the apps reach flavors only through core's
 * discovery (the loader module names a package that core finds and imports). Runtime libraries that flavors share
 * (`@pyfunc/forest`, `@pyfunc/pickle`) are not flavors and may be depended on.
 */
export const FLAVOR_PACKAGES = [
  "@pyfunc/onnx",
  "@pyfunc/xgboost",
  "@pyfunc/tfjs",
  "@pyfunc/custom-class",
  "@pyfunc/function",
  "@pyfunc/lightgbm",
  "@pyfunc/sklearn",
] as const;

/**
 * Apps checked for flavor imports: their production sources. Tests and benches may build fixture models with a
 * flavor's `saveModel`; `apps/examples` is exempt because it shows users how they import flavors.
 */
export const CHECKED_APPS = ["server", "cli"] as const;

const DEPENDENCY_FIELDS = [
  "dependencies",
  "devDependencies",
  "peerDependencies",
  "optionalDependencies",
] as const;
const SOURCE = /\.(?:[cm]?[jt]s|tsx)$/;
const SKIP_DIRS = new Set(["node_modules", "dist", "fixtures", "test-sources", "coverage"]);

function filesUnder(dir: string, keep: (file: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    if (SKIP_DIRS.has(entry)) continue;
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) out.push(...filesUnder(full, keep));
    else if (keep(full)) out.push(full);
  }
  return out;
}

const isTest = (file: string): boolean =>
  /\.test\.[cm]?[jt]s$/.test(file) || /[\\/]__tests__[\\/]/.test(file);

/** The flavor packages a source text imports (static imports, re-exports, side-effect and literal dynamic imports). */
export function importedFlavors(text: string): string[] {
  const found = new Set<string>();
  const re =
    /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)["'](@pyfunc\/[a-z0-9-]+)(?:\/[^"']*)?["']/g;
  for (const m of text.matchAll(re)) {
    if ((FLAVOR_PACKAGES as readonly string[]).includes(m[1]!)) found.add(m[1]!);
  }
  return [...found];
}

/** Every way the tree at `root` breaks the flavor boundaries, one line each (empty when it keeps them). */
export function flavorBoundaryViolations(root: string): string[] {
  const problems: string[] = [];
  const packagesDir = join(root, "packages");
  for (const name of existsSync(packagesDir) ? readdirSync(packagesDir) : []) {
    const manifestPath = join(packagesDir, name, "package.json");
    if (!existsSync(manifestPath)) continue;
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as Record<string, unknown>;
    const self = manifest.name as string;
    for (const field of DEPENDENCY_FIELDS) {
      const deps = (manifest[field] ?? {}) as Record<string, string>;
      for (const dep of Object.keys(deps)) {
        if (dep !== self && (FLAVOR_PACKAGES as readonly string[]).includes(dep)) {
          problems.push(`packages/${name}/package.json: ${field} names the flavor ${dep}`);
        }
      }
    }
    for (const file of filesUnder(join(packagesDir, name, "src"), (f) => SOURCE.test(f))) {
      for (const flavor of importedFlavors(readFileSync(file, "utf8"))) {
        if (flavor !== self) problems.push(`${relative(root, file)}: imports the flavor ${flavor}`);
      }
    }
  }
  for (const app of CHECKED_APPS) {
    for (const file of filesUnder(join(root, "apps", app, "src"), (f) => SOURCE.test(f) && !isTest(f))) {
      for (const flavor of importedFlavors(readFileSync(file, "utf8"))) {
        problems.push(
          `${relative(root, file)}: imports the flavor ${flavor} (apps find flavors through core's discovery)`,
        );
      }
    }
  }
  return problems;
}
