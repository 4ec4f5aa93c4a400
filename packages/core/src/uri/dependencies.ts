import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import yaml from "js-yaml";
import { MlflowException } from "../errors/mlflow-exception.js";
import { resolveInsideModelDir } from "../paths/resolve-inside.js";
import { type ResolveModelUriOptions, resolveModelUri } from "./resolve.js";

/**
 * The dependency file of a model, as `mlflow.pyfunc.get_model_dependencies` returns it:
 * for models Python runs (python_function), the pip `requirements.txt`; for JS-only models (js_function),
 * the Node environment file recorded at save (Node version and exact package versions).
 */
export async function getModelDependencies(
  uri: string,
  options: ResolveModelUriOptions = {},
): Promise<string> {
  const dir = await resolveModelUri(uri, options);
  const text = await readFile(join(dir, "MLmodel"), "utf8").catch(() => {
    throw MlflowException.notFound(`No MLmodel file in '${dir}'.`);
  });
  const mlmodel = (yaml.load(text, { schema: yaml.CORE_SCHEMA }) ?? {}) as {
    flavors?: Record<string, Record<string, unknown>>;
  };
  const js = mlmodel.flavors?.js_function;
  const candidates: string[] = [];
  if (js) {
    const env = js.env;
    if (typeof env === "string") candidates.push(env);
    else if (env && typeof env === "object") {
      for (const v of Object.values(env as Record<string, unknown>))
        if (typeof v === "string") candidates.push(v);
    }
    candidates.push("node_env.yaml");
  } else {
    candidates.push("requirements.txt");
  }
  for (const c of candidates) {
    const path = resolveInsideModelDir(dir, c, "dependency file");
    if (
      await stat(path).then(
        (s) => s.isFile(),
        () => false,
      )
    )
      return path;
  }
  throw MlflowException.notFound(
    `Model at '${uri}' has no dependency file (looked for ${candidates.join(", ")}).`,
  );
}
