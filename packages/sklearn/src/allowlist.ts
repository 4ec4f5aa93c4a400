import { Allowlist, inertRecord, type Refusal, standardAllowlist } from "@pyfunc/pickle";
import { UFUNC_MODULES, UFUNC_NAMES } from "./estimators/ufuncs.js";
import { ESTIMATORS, INERT_CLASSES, REFERENCED_FUNCTIONS } from "./registry.js";

let cached: Allowlist | null = null;

/**
 * The only trust: numpy/scipy/builtins from @pyfunc/pickle, every estimator class this package rebuilds and
 * the helper objects inside them (all as inert records, interpreted field by field afterwards), numpy ufuncs
 * and score functions as references. Anything else in a file is refused by the reader.
 */
export function sklearnAllowlist(): Allowlist {
  if (cached) return cached;
  const a = new Allowlist().use(standardAllowlist());
  a.registerAll([...Object.keys(ESTIMATORS), ...INERT_CLASSES], inertRecord);
  for (const m of UFUNC_MODULES) a.reference(...UFUNC_NAMES.map((n) => `${m}.${n}`));
  a.reference(...REFERENCED_FUNCTIONS);
  cached = a;
  return a;
}

/** How a refusal reads for a scikit-learn user: the class, and what to do instead. */
export function describeRefusal(r: Refusal): string | undefined {
  const where =
    r.owner !== undefined
      ? ` (in ${r.owner.slice(r.owner.lastIndexOf(".") + 1)}${r.key !== undefined ? `.${String(r.key)}` : ""})`
      : "";
  if (r.reason === "python-code") {
    const owner = r.owner?.slice(r.owner.lastIndexOf(".") + 1) ?? "The model";
    return `${owner}(${r.key ?? "func"}=${r.functionName ?? "<function>"}) holds Python code (a function pickled by value); it cannot be loaded outside Python. Use a numpy ufunc such as numpy.log1p, or convert the model to ONNX with skl2onnx.`;
  }
  if (r.reason === "not-allowed" && r.global.startsWith("sklearn.")) {
    return `scikit-learn class '${r.global}'${where} is not supported by @pyfunc/sklearn. Convert the model to ONNX with skl2onnx (\`skl2onnx.to_onnx(model, X[:1])\`) and save it with mlflow.onnx.`;
  }
  return undefined;
}
