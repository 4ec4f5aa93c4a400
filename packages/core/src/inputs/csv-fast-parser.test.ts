import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MlflowException } from "../errors/mlflow-exception.js";
import { parseCsvBody } from "../protocol/csv.js";
import { parseScoringRequest } from "../protocol/parse.js";
import { inputSchemaView } from "../protocol/schema-view.js";
import { parseCsvFast } from "./csv-fast-parser.js";
import type { DataFrame } from "./dataframe.js";

type Outcome = { frame: DataFrame } | { error: unknown };

function general(text: string, schema?: readonly unknown[]): Outcome {
  try {
    return { frame: parseCsvBody(text, inputSchemaView(schema)) };
  } catch (error) {
    return { error };
  }
}

/** Column-by-column identity: names, dtypes, array classes, lengths and every value (NaN, -0 included). */
function expectSameFrame(actual: DataFrame, expected: DataFrame): void {
  expect(actual.columns).toEqual(expected.columns);
  expect(actual.numRows).toBe(expected.numRows);
  actual.columnList.forEach((col, j) => {
    const ref = expected.columnList[j]!;
    expect(col.dtype).toBe(ref.dtype);
    expect(col.values.constructor).toBe(ref.values.constructor);
    expect(col.values.length).toBe(ref.values.length);
    const a = col.values as ArrayLike<unknown>;
    const b = ref.values as ArrayLike<unknown>;
    for (let i = 0; i < a.length; i++) {
      if (typeof a[i] === "object" && a[i] !== null) expect(a[i]).toEqual(b[i]);
      else if (!Object.is(a[i], b[i])) {
        throw new Error(`column ${col.name} row ${i}: fast ${String(a[i])} vs general ${String(b[i])}`);
      }
    }
  });
}

/** The fast path either declines, or gives exactly the general path's frame. Returns whether it answered. */
function checkAgainstGeneral(text: string, schema?: readonly unknown[]): boolean {
  const fast = parseCsvFast(text, inputSchemaView(schema));
  if (fast === undefined) return false;
  const ref = general(text, schema);
  if ("error" in ref)
    throw new Error(`fast path answered where the general path throws: ${String(ref.error)}`);
  expectSameFrame(fast, ref.frame);
  return true;
}

/** parseScoringRequest (fast path wired in) answers or fails exactly like the general CSV path. */
function checkScoringRequest(text: string, schema?: readonly unknown[]): void {
  const ref = general(text, schema);
  let got: Outcome;
  try {
    got = { frame: parseScoringRequest(text, "text/csv", { inputs: schema }).input as DataFrame };
  } catch (error) {
    got = { error };
  }
  if ("error" in ref) {
    expect("error" in got).toBe(true);
    const e = (got as { error: unknown }).error;
    expect(e).toBeInstanceOf(MlflowException);
    expect((e as MlflowException).errorCode).toBe((ref.error as MlflowException).errorCode);
    expect((e as Error).message).toBe((ref.error as Error).message);
  } else {
    if ("error" in got) throw got.error;
    expectSameFrame(got.frame, ref.frame);
  }
}

function textOf(x: number, style: number): string {
  if (style === 0) return String(x);
  if (style === 1) return x.toExponential();
  if (style === 2) return x.toPrecision(17);
  return x.toFixed(Math.min(20, Math.max(0, 15 - Math.floor(Math.log10(Math.abs(x) || 1)))));
}

const NA_TOKENS = [
  "",
  "NaN",
  "nan",
  "NA",
  "N/A",
  "n/a",
  "null",
  "NULL",
  "None",
  "<NA>",
  "#N/A",
  "-NaN",
  "-1.#IND",
];
const WEIRD = [
  "inf",
  "-inf",
  "+Infinity",
  "infinity",
  "iNf",
  "+nan",
  " nan",
  "1_000",
  " 5 ",
  "5 ",
  "\t1.5",
  "1.",
  ".5",
  "+.5e3",
  "1e400",
  "-1e-400",
  "-0",
  "007",
  "00.0100",
  "1.e5",
  "12345678901234567",
  "-98765432109876543210",
  "9007199254740993",
  "2.2250738585072011e-308",
  "4.9406564584124654e-324",
  "1.7976931348623157e308",
  "0.30000000000000004",
];
const BAD = [
  "0x10",
  "1e",
  "e5",
  ".",
  "-",
  "True",
  "false",
  "FALSE",
  "abc",
  "x y",
  "1,5",
  'a"b',
  "1\n2",
  "1.5.5",
  "--1",
  "١",
];

