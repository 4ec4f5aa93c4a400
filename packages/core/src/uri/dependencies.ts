import { mkdtemp, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import yaml from "js-yaml";
import { MlflowException } from "../errors/mlflow-exception.js";
import { resolveInsideModelDir } from "../paths/resolve-inside.js";
import { type ResolveModelUriOptions, resolveModelUri } from "./resolve.js";

export interface ModelDependenciesOptions extends ResolveModelUriOptions {
  /** MLflow's `format`: "pip" (requirements.txt, default) or "conda" (the conda env file). */
  format?: "pip" | "conda";
  /** Receives MLflow's notices (pip section taken from conda.yaml, conda dependencies left out). */
  onWarning?: (message: string) => void;
}

const isFile = (p: string) =>
  stat(p).then(
    (s) => s.isFile(),
    () => false,
  );

type Flavors = Record<string, Record<string, unknown>>;

/** The pyfunc block's conda env file (MLflow's `_extract_conda_env`: `env` itself or `env.conda`). */
function condaYamlPath(dir: string, flavors: Flavors): string {
  const env = flavors.python_function?.env;
  const name =
    typeof env === "string"
      ? env
      : env && typeof env === "object" && typeof (env as { conda?: unknown }).conda === "string"
        ? (env as { conda: string }).conda
        : undefined;
  if (name === undefined) {
    throw MlflowException.notFound(`The model at '${dir}' records no conda environment file.`);
  }
  return resolveInsideModelDir(dir, name, "python_function.env");
}

/** requirements.txt written from conda.yaml's pip section, as MLflow does when a model has no requirements.txt. */
async function pipFromConda(dir: string, flavors: Flavors, warn: (m: string) => void): Promise<string> {
  const file = condaYamlPath(dir, flavors);
  const text = await readFile(file, "utf8").catch((error: unknown) => {
    throw MlflowException.notFound(`No conda environment file at '${file}'.`, { cause: error });
  });
  const conda = (yaml.load(text, { schema: yaml.CORE_SCHEMA }) ?? {}) as { dependencies?: unknown };
  const deps = Array.isArray(conda.dependencies) ? [...conda.dependencies] : [];
  const index = deps.findIndex(
    (d) => d !== null && typeof d === "object" && Array.isArray((d as { pip?: unknown }).pip),
  );
  if (index < 0) {
    throw MlflowException.notFound("No pip section found in conda.yaml file in the model directory.");
  }
  const pip = (deps.splice(index, 1)[0] as { pip: unknown[] }).pip.map(String);
  if (deps.length > 0) {
    warn(
      `The following conda dependencies have been excluded from the environment file: ${deps.map(String).join(", ")}.`,
    );
  }
  const out = join(await mkdtemp(join(tmpdir(), "pyfunc-deps-")), "requirements.txt");
  await writeFile(out, `${pip.join("\n")}\n`);
  return out;
}

/**
 * The dependency file of a model, as `mlflow.pyfunc.get_model_dependencies(model_uri, format)` returns it:
 * for models Python runs (python_function), `requirements.txt` (or one written from conda.yaml's pip section when
 * the model has none) or, with `format: "conda"`, the conda env file; for JS-only models (js_function), the Node
 * environment file recorded at save (Node version and exact package versions).
 */
export async function getModelDependencies(
  uri: string,
  options: ModelDependenciesOptions = {},
): Promise<string> {
  const format = options.format ?? "pip";
  if (format !== "pip" && format !== "conda") {
    throw MlflowException.invalidParameter(`Illegal format argument '${String(format)}'.`);
  }
  const dir = await resolveModelUri(uri, options);
  const text = await readFile(join(dir, "MLmodel"), "utf8").catch(() => {
    throw MlflowException.notFound(`No MLmodel file in '${dir}'.`);
  });
  const mlmodel = (yaml.load(text, { schema: yaml.CORE_SCHEMA }) ?? {}) as { flavors?: Flavors };
  const flavors = mlmodel.flavors ?? {};
  const js = flavors.js_function;
  if (js && format === "pip") {
    const candidates: string[] = [];
    const env = js.env;
    if (typeof env === "string") candidates.push(env);
    else if (env && typeof env === "object") {
      for (const v of Object.values(env as Record<string, unknown>))
        if (typeof v === "string") candidates.push(v);
    }
    candidates.push("node_env.yaml");
    for (const c of candidates) {
      const path = resolveInsideModelDir(dir, c, "js_function.env");
      if (await isFile(path)) return path;
    }
    throw MlflowException.notFound(
      `Model at '${uri}' has no dependency file (looked for ${candidates.join(", ")}).`,
    );
  }
  if (format === "conda") return condaYamlPath(dir, flavors);
  const requirements = resolveInsideModelDir(dir, "requirements.txt");
  if (await isFile(requirements)) return requirements;
  const warn = options.onWarning ?? ((m: string) => process.emitWarning(m, { type: "PyfuncWarning" }));
  warn(
    "requirements.txt is not found in the model directory. Falling back to extracting pip requirements from the model's 'conda.yaml' file. Conda dependencies will be ignored.",
  );
  return pipFromConda(dir, flavors, warn);
}
