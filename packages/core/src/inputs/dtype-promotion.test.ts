import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { commonDType } from "./convert.js";

/** numpy 1.24 / pandas 1.5 (Debian) tables, made by fixtures/dtype/make-result-type.py. */
const TABLE = JSON.parse(
  readFileSync(new URL("../../fixtures/dtype/result-type.json", import.meta.url), "utf8"),
) as {
  numeric: string[];
  result_type: Record<string, Record<string, string>>;
  frame_common_type: Record<string, Record<string, string>>;
};

/** The many-argument numpy result_type: the pair table folded with the floats first (verified by the generator). */
function numpyResultType(dtypes: readonly string[]): string {
  const ordered = [
    ...dtypes.filter((d) => d.startsWith("float")),
    ...dtypes.filter((d) => !d.startsWith("float")),
  ];
  return ordered.slice(1).reduce((acc, d) => TABLE.result_type[acc]![d]!, ordered[0]!);
}

describe("numpy's dtype promotion (commonDType)", () => {
  it("equals numpy.result_type for every pair of numeric dtypes", () => {
    for (const a of TABLE.numeric) {
      for (const b of TABLE.numeric)
        expect([a, b, commonDType([a, b])]).toEqual([a, b, TABLE.result_type[a]![b]]);
    }
  });

  it("equals pandas' common column type for every pair, bool included (bool with numbers is object)", () => {
    for (const [a, row] of Object.entries(TABLE.frame_common_type)) {
      for (const [b, expected] of Object.entries(row))
        expect([a, b, commonDType([a, b])]).toEqual([a, b, expected]);
    }
  });

  it("equals numpy's many-argument result_type for any list of numeric dtypes, in any order", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...TABLE.numeric), { minLength: 1, maxLength: 8 }), (dtypes) => {
        expect(commonDType(dtypes)).toBe(numpyResultType(dtypes));
        expect(commonDType([...dtypes].reverse())).toBe(numpyResultType(dtypes));
      }),
      { numRuns: 2000 },
    );
  });

  it("gives float64 for a frame without columns and object for non-numeric columns", () => {
    expect(commonDType([])).toBe("float64");
    expect(commonDType(["float64", "object"])).toBe("object");
    expect(commonDType(["str"])).toBe("str");
  });
});
