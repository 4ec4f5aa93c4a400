import * as nodeModule from "node:module";

/**
 * The ESM resolve hook that lets saved model code import packages from the loading application.
 *
 * Model code is imported through a URL that carries a marker query (`pyfunc-code=<id>`), the model directory
 * (`pyfunc-root`) and the directories to resolve packages from (`pyfunc-base`, in order). For modules whose parent
 * carries the marker:
 * - bare specifiers (`zod`, `@pyfunc/custom-class`, `node:fs`) are resolved as if imported from each base in turn
 *   (the loading application's working directory first, then the flavor package itself);
 * - relative and absolute specifiers must resolve to a file inside the model directory (else an error), and the
 *   marker query is carried over so their own imports are handled the same way; such files must be ES modules
 *   (a CommonJS file's own `require` would load anything unchecked);
 * - `node:module` / `module` resolve to a copy whose `createRequire(...)` returns a checked `require`: packages and
 *   builtins load as usual, a path may name only a JSON file inside the model directory.
 * Everything else is passed through untouched.
 *
 * The hook runs in Node's loader thread from a data: URL, so it cannot import core's modules: its containment test
 * is lexical on paths Node has already resolved through symlinks (resolveInsideModelDir checked the entry file).
 */
const HOOK_SOURCE = `
import { fileURLToPath } from "node:url";
const MARK = "pyfunc-code";
let moduleExports = [];
export function initialize(data) {
  moduleExports = (data && data.moduleExports) || [];
}
function isPathLike(s) {
  return s.startsWith("./") || s.startsWith("../") || s === "." || s === ".." || s.startsWith("/") || s.startsWith("file:");
}
function outside(root, specifier, href, what) {
  const err = new Error("Model code may only " + what + " files inside its model directory (" + root + "); refused: " + specifier + " -> " + href);
  err.code = "ERR_PYFUNC_CODE_OUTSIDE_MODEL_DIR";
  return err;
}
function refuseCommonJs(resolved, specifier) {
  if (resolved.format !== "commonjs") return;
  const err = new Error("Model code must be ES modules; refused the CommonJS file " + specifier + " (its require() would not be checked)");
  err.code = "ERR_PYFUNC_CODE_COMMONJS";
  throw err;
}
const shims = new Map();
function moduleShimUrl(rootHref) {
  let url = shims.get(rootHref);
  if (url) return url;
  const root = fileURLToPath(rootHref).replace(/\\/+$/, "");
  const names = moduleExports.filter((n) => n !== "default" && n !== "createRequire" && n !== "Module" && /^[A-Za-z_$][\\w$]*$/.test(n));
  const source = [
    'import * as real from "node:module";',
    'import { realpathSync } from "node:fs";',
    'import path from "node:path";',
    'import { fileURLToPath } from "node:url";',
    "const ROOT = " + JSON.stringify(root) + ";",
    "const inside = (p) => { const r = path.relative(ROOT, p); return r !== '' && r !== '..' && !r.startsWith('..' + path.sep) && !path.isAbsolute(r); };",
    "const pathLike = (id) => typeof id === 'string' && (id.startsWith('./') || id.startsWith('../') || id === '.' || id === '..' || path.isAbsolute(id) || id.startsWith('file:'));",
    "function guard(req) {",
    "  const check = (id) => {",
    "    if (!pathLike(id)) return;",
    "    let target = req.resolve(id.startsWith('file:') ? fileURLToPath(id) : id);",
    "    try { target = realpathSync(target); } catch {}",
    "    if (!inside(target) || path.extname(target).toLowerCase() !== '.json') {",
    "      const e = new Error('Model code may only require() packages, builtins and JSON files inside its model directory (' + ROOT + '); refused: ' + id + ' -> ' + target);",
    "      e.code = 'ERR_PYFUNC_CODE_OUTSIDE_MODEL_DIR';",
    "      throw e;",
    "    }",
    "  };",
    "  const guarded = function require(id) { check(id); return req(id); };",
    "  guarded.resolve = req.resolve; guarded.cache = req.cache; guarded.extensions = req.extensions; guarded.main = req.main;",
    "  return guarded;",
    "}",
    "export function createRequire(from) { return guard(real.createRequire(from)); }",
    "const wrapped = new Proxy(real.default, { get: (t, k, r) => (k === 'createRequire' ? createRequire : Reflect.get(t, k, r)) });",
    "export default wrapped;",
    "export const Module = wrapped;",
    ...names.map((n) => "export const " + n + " = real." + n + ";"),
  ].join("\\n");
  url = "data:text/javascript," + encodeURIComponent(source);
  shims.set(rootHref, url);
  return url;
}
export async function resolve(specifier, context, nextResolve) {
  const parent = context.parentURL;
  if (!parent || !parent.startsWith("file:") || !parent.includes(MARK + "=")) {
    // The entry module itself (imported by importModelCode with the marker in its own URL) must be ESM too.
    if (specifier.startsWith("file:") && specifier.includes(MARK + "=")) {
      const resolved = await nextResolve(specifier, context);
      refuseCommonJs(resolved, specifier);
      return resolved;
    }
    return nextResolve(specifier, context);
  }
  const parentUrl = new URL(parent);
  if (!parentUrl.searchParams.has(MARK)) return nextResolve(specifier, context);
  const root = parentUrl.searchParams.get("pyfunc-root") || "";
  if (specifier === "node:module" || specifier === "module") {
    return { url: moduleShimUrl(root), format: "module", shortCircuit: true };
  }
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
  const target = new URL(resolved.url);
  target.search = "";
  const rootHref = root.endsWith("/") ? root : root + "/";
  if (target.protocol !== "file:" || !(target.href.startsWith(rootHref))) {
    throw outside(root, specifier, target.href, "import");
  }
  refuseCommonJs(resolved, specifier);
  target.search = parentUrl.search;
  return { ...resolved, url: target.href };
}
`;

const REGISTERED = Symbol.for("@pyfunc/model-code.resolve-hook-registered");

/** Register the resolve hook once per process (idempotent, shared by every @pyfunc code flavor copy). */
export function ensureModelCodeHook(): void {
  const g = globalThis as Record<symbol, unknown>;
  if (g[REGISTERED]) return;
  nodeModule.register(`data:text/javascript,${encodeURIComponent(HOOK_SOURCE)}`, {
    data: { moduleExports: Object.keys(nodeModule) },
  });
  g[REGISTERED] = true;
}

export const MODEL_CODE_MARKER = "pyfunc-code";
