import type { Csr, Dense } from "../matrix.js";
import { dense } from "../matrix.js";

/** X @ W.T + b for W (k, d) row-major: one output column per row of W (safe_sparse_dot(X, coef_.T) + intercept_). */
export function affine(x: Dense | Csr, w: Float64Array, k: number, b: Float64Array | null): Dense {
  const d = x.cols;
  const out = dense(x.rows, k);
  const o = out.data;
  if (x.kind === "dense") {
    const xd = x.data;
    for (let r = 0; r < x.rows; r++) {
      const xo = r * d;
      for (let c = 0; c < k; c++) {
        const wo = c * d;
        let s = 0;
        for (let j = 0; j < d; j++) s += xd[xo + j]! * w[wo + j]!;
        o[r * k + c] = b === null ? s : s + b[b.length === 1 ? 0 : c]!;
      }
    }
  } else {
    for (let r = 0; r < x.rows; r++) {
      for (let c = 0; c < k; c++) {
        const wo = c * d;
        let s = 0;
        for (let p = x.indptr[r]!; p < x.indptr[r + 1]!; p++) s += x.data[p]! * w[wo + x.indices[p]!]!;
        o[r * k + c] = b === null ? s : s + b[b.length === 1 ? 0 : c]!;
      }
    }
  }
  return out;
}

/** X @ W for W (d, k) row-major (MLP layers: activations @ coefs_[i]). */
export function matmul(x: Dense, w: Float64Array, k: number): Dense {
  const d = x.cols;
  const out = dense(x.rows, k);
  const o = out.data;
  for (let r = 0; r < x.rows; r++) {
    const oo = r * k;
    for (let j = 0; j < d; j++) {
      const v = x.data[r * d + j]!;
      if (v === 0) continue;
      const wo = j * k;
      for (let c = 0; c < k; c++) o[oo + c] += v * w[wo + c]!;
    }
  }
  return out;
}

export function expit(v: number): number {
  return 1 / (1 + Math.exp(-v));
}

/** sklearn.utils.extmath.softmax, row by row, in place: subtract the max, exp, divide by the sum. */
export function softmaxRows(m: Dense): Dense {
  const d = m.data;
  for (let r = 0; r < m.rows; r++) {
    const o = r * m.cols;
    let mx = -Infinity;
    for (let c = 0; c < m.cols; c++) mx = Math.max(mx, d[o + c]!);
    let s = 0;
    for (let c = 0; c < m.cols; c++) {
      const e = Math.exp(d[o + c]! - mx);
      d[o + c] = e;
      s += e;
    }
    for (let c = 0; c < m.cols; c++) d[o + c] = d[o + c]! / s;
  }
  return m;
}

/** scipy.special.logsumexp per row. */
export function logsumexpRows(m: Dense): Float64Array {
  const out = new Float64Array(m.rows);
  for (let r = 0; r < m.rows; r++) {
    const o = r * m.cols;
    let mx = -Infinity;
    for (let c = 0; c < m.cols; c++) mx = Math.max(mx, m.data[o + c]!);
    if (!Number.isFinite(mx)) mx = 0;
    let s = 0;
    for (let c = 0; c < m.cols; c++) s += Math.exp(m.data[o + c]! - mx);
    out[r] = Math.log(s) + mx;
  }
  return out;
}

/** log of probabilities, in place (predict_log_proba = np.log(predict_proba)). */
export function logInPlace(m: Dense): Dense {
  return mapInPlace(m, Math.log);
}

/** A binary positive-class probability per row as the two columns [1 - p, p]. */
export function twoColumns(p: ArrayLike<number>, rows: number, f: (v: number) => number = (v) => v): Dense {
  const out = dense(rows, 2);
  for (let r = 0; r < rows; r++) {
    const v = f(p[r]!);
    out.data[2 * r] = 1 - v;
    out.data[2 * r + 1] = v;
  }
  return out;
}

export function mapInPlace(m: Dense, f: (v: number) => number): Dense {
  const d = m.data;
  for (let i = 0; i < d.length; i++) d[i] = f(d[i]!);
  return m;
}

/** Column c of a dense matrix. */
export function column(m: Dense, c: number): Float64Array {
  const out = new Float64Array(m.rows);
  for (let r = 0; r < m.rows; r++) out[r] = m.data[r * m.cols + c]!;
  return out;
}
