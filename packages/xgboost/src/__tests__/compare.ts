import { expect } from "vitest";

export interface ExpectedOutput {
  dtype: string;
  shape: number[];
  data: unknown;
}

export function flatten(v: unknown, out: (number | null)[] = []): (number | null)[] {
  if (Array.isArray(v)) for (const x of v) flatten(x, out);
  else out.push(v as number | null);
  return out;
}

/**
 * Compare an actual output with one recorded by XGBoost: same shape; bit-exact when `exact`,
 * else within abs (or rel for large values).
 */
export function expectMatches(
  name: string,
  actual: { data: ArrayLike<number | bigint>; shape: readonly number[] },
  expected: ExpectedOutput,
  exact: boolean,
  tol = { abs: 1e-6, rel: 1e-6 },
): void {
  expect(actual.shape, `${name}: shape`).toEqual(expected.shape);
  const want = flatten(expected.data);
  expect(actual.data.length, `${name}: length`).toBe(want.length);
  let bad = 0;
  let firstBad = "";
  for (let i = 0; i < want.length; i++) {
    const a = Number(actual.data[i]);
    const w = want[i] === null ? Number.NaN : Number(want[i]);
    const ok = exact
      ? Object.is(a, w) || a === w
      : (Number.isNaN(a) && Number.isNaN(w)) ||
        Math.abs(a - w) <= tol.abs ||
        Math.abs(a - w) <= tol.rel * Math.abs(w);
    if (!ok) {
      if (bad === 0) firstBad = `index ${i}: got ${a}, expected ${w}`;
      bad++;
    }
  }
  expect(bad === 0 ? "" : `${name}: ${bad}/${want.length} values differ (first at ${firstBad})`).toBe("");
}

export function rowsFromJson(data: (number | null)[][]): (number | null)[][] {
  return data;
}
