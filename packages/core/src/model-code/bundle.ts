import { stat } from "node:fs/promises";
import path from "node:path";
import { MlflowException } from "../errors/mlflow-exception.js";

export interface BundleModelCodeOptions {
  /** The user's entry file (`.ts`, `.mts`, `.js`, `.mjs`, …), relative to `cwd` or absolute. */
  entry: string;
  /** Absolute output file (an `.mjs`). */
  outfile: string;
  /** Base for relative entries. Default `process.cwd()`. */
  cwd?: string;
}

export interface BundleModelCodeResult {
  /** Absolute path of the user's entry file. */
  entryPath: string;
  /** Bare package specifiers the bundle imports at load time (resolved from the loading application). */
  externalPackages: string[];
}

type Esbuild = typeof import("esbuild");

/** esbuild is an optional peer dependency: only saving a code model needs it (the code flavors depend on it). */
async function loadEsbuild(): Promise<Esbuild> {
  try {
    return await import("esbuild");
  } catch (error) {
    throw new MlflowException(
      "Saving a model from code needs the 'esbuild' package: install it with `npm install esbuild` " +
        "(@pyfunc/function and @pyfunc/custom-class depend on it).",
      "INVALID_STATE",
      { cause: error },
    );
  }
}

const SOURCE_EXTENSIONS = new Set([".ts", ".mts", ".cts", ".tsx", ".js", ".mjs", ".cjs", ".jsx"]);

/**
 * Compile the model code and everything it imports through relative paths into one ES module with esbuild.
 * Package imports (bare specifiers) stay external: they are resolved from the loading application at load time.
 * TypeScript is stripped, not type-checked (run `tsc --noEmit` yourself).
 */
export async function bundleModelCode(options: BundleModelCodeOptions): Promise<BundleModelCodeResult> {
  const cwd = options.cwd ?? process.cwd();
  const entryPath = path.resolve(cwd, options.entry);
  const st = await stat(entryPath).catch(() => undefined);
  if (!st?.isFile()) {
    throw MlflowException.invalidParameter(
      `Model code file '${options.entry}' does not exist or is not a file.`,
    );
  }
  if (!SOURCE_EXTENSIONS.has(path.extname(entryPath).toLowerCase())) {
    throw MlflowException.invalidParameter(
      `Model code file '${options.entry}' must be a JavaScript or TypeScript source (.ts, .mts, .js, .mjs, …).`,
    );
  }
  const { build } = await loadEsbuild();
  try {
    const result = await build({
      entryPoints: [entryPath],
      outfile: options.outfile,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      packages: "external",
      write: true,
      metafile: true,
      logLevel: "silent",
      absWorkingDir: path.dirname(entryPath),
      legalComments: "inline",
      banner: {
        js: `// Model code bundled by @pyfunc from ${path.basename(entryPath)}. Loading this model runs this code.`,
      },
    });
    const externals = new Set<string>();
    for (const out of Object.values(result.metafile.outputs)) {
      for (const imp of out.imports) if (imp.external) externals.add(imp.path);
    }
    return { entryPath, externalPackages: [...externals].sort() };
  } catch (error) {
    const errors = (
      error as { errors?: { text: string; location?: { file: string; line: number } | null }[] }
    ).errors;
    const detail = errors
      ? errors
          .map((e) => (e.location ? `${e.location.file}:${e.location.line}: ${e.text}` : e.text))
          .join("; ")
      : String(error);
    throw MlflowException.invalidParameter(`Failed to compile model code '${options.entry}': ${detail}`);
  }
}
