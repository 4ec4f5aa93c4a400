import { realpathSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { MlflowException } from "../errors/mlflow-exception.js";
import { PATH_OUTSIDE_MODEL_DIR, resolveInsideModelDir } from "../paths/resolve-inside.js";
import { ensureModelCodeHook, MODEL_CODE_MARKER } from "./hook.js";

/**
 * Dynamic `import()` performed by Node itself, from a CommonJS file loaded with require(): tools that rewrite
 * `import()` calls in ES modules (Vite, vitest, bundlers) leave it alone, so model code always goes through
 * Node's loader and the resolve hook, never through a dev server's resolver.
 */
const nativeImport = createRequire(import.meta.url)("../../native-import.cjs") as (
  specifier: string,
) => Promise<Record<string, unknown>>;

let importCounter = 0;

export interface ImportModelCodeOptions {
  /**
   * Where bare package imports of the model code are resolved from, in order. Defaults to the environment variable
   * `PYFUNC_MODEL_CODE_RESOLVE_FROM` (a directory) when set, else `process.cwd()` (the loading application), followed
   * by `extraResolveFrom`.
   */
  resolveFrom?: string[];
  /** Further places to resolve packages from after the application (e.g. the flavor package's own URL). */
  extraResolveFrom?: string[];
}

function toBaseUrl(place: string): string {
  if (place.startsWith("file:")) return place;
  // A URL of a (possibly non-existent) file inside the directory: node resolves node_modules from its folder.
  return pathToFileURL(path.join(path.resolve(place), "__pyfunc_resolve_base__.js")).href;
}

/** The directories bare imports resolve from by default: `$PYFUNC_MODEL_CODE_RESOLVE_FROM`, else the cwd. */
export function defaultResolveBases(): string[] {
  const fromEnv = process.env.PYFUNC_MODEL_CODE_RESOLVE_FROM;
  const list = fromEnv ? fromEnv.split(path.delimiter).filter((s) => s.length > 0) : [process.cwd()];
  return list;
}

/**
 * Import a saved model-code module, which must be inside `modelDir`. Package imports resolve from the loading
 * application (see ImportModelCodeOptions); relative imports must stay inside the model directory.
 * Every call evaluates the module afresh (a unique query string), so loading a model twice gives two instances.
 * Loading a code model runs its code.
 */
export async function importModelCode(
  modelDir: string,
  absoluteFile: string,
  options: ImportModelCodeOptions = {},
): Promise<Record<string, unknown>> {
  let realRoot: string;
  let realFile: string;
  try {
    realRoot = realpathSync(modelDir);
    realFile = realpathSync(absoluteFile);
  } catch (error) {
    throw MlflowException.notFound(
      `Model code file '${absoluteFile}' does not exist: ${(error as Error).message}`,
    );
  }
  const rel = path.relative(realRoot, realFile);
  const notInside = () =>
    MlflowException.invalidParameter(
      `Refusing to import model code '${absoluteFile}': it is not inside the model directory '${modelDir}'.`,
    );
  if (rel === "") throw notInside();
  try {
    resolveInsideModelDir(realRoot, rel, "model code file");
  } catch (error) {
    if ((error as MlflowException).errorClass === PATH_OUTSIDE_MODEL_DIR) throw notInside();
    throw error; // a FIFO or device: refused before it is opened
  }
  ensureModelCodeHook();
  const bases = [...(options.resolveFrom ?? defaultResolveBases()), ...(options.extraResolveFrom ?? [])];
  const url = new URL(pathToFileURL(realFile).href);
  importCounter += 1;
  url.searchParams.set(MODEL_CODE_MARKER, `${process.pid}-${Date.now()}-${importCounter}`);
  url.searchParams.set("pyfunc-root", pathToFileURL(realRoot).href);
  for (const b of bases) url.searchParams.append("pyfunc-base", toBaseUrl(b));
  try {
    return await nativeImport(url.href);
  } catch (error) {
    if (error instanceof MlflowException) throw error;
    const err = error as NodeJS.ErrnoException;
    const hint =
      err.code === "ERR_MODULE_NOT_FOUND"
        ? ` A package the model code imports is not installed in the loading application (resolved from: ${bases.join(", ")}).`
        : "";
    throw new MlflowException(
      `Failed to import model code '${path.basename(realFile)}' from '${modelDir}': ${err.message ?? String(error)}.${hint}`,
      "INVALID_PARAMETER_VALUE",
      { cause: error },
    );
  }
}
