// Issue 17, findings 3 and 4: every request shape costs time linear in its size. Each test feeds a shape at n and
// at 10 n and checks that the work grew about 10× (a quadratic cost grows 100×): by a generous ratio of the best
// of several runs, never by absolute times. Long bad values are quoted by a bounded prefix only.
import { describe, expect, it } from "vitest";
import { isMlflowException } from "../errors/mlflow-exception.js";
import { parseScoringRequest } from "./parse.js";

/**
 * How much longer the 10× input takes than the 1× one: the best of five timings of each, taken alternately (so a
 * busy moment of the machine falls on both), after a warm-up of both.
 */
function growth(make: (n: number) => () => void, n: number): number {
  const small = make(n);
  const large = make(10 * n);
  small();
  large();
  let bestSmall = Number.POSITIVE_INFINITY;
  let bestLarge = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 5; i++) {
    let t = performance.now();
    small();
    bestSmall = Math.min(bestSmall, performance.now() - t);
    t = performance.now();
    large();
    bestLarge = Math.min(bestLarge, performance.now() - t);
  }
  return bestLarge / Math.max(bestSmall, 0.05);
}

/**
 * Linear: 10× the size costs well under the 100× of a quadratic (measured 9–26× on a busy 2-CPU machine: GC and
 * caches make big inputs dearer per byte; the margin absorbs that).
 */
const LINEAR_BOUND = 50;

const parse = (body: string, inputs?: string) => () => {
  try {
    parseScoringRequest(body, "application/json", inputs ? { inputs, params: null } : undefined);
  } catch (error) {
    if (!isMlflowException(error)) throw error;
  }
};

describe("request shapes cost linear time", () => {
  it("dataframe_records with distinct keys per record", () => {
    const body = (n: number) =>
      JSON.stringify({ dataframe_records: Array.from({ length: n }, (_, i) => ({ [`k${i}`]: i, x: i })) });
    expect(growth((n) => parse(body(n)), 1_500)).toBeLessThan(LINEAR_BOUND);
  });

  it("refuses records whose distinct keys would make a huge sparse frame, naming the sizes", () => {
    const records = Array.from({ length: 20_000 }, (_, i) => ({ [`k${i}`]: i }));
    expect(() =>
      parseScoringRequest(JSON.stringify({ dataframe_records: records }), "application/json"),
    ).toThrow(/20000 distinct keys over 20000 records/);
  });

  it("dataframe_split with many columns", () => {
    const body = (n: number) => {
      const columns = Array.from({ length: n }, (_, i) => `c${i}`);
      return JSON.stringify({
        dataframe_split: { columns, data: [columns.map((_, i) => i), columns.map(() => 1)] },
      });
    };
    expect(growth((n) => parse(body(n)), 5_000)).toBeLessThan(LINEAR_BOUND);
  });

  it("a long string cell in a double column, quoted by a bounded prefix only", () => {
    const inputs = JSON.stringify([{ type: "double", name: "x", required: true }]);
    const body = (n: number) =>
      JSON.stringify({ dataframe_split: { columns: ["x"], data: [["y".repeat(n)]] } });
    expect(growth((n) => parse(body(n), inputs), 2_000_000)).toBeLessThan(LINEAR_BOUND);
    let message = "";
    try {
      parseScoringRequest(body(5_000_000), "application/json", { inputs, params: null });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/could not convert string to float: 'y{200}'\.\.\./);
    expect(message.length).toBeLessThan(600);
  });

  it("a long string cell with characters repr escapes", () => {
    const inputs = JSON.stringify([{ type: "long", name: "x", required: true }]);
    const body = (n: number) =>
      JSON.stringify({ dataframe_split: { columns: ["x"], data: [["a'\n\\\t".repeat(n / 5)]] } });
    expect(growth((n) => parse(body(n), inputs), 500_000)).toBeLessThan(LINEAR_BOUND);
  });
});