const numericCell = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.double({ noNaN: true }), fc.nat(3)).map(([x, s]) => textOf(x, s)) },
  { weight: 3, arbitrary: fc.integer({ min: -1e9, max: 1e9 }).map(String) },
  { weight: 1, arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }).map(String) },
);
const anyCell = fc.oneof(
  { weight: 8, arbitrary: numericCell },
  { weight: 2, arbitrary: fc.constantFrom(...NA_TOKENS) },
  { weight: 2, arbitrary: fc.constantFrom(...WEIRD) },
  { weight: 1, arbitrary: fc.constantFrom(...BAD) },
);
const quote = (c: string) => `"${c.replaceAll('"', '""')}"`;
const headerName = fc.constantFrom("a", "b", "x", "a.1", "", "col 1", "Unnamed: 0", "é", "a,b", 'q"t');

interface Table {
  header: string[];
  rows: string[][];
}

/** eols: the line ending after each line in turn (one entry: uniform; several: mixed endings). */
function render(
  t: Table,
  opts: { eols: readonly string[]; quoteProb: number[]; trailing: boolean; bom: boolean },
): string {
  let k = 0;
  const cell = (c: string) => {
    const q = opts.quoteProb[k++ % opts.quoteProb.length]! < 0.15;
    return q || c.includes(",") || c.includes('"') || c.includes("\n") ? quote(c) : c;
  };
  const lines = [t.header.map(cell).join(","), ...t.rows.map((r) => r.map(cell).join(","))];
  const eol = (i: number) => opts.eols[i % opts.eols.length]!;
  let text = opts.bom ? "\uFEFF" : "";
  lines.forEach((line, i) => {
    text += line + (i < lines.length - 1 || opts.trailing ? eol(i) : "");
  });
  return text;
}

const renderOpts = fc.record({
  eols: fc.oneof(
    fc.constantFrom(["\n"], ["\r\n"], ["\r"], ["\n", "\n\n"], ["\r\n", "\r\n\r\n"]),
    fc.array(fc.constantFrom("\n", "\r\n", "\r"), { minLength: 2, maxLength: 4 }),
  ),
  quoteProb: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 7 }),
  trailing: fc.boolean(),
  bom: fc.boolean(),
});

const table = (cell: fc.Arbitrary<string>, raggedRows: boolean) =>
  fc.integer({ min: 1, max: 6 }).chain((width) =>
    fc.record({
      header: fc.array(headerName, { minLength: width, maxLength: width }),
      rows: fc.array(
        raggedRows
          ? fc.array(cell, { minLength: 1, maxLength: width + 1 })
          : fc.array(cell, { minLength: width, maxLength: width }),
        { maxLength: 25 },
      ),
    }),
  );

const SCALAR_TYPES = ["double", "float", "long", "integer", "string", "boolean", "binary", "datetime"];
const schemaFor = (header: string[]) =>
  fc.oneof(
    fc.constant(undefined),
    fc
      .array(fc.constantFrom(...SCALAR_TYPES), { minLength: header.length, maxLength: header.length })
      .map((types) =>
        types.map((type, j) => ({ type, name: header[j] === "" ? `Unnamed: ${j}` : header[j] })),
      ),
    fc.constant([{ type: "tensor", "tensor-spec": { dtype: "float64", shape: [-1, 2] } }]),
  );

