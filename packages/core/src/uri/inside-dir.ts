import { isAbsolute, relative, resolve } from "node:path";
import { MlflowException } from "../errors/mlflow-exception.js";

/** Resolve a relative path inside `dir`, refusing anything that escapes it (lexically). */
export function resolveInsideDir(dir: string, relativePath: string): string {
  const full = resolve(dir, relativePath);
  const rel = relative(dir, full);
  if (isAbsolute(relativePath) || rel.startsWith("..") || isAbsolute(rel)) {
    throw MlflowException.invalidParameter(`Path '${relativePath}' escapes the model directory '${dir}'.`);
  }
  return full;
}
