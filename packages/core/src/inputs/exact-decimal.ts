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
  const m = POW10[loDigits]!;
  let ph = hi * m;
  // D = hi * 10^loDigits + lo below 2^53 is exact, and so is 10^|scale|: one correctly rounded operation
  // (rounding is monotone, so a computed sum below 2^53 means the exact one is too, and then both are equal)
  const d53 = ph + lo;
  if (d53 < 9007199254740992) return scale < 0 ? d53 / POW10[-scale]! : d53 * POW10[scale]!;
  // D = hi * 10^loDigits + lo as an exact double-double (nh + nl)
  let pl = twoProdErr(hi, m, ph);
  const nh = ph + lo;
  const bb = nh - ph;
  const nl = pl + (ph - (nh - bb) + (lo - bb));
  const P = POW10[scale < 0 ? -scale : scale]!;
  let res: number;
  let tail: number;
  if (scale < 0) {
    const q1 = nh / P;
    ph = q1 * P;
    pl = twoProdErr(q1, P, ph);
    const r = nh - ph - pl + nl;
    const q2 = r / P;
    res = q1 + q2;
    tail = q2 - (res - q1);
  } else {
    ph = nh * P;
    pl = twoProdErr(nh, P, ph);
    const rest = pl + nl * P;
    res = ph + rest;
    tail = rest - (res - ph);
  }
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
