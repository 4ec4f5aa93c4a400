import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { DataFrame } from "./dataframe.js";

describe("a DataFrame prints and serialises as pandas does", () => {
  const df = DataFrame.fromColumns({
    x: Float64Array.of(1.5, 2, Number.NaN),
    n: BigInt64Array.of(1n, 2n, 3n),
    s: ["a", null, "ccc"],
    b: [true, false, true],
  });

  it("JSON.stringify gives to_json(orient='records'): NaN as null, int64 as numbers", () => {
    expect(JSON.stringify(df)).toBe(
      '[{"x":1.5,"n":1,"s":"a","b":true},{"x":2,"n":2,"s":null,"b":false},{"x":null,"n":3,"s":"ccc","b":true}]',
    );
  });

  it("writes datetimes as epoch milliseconds, pandas' default date format", () => {
    const when = new Date("2024-01-02T03:04:05.000Z");
    const frame = new DataFrame([{ name: "t", dtype: "datetime64[ns]", values: [when] }]);
    expect(JSON.stringify(frame)).toBe(`[{"t":${when.getTime()}}]`);
  });

  it("console.log shows the rows with pandas' index, values and shape line", () => {
    expect(inspect(df)).toBe(
      [
        "     x  n     s      b",
        "0  1.5  1     a   True",
        "1  2.0  2  None  False",
        "2  NaN  3   ccc   True",
        "",
        "[3 rows x 4 columns]",
      ].join("\n"),
    );
  });

  it("shows the first and last five rows of a long frame", () => {
    const long = DataFrame.fromColumns({ v: Int32Array.from({ length: 24 }, (_, i) => i * 10) });
    const lines = inspect(long).split("\n");
    expect(lines).toHaveLength(14);
    expect(lines[1]).toBe("0      0");
    expect(lines[6]).toBe("...  ...");
    expect(lines[11]).toBe("23   230");
    expect(lines.at(-1)).toBe("[24 rows x 1 columns]");
  });
});
