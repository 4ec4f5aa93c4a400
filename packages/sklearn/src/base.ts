import { badState, inputError } from "./errors.js";
import { type Csr, type Data, type Dense, dense, numColumns } from "./matrix.js";
import { isMissing, type NdArray, toNumber } from "./ndarray.js";
import type { State } from "./state.js";

/** How an estimator takes its input (scikit-learn's `check_array` arguments that matter for prediction). */
export interface InputRules {
  /** NaN allowed (force_all_finite="allow-nan"); infinity is still refused unless `allowInf` */
  allowNaN?: boolean;
  allowInf?: boolean;
  /** a CSR input is used as is (else densified) */
  acceptSparse?: boolean;
}

/**
 * A fitted scikit-learn object rebuilt from its pickled state. Subclasses implement the methods the
 * scikit-learn class has; the pyfunc wrapper only calls what exists.
 */
export abstract class Estimator {
  readonly className: string;
  readonly nFeaturesIn: number | null;
  readonly featureNamesIn: readonly string[] | null;

  constructor(s: State) {
    this.className = s.cls;
    this.nFeaturesIn = s.has("n_features_in_") ? s.int("n_features_in_") : null;
    const names = s.optArray("feature_names_in_");
    this.featureNamesIn = names ? Array.from(names.data, String) : null;
  }

  get shortName(): string {
    return this.className.slice(this.className.lastIndexOf(".") + 1);
  }

  predict?(x: Data): NdArray;
  predictProba?(x: Data): Dense;
  predictLogProba?(x: Data): Dense;
  predictJointLogProba?(x: Data): Dense;
  decisionFunction?(x: Data): NdArray;
  transform?(x: Data): Data;
  scoreSamples?(x: Data): NdArray;
  inverseTransform?(x: Dense): Dense;

  /** `hasattr(estimator, method)` (camelCase name): meta-estimators answer for what they wrap. */
  hasMethod(method: string): boolean {
    return typeof (this as unknown as Record<string, unknown>)[method] === "function";
  }

  /** scikit-learn's `_check_feature_names` and `_check_n_features` (reset=False). */
  checkFeatures(x: Data): void {
    const names = x.kind === "frame" ? x.names : null;
    if (names !== null && this.featureNamesIn !== null) {
      const fit = this.featureNamesIn;
      if (names.length !== fit.length || names.some((n, i) => n !== fit[i])) {
        const unseen = names.filter((n) => !fit.includes(n));
        const missing = fit.filter((n) => !names.includes(n));
        let msg = "The feature names should match those that were passed during fit.\n";
        if (unseen.length > 0) msg += `Feature names unseen at fit time:\n- ${unseen.join("\n- ")}\n`;
        if (missing.length > 0)
          msg += `Feature names seen at fit time, yet now missing:\n- ${missing.join("\n- ")}\n`;
        if (unseen.length === 0 && missing.length === 0)
          msg += "Feature names must be in the same order as they were in fit.\n";
        throw inputError(msg.trimEnd());
      }
    }
    const n = numColumns(x);
    if (this.nFeaturesIn !== null && n !== this.nFeaturesIn) {
      throw inputError(
        `X has ${n} features, but ${this.shortName} is expecting ${this.nFeaturesIn} features as input.`,
      );
    }
  }

  /** The input as float64, checked as `self._validate_data(X, reset=False)` checks it. */
  protected numeric(x: Data, rules: InputRules = {}): Dense | Csr {
    this.checkFeatures(x);
    const m = x.kind === "csr" && rules.acceptSparse ? x : toDense(x);
    checkFinite(m.data, rules, this.shortName);
    return m;
  }

  protected denseInput(x: Data, rules: InputRules = {}): Dense {
    return this.numeric(x, { ...rules, acceptSparse: false }) as Dense;
  }
}

export function checkFinite(data: Float64Array, rules: InputRules, name: string): void {
  if (rules.allowNaN && rules.allowInf) return;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v - v !== 0) {
      if (Number.isNaN(v)) {
        if (!rules.allowNaN)
          throw inputError(
            `Input X contains NaN.\n${name} does not accept missing values encoded as NaN natively. ` +
              "Impute them first (e.g. with SimpleImputer in a Pipeline).",
          );
      } else if (!rules.allowInf) {
        throw inputError("Input X contains infinity or a value too large for dtype('float64').");
      }
    }
  }
}