describe("fast CSV parser", () => {
  it("reads all-numeric tables (random doubles and ints, several spellings) exactly as the general path", () => {
    fc.assert(
      fc.property(table(numericCell, false), renderOpts, (t, o) => {
        const distinct = t.header.map((h, j) => `${h.replace(/[",]/g, "")}${j}`);
        const text = render(
          { header: distinct, rows: t.rows },
          { ...o, eols: o.eols.slice(0, 1), quoteProb: [1] },
        );
        expect(checkAgainstGeneral(text)).toBe(true); // plain numeric tables are always taken
        expect(
          checkAgainstGeneral(
            text,
            distinct.map((name) => ({ type: "double", name })),
          ),
        ).toBe(true);
        checkAgainstGeneral(
          text,
          distinct.map((name) => ({ type: "float", name })),
        );
      }),
      { numRuns: 400 },
    );
  });

  it("matches the general path on tables with NA tokens, odd numbers, quotes, short/long rows and schemas", () => {
    let answered = 0;
    fc.assert(
      fc.property(
        table(anyCell, true).chain((t) => fc.tuple(fc.constant(t), renderOpts, schemaFor(t.header))),
        ([t, o, schema]) => {
          const text = render(t, o);
          if (checkAgainstGeneral(text, schema)) answered++;
          checkScoringRequest(text, schema);
        },
      ),
      { numRuns: 1500 },
    );
    expect(answered).toBeGreaterThan(100);
  });

  it("matches the general path on integer columns (int64 inference, long/integer schemas, overflow digits)", () => {
    const intCell = fc.oneof(
      fc.integer({ min: -(2 ** 31), max: 2 ** 31 }).map(String),
      fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }).map(String),
      fc.constantFrom("-0", "+7", "007", " 3", "", "NA", "1.0", "4e0"),
    );
    let ints = 0;
    fc.assert(
      fc.property(
        table(intCell, false),
        renderOpts,
        fc.constantFrom("long", "integer", "double", ""),
        (t, o, type) => {
          const names = t.header.map((_h, j) => `c${j}`);
          const text = render({ header: names, rows: t.rows }, o);
          const schema = type === "" ? undefined : names.map((name) => ({ type, name }));
          if (checkAgainstGeneral(text, schema)) ints++;
          checkScoringRequest(text, schema);
        },
      ),
      { numRuns: 800 },
    );
    expect(ints).toBeGreaterThan(100);
  });

  it("never answers differently from the general path on random text and random bytes", () => {
    const chars = fc.constantFrom(
      ...'0123456789,,,""\r\n\n.-+eE aNnIif_ \t\uFEFF#xTrueFals\uD800é'.split(""),
    );
    fc.assert(
      fc.property(fc.array(chars, { maxLength: 60 }), (cs) => {
        const text = cs.join("");
        checkAgainstGeneral(text);
        checkScoringRequest(text);
      }),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        const text = new TextDecoder().decode(bytes);
        checkAgainstGeneral(text);
        checkScoringRequest(text);
      }),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 40 }), (text) => {
        checkAgainstGeneral(text);
        checkScoringRequest(text);
      }),
      { numRuns: 1000 },
    );
  });

  it("puts numeric columns straight into Float64Array / BigInt64Array / schema-typed arrays", () => {
    const text = '\uFEFFx,"y",n,\r\n1.5,-0,3,\r\n\r\n2e3,,-4,nan\r\n';
    const df = parseCsvFast(text)!;
    expect(df.columns).toEqual(["x", "y", "n", "Unnamed: 3"]);
    expect(df.column("x").values).toEqual(new Float64Array([1.5, 2000]));
    expect(Object.is((df.column("y").values as Float64Array)[0], -0)).toBe(true);
    expect(Number.isNaN((df.column("y").values as Float64Array)[1])).toBe(true);
    expect(df.column("n").values).toEqual(new BigInt64Array([3n, -4n]));
    expect(df.column("Unnamed: 3").dtype).toBe("float64");
    const typed = parseCsvFast(
      "a,b\n1,2\n3,-5\n",
      inputSchemaView([
        { type: "float", name: "a" },
        { type: "integer", name: "b" },
      ]),
    )!;
    expect(typed.column("a").values).toEqual(new Float32Array([1, 3]));
    expect(typed.column("b").values).toEqual(new Int32Array([2, -5]));
    checkAgainstGeneral(text);
  });

  it("keeps text columns as strings (object, or bool for True/False) beside numeric ones", () => {
    const text = 'id,name,flag,x\n1,"Smith, J",True,0.5\n2,NA,false,\n3,,TRUE,1e3\n';
    const df = parseCsvFast(text)!;
    expect(df.column("id").values).toEqual(new BigInt64Array([1n, 2n, 3n]));
    expect(df.column("name")).toEqual({ name: "name", dtype: "object", values: ["Smith, J", null, null] });
    expect(df.column("flag")).toEqual({ name: "flag", dtype: "bool", values: [true, false, true] });
    expect(df.column("x").dtype).toBe("float64");
    expect(checkAgainstGeneral(text)).toBe(true);
    const schema = [
      { type: "long", name: "id" },
      { type: "string", name: "name" },
      { type: "boolean", name: "flag" },
      { type: "double", name: "x" },
    ];
    expect(checkAgainstGeneral(text, schema)).toBe(true);
    expect(parseCsvFast(text, inputSchemaView(schema))!.column("id").dtype).toBe("int64");
  });

  it("declines what it does not handle, so the general path answers or reports the error", () => {
    expect(parseCsvFast("")).toBeUndefined();
    expect(
      parseCsvFast("a\n2020-01-01\n", inputSchemaView([{ type: "datetime", name: "a" }])),
    ).toBeUndefined();
    expect(parseCsvFast("a,b\n1,2,3\n")).toBeUndefined(); // row longer than the header
    expect(parseCsvFast('a\n"1\n2"\n')).toBeUndefined(); // quoted field over two lines
    expect(parseCsvFast('a\n"1"x\n')).toBeUndefined(); // text after a closing quote
    expect(parseCsvFast("a\nx\n", inputSchemaView([{ type: "boolean", name: "a" }]))).toBeUndefined();
    expect(parseCsvFast("a,b\n1,x\uD800y\n")).toBeUndefined(); // lone surrogate: csv-parse makes it U+FFFD
    checkScoringRequest("a,b\n1,x\uD800y\n");
    expect(parseCsvFast("a\n1\n", inputSchemaView([{ type: "long", name: "a" }]))).toBeDefined();
    expect(parseCsvFast("a\nNA\n", inputSchemaView([{ type: "long", name: "a" }]))).toBeUndefined();
    for (const t of ["", "a,b\n1,x\n", "a,b\n1,2,3\n", 'a\n"1"x\n', 'a\n"1\n']) checkScoringRequest(t);
    checkScoringRequest("a\nNA\n", [{ type: "long", name: "a" }]);
  });
});
