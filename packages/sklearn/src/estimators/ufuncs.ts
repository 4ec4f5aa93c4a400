import { badState } from "../errors.js";
import type { State } from "../state.js";

export type Ufunc = (x: number) => number;

/** The numpy ufuncs a FunctionTransformer / TransformedTargetRegressor may reference by name. */
const UFUNCS: Record<string, Ufunc> = {
  log1p: Math.log1p,
  expm1: Math.expm1,
  log: Math.log,
  log2: Math.log2,
  log10: Math.log10,
  exp: Math.exp,
  exp2: (x) => 2 ** x,
  sqrt: Math.sqrt,
  cbrt: Math.cbrt,
  square: (x) => x * x,
  absolute: Math.abs,
  negative: (x) => -x,
  reciprocal: (x) => 1 / x,
  sign: (x) => (Number.isNaN(x) ? x : Math.sign(x)),
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  tanh: Math.tanh,
  sinh: Math.sinh,
  cosh: Math.cosh,
  arcsinh: Math.asinh,
  arctan: Math.atan,
  floor: Math.floor,
  ceil: Math.ceil,
  trunc: Math.trunc,
  rint: (x) => {
    // round half to even, as numpy
    const r = Math.round(x);
    return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  },
};

/** Modules under which numpy pickles its ufuncs (numpy 1.x and 2.x), and the numpy namespace itself. */
export const UFUNC_MODULES = ["numpy.core._multiarray_umath", "numpy._core._multiarray_umath", "numpy"];

export const UFUNC_NAMES = Object.keys(UFUNCS);

/** `func` of a FunctionTransformer: None, or a reference to an allowlisted numpy ufunc. */
export function ufuncOf(s: State, key: string): Ufunc | null {
  const v = s.opt(key);
  if (v === null) return null;
  const q =
    typeof v === "object" && v !== null && "qualifiedName" in v
      ? String((v as { qualifiedName: unknown }).qualifiedName)
      : null;
  if (q === null) throw badState(s.cls, `'${key}' should be a numpy ufunc referenced by name`);
  const dot = q.lastIndexOf(".");
  const mod = q.slice(0, dot);
  const name = q.slice(dot + 1);
  const f = UFUNCS[name === "abs" ? "absolute" : name];
  if (!UFUNC_MODULES.includes(mod) || f === undefined)
    throw badState(s.cls, `${key}=${q} is not a supported numpy ufunc`);
  return f;
}