const FLOAT_TEXT = /^[+-]?(?:\d[\d_]*\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$|^[+-]?(?:inf|infinity|nan)$/i;

/** One cell as `float(value)` reads it (numpy's astype(float64) on an object array). */
export function cellToFloat(v: unknown): number {
  if (typeof v === "number") return v;
  if (typeof v === "bigint" || typeof v === "boolean") return toNumber(v);
  if (isMissing(v)) return Number.NaN;
  if (typeof v === "string") {
    const t = v.trim();
    if (FLOAT_TEXT.test(t)) {
      const lower = t.toLowerCase().replace(/_/g, "");
      if (lower.endsWith("nan")) return Number.NaN;
      if (lower.endsWith("inf") || lower.endsWith("infinity"))
        return lower.startsWith("-") ? -Infinity : Infinity;
      return Number(lower);
    }
    throw inputError(`could not convert string to float: '${v}'`);
  }
  throw inputError(`could not convert ${typeof v} to float`);
}

/** A Frame/Series/CSR as a row-major float64 matrix (np.asarray(X, dtype=float64)). */
export function toDense(x: Data): Dense {
  if (x.kind === "dense") return x;
  if (x.kind === "csr") {
    const out = dense(x.rows, x.cols);
    for (let r = 0; r < x.rows; r++)
      for (let k = x.indptr[r]!; k < x.indptr[r + 1]!; k++)
        out.data[r * x.cols + x.indices[k]!] += x.data[k]!;
    return out;
  }
  const cols = x.kind === "series" ? [x.column] : x.columns;
  const nc = cols.length;
  const out = dense(x.rows, nc);
  const d = out.data;
  for (let j = 0; j < nc; j++) {
    const v = cols[j]!.values;
    if (
      v instanceof Float64Array ||
      v instanceof Float32Array ||
      v instanceof Int32Array ||
      v instanceof Uint8Array
    ) {
      for (let r = 0; r < x.rows; r++) d[r * nc + j] = v[r]!;
    } else {
      for (let r = 0; r < x.rows; r++) d[r * nc + j] = cellToFloat(v[r]);
    }
  }
  return out;
}

/** `classes_` (int64, int32, float64, str or object labels) and predictions taken from it. */
export class Labels {
  readonly dtype: string;
  readonly values: ArrayLike<unknown>;
  readonly length: number;

  constructor(a: NdArray, cls = "classes_") {
    if (a.shape.length !== 1) throw badState(cls, "classes_ should be 1-D");
    this.dtype = a.dtype;
    this.values = a.data;
    this.length = a.data.length;
  }

  /** classes_[idx] with the dtype of classes_ (np.take). */
  take(idx: ArrayLike<number>): NdArray {
    const n = idx.length;
    const v = this.values;
    let data: ArrayLike<unknown>;
    if (v instanceof BigInt64Array) {
      const o = new BigInt64Array(n);
      for (let i = 0; i < n; i++) o[i] = v[idx[i]!]!;
      data = o;
    } else if (ArrayBuffer.isView(v)) {
      const Ctor = (v as unknown as { constructor: new (n: number) => Float64Array }).constructor;
      const o = new Ctor(n);
      for (let i = 0; i < n; i++) o[i] = (v as Float64Array)[idx[i]!]!;
      data = o;
    } else {
      const o = new Array<unknown>(n);
      for (let i = 0; i < n; i++) o[i] = v[idx[i]!];
      data = o;
    }
    return { dtype: this.dtype, shape: [n], data };
  }

  /** Position of each label in classes_ (LabelEncoder.transform); -1 for an unknown label. */
  indexOf(labels: ArrayLike<unknown>): Int32Array {
    const pos = new Map<unknown, number>();
    for (let i = 0; i < this.length; i++) pos.set(labelKey(this.values[i]), i);
    const out = new Int32Array(labels.length);
    for (let i = 0; i < labels.length; i++) out[i] = pos.get(labelKey(labels[i])) ?? -1;
    return out;
  }
}

function labelKey(v: unknown): unknown {
  return typeof v === "bigint" || typeof v === "boolean" ? toNumber(v) : v;
}

/** argmax per row, first maximum wins (np.argmax). */
export function argmaxRows(m: Dense): Int32Array {
  const out = new Int32Array(m.rows);
  for (let r = 0; r < m.rows; r++) {
    let best = 0;
    let bv = m.data[r * m.cols]!;
    // numpy: the first NaN is the maximum
    for (let c = 1; c < m.cols && !Number.isNaN(bv); c++) {
      const v = m.data[r * m.cols + c]!;
      if (v > bv || Number.isNaN(v)) {
        bv = v;
        best = c;
      }
    }
    out[r] = best;
  }
  return out;
}

export function vector(data: Float64Array): NdArray {
  return { dtype: "float64", shape: [data.length], data };
}

export function matrixOut(m: Dense): NdArray {
  return { dtype: "float64", shape: [m.rows, m.cols], data: m.data };
}
