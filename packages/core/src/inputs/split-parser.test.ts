import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DataFrame } from "./dataframe.js";
import { parseDataFrameSplitFast, parseSplitObjectFast } from "./split-parser.js";

const sameBits = (a: number, b: number) => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));

/** Python's repr-like text of a double (shortest digits, exponent outside 1e-4..1e16). */
function textOf(x: number, style: number): string {
  if (style === 0) return String(x);
  if (style === 1) return x.toExponential();
  if (style === 2) return x.toPrecision(17);
  return x.toFixed(Math.min(20, Math.max(0, 15 - Math.floor(Math.log10(Math.abs(x) || 1)))));
}

describe("fast dataframe_split parser", () => {
  it("converts numbers exactly as JSON.parse does (random doubles, several spellings)", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: 0, max: 3 })),
          { minLength: 1, maxLength: 50 },
        ),
        (xs) => {
          const texts = xs.map(([x, st]) => textOf(x, st));
          const body = `{"dataframe_split": {"columns": ["a"], "data": [${texts.map((t) => `[${t}]`).join(", ")}]}}`;
          const parsed = parseDataFrameSplitFast(body);
          if (texts.every((t) => /^-?\d+$/.test(t)) && texts.some((t) => !Number.isSafeInteger(Number(t)))) {
            expect(parsed).toBeUndefined(); // an int64 column beyond 2^53 is left to the general parser
            return;
          }
          expect(parsed).toBeDefined();
          const col = parsed!.frame.column("a");
          texts.forEach((t, i) => {
            const v = col.values[i];
            const got = typeof v === "bigint" ? Number(v) : (v as number);
            expect(sameBits(got, JSON.parse(t) as number) || (got === 0 && JSON.parse(t) === 0)).toBe(true);
          });
        },
      ),
      { numRuns: 500 },
    );
  });
  it("converts random decimal strings of up to 20 digits exactly", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^-?[1-9][0-9]{0,19}(\.[0-9]{1,20})?(e-?[0-9]{1,2})?$/), (t) => {
        const df = parseSplitObjectFast(`{"data": [[${t}]]}`);
        if (/^-?\d+$/.test(t) && !Number.isSafeInteger(Number(t))) {
          expect(df).toBeUndefined(); // int64 overflow risk: left to the general parser
          return;
        }
        expect(df).toBeDefined();
        const v = df!.columnList[0]!.values[0];
        const want = JSON.parse(t) as number;
        if (typeof v === "bigint") expect(v).toBe(BigInt(t));
        else expect(sameBits(v as number, want)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
  it("builds int64 columns for all-integer columns and float64 otherwise, as pandas", () => {
    const r = parseDataFrameSplitFast(
      '{"dataframe_split": {"columns": ["i", "f"], "index": [0, 1], "data": [[1, 2.5], [2, 3]]}, "params": {"k": 1}}',
    );
    expect(r?.frame.column("i").dtype).toBe("int64");
    expect(r?.frame.column("i").values).toEqual(new BigInt64Array([1n, 2n]));
    expect(r?.frame.column("f").values).toEqual(new Float64Array([2.5, 3]));
    expect(r?.paramsJson).toBe('{"k": 1}');
  });
  it("accepts Python's NaN and Infinity tokens", () => {
    const df = parseSplitObjectFast('{"columns": ["x"], "data": [[NaN], [-Infinity]]}')!;
    expect(Array.from(df.column("x").values as Float64Array)).toEqual([Number.NaN, Number.NEGATIVE_INFINITY]);
  });
  it("names columns 0..n-1 when columns are absent", () => {
    expect(parseSplitObjectFast('{"data": [[1.5, 2.5]]}')!.columns).toEqual(["0", "1"]);
  });
  it("declines bodies outside the fast shape so the general parser handles them", () => {
    for (const body of [
      '{"dataframe_split": {"columns": ["s"], "data": [["text"]]}}',
      '{"dataframe_split": {"columns": ["s"], "data": [[null]]}}',
      '{"dataframe_records": [{"a": 1}]}',
      '{"dataframe_split": {"columns": ["a", "b"], "data": [[1]]}}',
      '{"dataframe_split": {"columns": ["a"], "data": [[1]]}} trailing',
      '{"dataframe_split": {"columns": ["a"], "data": [[1]], "extra": 1}}',
      "[1, 2]",
    ]) {
      expect(parseDataFrameSplitFast(body)).toBeUndefined();
    }
  });
  it("never throws on arbitrary text", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        const r = parseDataFrameSplitFast(text);
        if (r) expect(r.frame).toBeInstanceOf(DataFrame);
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.string(), (junk) => {
        const r = parseDataFrameSplitFast(`{"dataframe_split": {"columns": ["a"], "data": [[1${junk}]]}}`);
        if (r) expect(r.frame.numRows).toBeGreaterThan(0);
      }),
      { numRuns: 2000 },
    );
  });
});
