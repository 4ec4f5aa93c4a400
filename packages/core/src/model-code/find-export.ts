// Saving a model given as a value (MLflow's `python_model=<callable>`): MLflow pickles the callable; JavaScript
// functions cannot be serialized, so the value is saved as models from code: the module file that exports it is
// compiled into the model directory and the export's name is recorded.
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { MlflowException } from "../errors/mlflow-exception.js";
import { type StagedModelCode, stageModelCode } from "./staging.js";

const CODE_FILE = /\.(?:[cm]?js|[cm]?ts)$/;

export interface ExportingModule {
  /** The module file that exports the value. */
  file: string;
  /** The export holding it (`default` for a default export). */
  exportName: string;
  /** The module compiled for the model directory (dispose it after saving). */
  staged: StagedModelCode;
}

export interface StageExportingModuleOptions {
  /** Base directory of relative candidate paths. Default `process.cwd()`. */
  cwd?: string;
  /** Where package imports of the staged module may also resolve from (as `importStaged`). */
  extraResolveFrom?: string[];
}

/** Candidate module files: paths or `file:` URLs of files, and the code files directly inside directories. */
async function candidateFiles(candidates: readonly (string | URL)[], cwd: string): Promise<string[]> {
  const out: string[] = [];
  for (const c of candidates) {
    const p = c instanceof URL || /^file:/i.test(c) ? fileURLToPath(c) : path.resolve(cwd, c);
    const st = await stat(p).catch(() => undefined);
    if (st?.isFile()) out.push(p);
    else if (st?.isDirectory()) {
      const names = (await readdir(p)).filter((n) => CODE_FILE.test(n) && !n.endsWith(".d.ts")).sort();
      for (const n of names) out.push(path.join(p, n));
    }
  }
  return [...new Set(out)];
}

/** The export of `mod` that is `value` itself. */
function exportHolding(mod: Record<string, unknown>, value: unknown): string | undefined {
  for (const [name, v] of Object.entries(mod)) if (v === value) return name;
  return undefined;
}

/**
 * The export of a recompiled copy of the module that stands for `value`: a function export of the same name and
 * arity (a bundled copy is a new function object, so identity cannot be checked there).
 */
function exportNamed(mod: Record<string, unknown>, value: (...a: never[]) => unknown): string | undefined {
  const same = (v: unknown): boolean => typeof v === "function" && v.length === value.length;
  if (value.name && same(mod[value.name]) && (mod[value.name] as { name?: string }).name === value.name) {
    return value.name;
  }
  if (same(mod.default) && (mod.default as { name?: string }).name === value.name && value.name !== "")
    return "default";
  return undefined;
}

/**
 * Find the module file (among `candidates`: the module given by the caller, e.g. `import.meta.url`, then code
 * paths) that exports `value`, and compile it as models from code do. The module is imported to find the export:
 * first as it is (the same module instance the caller holds, so the export is the value itself), else compiled
 * (a fresh copy: the export is matched by name and arity). Returns undefined when no candidate exports it.
 */
export async function stageModuleExporting(
  value: (...a: never[]) => unknown,
  candidates: readonly (string | URL)[],
  options: StageExportingModuleOptions = {},
): Promise<ExportingModule | undefined> {
  const cwd = options.cwd ?? process.cwd();
  for (const file of await candidateFiles(candidates, cwd)) {
    let exportName: string | undefined;
    try {
      exportName = exportHolding((await import(pathToFileURL(file).href)) as Record<string, unknown>, value);
    } catch {
      // not importable as it is (TypeScript without a loader …): match in the compiled copy below
    }
    const staged = await stageModelCode(file, cwd);
    try {
      const mod = await staged.importStaged(options.extraResolveFrom ?? []);
      exportName ??= exportNamed(mod, value);
      if (exportName !== undefined && typeof mod[exportName] === "function")
        return { file, exportName, staged };
    } catch (error) {
      await staged.dispose();
      throw error;
    }
    await staged.dispose();
  }
  return undefined;
}

/** The MlflowException for a value no candidate module exports (what to do instead). */
export function notExportedError(what: string, name: string): MlflowException {
  const label = name ? `\`${name}\`` : "(anonymous)";
  return MlflowException.invalidParameter(
    `Cannot save ${what} ${label}: it is not exported by the module given as \`module\` or by a file in ` +
      "`codePaths`. JavaScript functions cannot be pickled as MLflow pickles a Python callable, so the model is " +
      "saved from code: export the function from its own module file (a named or default export; the module is " +
      "run once at save time, so not the script that calls saveModel) and pass that file as `module` (a path or " +
      'URL, e.g. `new URL("./predict.js", import.meta.url)`) or in `codePaths`, or save it with `modelCode`.',
  );
}
