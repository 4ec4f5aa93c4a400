import { execFileSync } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { setWasmReaderThreshold, WasmNumberReader } from "./wasm-numbers.js";

const here = dirname(fileURLToPath(import.meta.url));
setWasmReaderThreshold(0);

/** Reads `texts` as one comma-separated run: the values up to where the reader stopped, and that position. */
function read(texts: string[], sep = ", "): { values: number[]; stop?: number; end?: number } {
  const body = Buffer.from(texts.join(sep));
  const reader = WasmNumberReader.forBody(body)!;
  const out = new Float64Array(texts.length);
  try {
    const r = reader.cells(0, texts.length, false, out, 0);
    if (typeof r === "number") return { values: Array.from(out), end: r };
    return { values: Array.from(out.subarray(0, r.done)), stop: r.stop };
  } finally {
    reader.release();
  }
}

/** Doubles spelled as Python, JS and numpy write them, plus digit strings near rounding boundaries. */
const spelled = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => String(x)),
  fc.double({ min: -1e6, max: 1e6, noNaN: true }).map((x) => x.toPrecision(17)),
  fc.double({ min: -1e3, max: 1e3, noNaN: true }).map((x) => x.toFixed(16)),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => x.toExponential(16)),
  fc.stringMatching(/^-?(0|[1-9][0-9]{0,20})(\.[0-9]{1,25})?([eE][-+]?[0-9]{1,3})?$/),
  // 17 significant digits ending in 5: halfway between two doubles' 16-digit neighbours
  fc
    .tuple(fc.integer({ min: 1, max: 9 }), fc.bigInt(0n, 10n ** 15n - 1n), fc.integer({ min: -22, max: 0 }))
    .map(([d, rest, e]) => `${d}${rest.toString().padStart(15, "0")}5e${e}`),
);

describe("the WebAssembly number reader", () => {
  it("is the committed output of scripts/number-wasm.mjs assembled by wabt (no stale generated files)", () => {
    const script = resolve(here, "../../scripts/number-wasm.mjs");
    expect(() => execFileSync(process.execPath, [script, "--check"], { stdio: "pipe" })).not.toThrow();
  });

  it("gives exactly JSON.parse's double for every number it reads, and stops at the first it does not", () => {
    fc.assert(
      fc.property(fc.array(spelled, { minLength: 1, maxLength: 12 }), (texts) => {
        const { values, stop, end } = read(texts);
        for (const [i, v] of values.entries()) expect(Object.is(v, JSON.parse(texts[i]!))).toBe(true);
        if (stop === undefined) expect(end).toBe(texts.join(", ").length);
        else expect(values.length).toBeLessThan(texts.length);
      }),
      { numRuns: 3000 },
    );
  });

  it("reads the common spellings itself: shortest doubles, 17 digits, fixed decimals", () => {
    const xs = [0, -0, 1, -1.5, 0.1, Math.PI, -37.28474591038549, 0.30000000000000004, 1e-7, 123456];
    const texts = [...xs.map(String), "12.5e3", "1E-5", "-0.000123", "9007199254740993", "1234567890123456"];
    const { values, stop } = read(texts);
    expect(stop).toBeUndefined();
    for (const [i, v] of values.entries()) expect(Object.is(v, JSON.parse(texts[i]!))).toBe(true);
  });

  it("stops at what JSON.parse alone decides: NaN, Infinity, null, leading zeros, bare signs and dots, long digits", () => {
    for (const odd of [
      "NaN",
      "Infinity",
      "-Infinity",
      "null",
      "01",
      "-",
      "1.",
      ".5",
      "1e",
      "+1",
      "12345678901234567890",
      "1e400",
      "5e-324",
      "x",
    ]) {
      const { values, stop } = read(["1.5", odd, "2"]);
      expect(values).toEqual([1.5]);
      expect(stop).toBe(3); // after "1.5", at the separator before the number it does not read
    }
  });

  it("needs commas between numbers and reads blanks around them", () => {
    expect(read(["1", "2", "3"], " \n\t, \r").values).toEqual([1, 2, 3]);
    expect(read(["1", "2"], " ").stop).toBe(1);
  });

  it("never reads past the body: digits after it in the same buffer are not part of it", () => {
    const big = Buffer.from("12345678901234567890123456789012");
    for (let n = 1; n <= 20; n++) {
      const reader = WasmNumberReader.forBody(big.subarray(0, n))!;
      const out = new Float64Array(1);
      const r = reader.cells(0, 1, false, out, 0);
      reader.release();
      if (n <= 19) {
        expect(r).toBe(n);
        expect(out[0]).toBe(JSON.parse(big.subarray(0, n).toString()));
      } else expect(typeof r).toBe("object"); // 20 digits and more: the JS reader's
    }
  });

  it("survives random bytes: it reads numbers or stops, never throws or runs past the end", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 1, max: 50 }), (bytes, count) => {
        const reader = WasmNumberReader.forBody(bytes)!;
        const out = new Float64Array(count);
        const r = reader.cells(0, count, false, out, 0);
        reader.release();
        if (typeof r === "number") expect(r).toBeLessThanOrEqual(bytes.length);
        else expect(r.stop).toBeLessThanOrEqual(bytes.length);
      }),
      { numRuns: 2000 },
    );
  });

  it("writes dataframe_split rows column by column and notes which columns hold non-integers", () => {
    const body = Buffer.from('[[1.5, 2, -3e0], [4, 5.0, 6], [7, 8, 9]], "x"');
    const reader = WasmNumberReader.forBody(body)!;
    const cells = reader.allocCells(3, 4, 0);
    const r = reader.rows(1, 3, 0, 4, true);
    expect(r).toEqual({ end: body.indexOf("]]") + 1, rows: 3 });
    const column = (j: number) => Array.from(cells.subarray(j * 4, j * 4 + 3)); // (row 4 is room, not written)
    expect([column(0), column(1), column(2)]).toEqual([
      [1.5, 4, 7],
      [2, 5, 8],
      [-3, 6, 9],
    ]);
    // bit 0: written with a fraction or exponent; bit 1: and not an integer
    expect(Array.from(reader.flags(3))).toEqual([3, 1, 1]);
    // a larger area keeps the rows read so far
    const grown = reader.allocCells(3, 8, 3);
    expect(Array.from(grown.subarray(0, 3))).toEqual([1.5, 4, 7]);
    expect(Array.from(grown.subarray(16, 19))).toEqual([-3, 6, 9]);
    reader.release();
  });

  it("stops at a row it cannot read, after the rows before it", () => {
    const body = Buffer.from("[[1, 2], [3, NaN], [5, 6]]");
    const reader = WasmNumberReader.forBody(body)!;
    reader.allocCells(2, 4, 0);
    expect(reader.rows(1, 2, 0, 4, false)).toEqual({ stop: 8, done: 1 }); // just after the comma before it
    reader.release();
  });

  it("reuses one instance between bodies without seeing the previous body's bytes", () => {
    const long = read(["1.25", "7777777"]);
    expect(long.values).toEqual([1.25, 7777777]);
    // a shorter body after a longer one: the old digits past its end must not extend its last number
    expect(read(["3"]).values).toEqual([3]);
  });
});
