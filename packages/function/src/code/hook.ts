import { register } from "node:module";

/**
 * The ESM resolve hook that lets saved model code import packages from the loading application.
 *
 * Model code is imported through a URL that carries a marker query (`pyfunc-code=<id>`), the model directory
 * (`pyfunc-root`) and the directories to resolve packages from (`pyfunc-base`, in order). For modules whose parent
 * carries the marker:
 * - bare specifiers (`zod`, `@pyfunc/custom-class`, `node:fs`) are resolved as if imported from each base in turn
 *   (the loading application's working directory first, then the flavor package itself);
 * - relative and absolute specifiers must resolve to a file inside the model directory (else an error), and the
 *   marker query is carried over so their own imports are handled the same way.
 * Everything else is passed through untouched.
 */
const HOOK_SOURCE = `
const MARK = "pyfunc-code";
function isPathLike(s) {
  return s.startsWith("./") || s.startsWith("../") || s === "." || s === ".." || s.startsWith("/") || s.startsWith("file:");
}
export async function resolve(specifier, context, nextResolve) {
  const parent = context.parentURL;
  if (!parent || !parent.startsWith("file:") || !parent.includes(MARK + "=")) return nextResolve(specifier, context);
  const parentUrl = new URL(parent);
  if (!parentUrl.searchParams.has(MARK)) return nextResolve(specifier, context);
  if (!isPathLike(specifier)) {
    if (specifier.startsWith("data:") || specifier.startsWith("node:")) return nextResolve(specifier, context);
    let lastError;
    for (const base of parentUrl.searchParams.getAll("pyfunc-base")) {
      try {
        return await nextResolve(specifier, { ...context, parentURL: base });
      } catch (error) {
        lastError = error;
      }
    }
    if (lastError) throw lastError;
    return nextResolve(specifier, context);
  }
  const resolved = await nextResolve(specifier, context);
  const root = parentUrl.searchParams.get("pyfunc-root") || "";
  const target = new URL(resolved.url);
  target.search = "";
  const rootHref = root.endsWith("/") ? root : root + "/";
  if (target.protocol !== "file:" || !(target.href.startsWith(rootHref))) {
    const err = new Error("Model code may only import files inside its model directory (" + root + "); refused: " + specifier + " -> " + target.href);
    err.code = "ERR_PYFUNC_CODE_OUTSIDE_MODEL_DIR";
    throw err;
  }
  target.search = parentUrl.search;
  return { ...resolved, url: target.href };
}
`;

const REGISTERED = Symbol.for("@pyfunc/model-code.resolve-hook-registered");

/** Register the resolve hook once per process (idempotent, shared by every @pyfunc code flavor copy). */
export function ensureModelCodeHook(): void {
  const g = globalThis as Record<symbol, unknown>;
  if (g[REGISTERED]) return;
  register(`data:text/javascript,${encodeURIComponent(HOOK_SOURCE)}`);
  g[REGISTERED] = true;
}

export const MODEL_CODE_MARKER = "pyfunc-code";
