// Exact (correctly rounded) decimal → double conversion for the fast JSON and CSV parsers.
// Double-double products; the result is NaN (give up) when it lies too close to a rounding midpoint,
// and the caller then falls back to Number(), which is always right but slower.

const POW10 = [
  1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
  1e20, 1e21, 1e22,
];

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
const SPLITTER = 134217729; // 2^27 + 1 (Veltkamp)

/** Half an ulp of a positive normal double. */
function halfUlp(x: number): number {
  F64[0] = x;
  const lowBits = U32[0]!;
  const highBits = U32[1]!;
  const exp = (highBits >>> 20) & 0x7ff;
  if (exp <= 53) return 0;
  U32[0] = 0;
  U32[1] = (exp - 53) << 20;
  const h = F64[0]!;
  U32[0] = lowBits; // leave x's bits in place for the caller's power-of-two check
  U32[1] = highBits;
  return h;
}

/**
 * The correctly rounded double of (hi·10^loDigits + lo)·10^scale, for hi < 10^9, lo < 10^8,
 * |scale| ≤ 22, using exact (Dekker) products in double-double arithmetic. Returns NaN when the
 * result lies too close to a rounding midpoint to decide cheaply (the caller then uses `Number()`).
 */
export function exactDecimal(hi: number, lo: number, loDigits: number, scale: number): number {
  if (loDigits === 0) return scale < 0 ? hi / POW10[-scale]! : hi * POW10[scale]!;
  // D = hi * 10^loDigits + lo below 2^53 is exact, and so is 10^|scale|: one correctly rounded operation
  // (rounding is monotone, so a computed sum below 2^53 means the exact one is too, and then both are equal)
  const d53 = hi * POW10[loDigits]! + lo;
  if (d53 < 9007199254740992) return scale < 0 ? d53 / POW10[-scale]! : d53 * POW10[scale]!;
  return scale < 0 ? exactQuotient(hi, lo, loDigits, -scale) : exactProduct(hi, lo, loDigits, scale);
}

/**
 * {@link exactDecimal} for D = hi·10^loDigits + lo ≥ 2^53 divided by 10^k (0 < k ≤ 22): what a decimal
 * fraction with 16 or 17 significant digits needs. Kept apart (and small) so that the JSON scanner's loop can
 * inline it.
 */
export function exactQuotient(hi: number, lo: number, loDigits: number, k: number): number {
  // D as an exact double-double (nh + nl)
  const m = POW10[loDigits]!;
  const ph = hi * m;
  const nh = ph + lo;
  const bb = nh - ph;
  const nl = twoProdErr(hi, m, ph) + (ph - (nh - bb) + (lo - bb));
  const P = POW10[k]!;
  const q1 = nh / P;
  const qp = q1 * P;
  const r = nh - qp - twoProdErr(q1, P, qp) + nl;
  const q2 = r / P;
  const res = q1 + q2;
  return decided(res, q2 - (res - q1));
}

/** {@link exactDecimal} for D = hi·10^loDigits + lo ≥ 2^53 times 10^k (0 ≤ k ≤ 22). */
function exactProduct(hi: number, lo: number, loDigits: number, k: number): number {
  const m = POW10[loDigits]!;
  let ph = hi * m;
  const nh = ph + lo;
  const bb = nh - ph;
  const nl = twoProdErr(hi, m, ph) + (ph - (nh - bb) + (lo - bb));
  const P = POW10[k]!;
  ph = nh * P;
  const rest = twoProdErr(nh, P, ph) + nl * P;
  const res = ph + rest;
  return decided(res, rest - (res - ph));
}

/** `res` when res + tail (|tail| within an ulp) surely rounds to it, else NaN. */
function decided(res: number, tail: number): number {
  const h = halfUlp(res);
  // near a power of two the ulp below is half as large: leave those to Number()
  if (h === 0 || (U32[0] === 0 && (U32[1]! & 0xfffff) === 0)) return Number.NaN;
  const d = Math.abs(tail) - h;
  if (d > -h * 2 ** -30 && d < h * 2 ** -30) return Number.NaN;
  return res;
}

/** The rounding error of p = a*b (Dekker's TwoProduct with Veltkamp splitting; exact without FMA). */
function twoProdErr(a: number, b: number, p: number): number {
  let t = SPLITTER * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLITTER * b;
  const bh = t - (t - b);
  const bl = b - bh;
  return ah * bh - p + ah * bl + al * bh + al * bl;
}
