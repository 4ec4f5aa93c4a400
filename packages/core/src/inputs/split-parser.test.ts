import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isMlflowException } from "../errors/mlflow-exception.js";
import { decodeUtf8 } from "../protocol/json.js";
import { type ParsedScoringRequest, parseJsonScoringBody, parseScoringRequest } from "../protocol/parse.js";
import { inputSchemaView } from "../protocol/schema-view.js";
import { DataFrame } from "./dataframe.js";
import { parseDataFrameSplitFast, parseJsonBodyFast, parseSplitObjectFast } from "./split-parser.js";
import { isTensor } from "./tensor.js";

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
      { numRuns: Number(process.env.FAST_JSON_RUNS ?? 3000) },
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

// ------------------------------------------------------------------------------------------------------------
// The scanner on the scoring path (parseScoringRequest → parseJsonBodyFast) against the general path alone
// (parseJsonScoringBody: JSON.parse and the typing/casts of protocol/parse.ts): equal inputs or equal errors.

const EDGE_NUMBERS = [
  "0",
  "-0",
  "0.0",
  "-0.0",
  "1",
  "-1",
  "1.0",
  "1e3",
  "1E+2",
  "2e-3",
  "1e308",
  "1.7976931348623157e308",
  "1e309",
  "-1e400",
  "5e-324",
  "4.9e-324",
  "2.2250738585072014e-308",
  "2.2250738585072011e-308",
  "1e-400",
  "9007199254740993",
  "9223372036854775807",
  "9223372036854775808",
  "-9223372036854775808",
  "18446744073709551616",
  "123456789012345678901234567890",
  "0.1000000000000000055511151231257827",
  "3.141592653589793238462643383279",
  `1${"0".repeat(400)}`,
  `0.${"0".repeat(30)}1`,
  "NaN",
  "Infinity",
  "-Infinity",
  "2147483648",
  "-2147483649",
  "4294967296.5",
  "1.5",
  "-2.5",
  "1e-7",
  "123456789012345.67",
];
const BAD_TOKENS = [
  "01",
  "-",
  "+1",
  "1.",
  ".5",
  "-NaN",
  "1e",
  "1e+",
  '"1"',
  "null",
  "true",
  "[]",
  "{}",
  "- 1",
];

const numberText = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .tuple(fc.double(), fc.integer({ min: 0, max: 3 }))
      .map(([x, st]) => (Number.isFinite(x) ? textOf(x, st) : String(x))),
  },
  { weight: 2, arbitrary: fc.integer({ min: -1000, max: 1000 }).map(String) },
  { weight: 1, arbitrary: fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String) },
  { weight: 2, arbitrary: fc.constantFrom(...EDGE_NUMBERS) },
  { weight: 1, arbitrary: fc.stringMatching(/^-?[1-9][0-9]{0,25}(\.[0-9]{1,25})?([eE][-+]?[0-9]{1,3})?$/) },
);
/** Mostly valid cells, sometimes one the scanner must leave to the general path. */
const cellText = fc.oneof(
  { weight: 30, arbitrary: numberText },
  { weight: 3, arbitrary: fc.constant("null") }, // a missing value: NaN in a split column, else the general path
  { weight: 1, arbitrary: fc.constantFrom(...BAD_TOKENS) },
);
const ws = fc.constantFrom("", "", " ", "\n", "\t ", "\r\n");

const COL_TYPES = ["double", "float", "long", "integer", "string", "boolean"];
const TENSOR_DTYPES = ["float64", "float32", "int64", "int32", "bool", "float16"];

/** A random input schema (JSON text as MLmodel holds it), or none. */
const schemaFor = (names: readonly string[]) =>
  fc.oneof(
    fc.constant(undefined),
    fc
      .tuple(
        fc.array(fc.constantFrom(...COL_TYPES), { minLength: names.length, maxLength: names.length }),
        fc.boolean(),
      )
      .map(([types, named]) =>
        JSON.stringify(
          types.map((type, i) =>
            named ? { type, name: names[i], required: true } : { type, required: true },
          ),
        ),
      ),
    fc
      .tuple(fc.constantFrom(...TENSOR_DTYPES), fc.boolean(), fc.integer({ min: 1, max: 3 }))
      .map(([dtype, named, dims]) =>
        JSON.stringify([
          {
            type: "tensor",
            "tensor-spec": { dtype, shape: [-1, ...Array.from({ length: dims - 1 }, () => -1)] },
            ...(named ? { name: names[0] ?? "x" } : {}),
          },
        ]),
      ),
  );

/** A nested array text of the given shape (sometimes ragged or with a bad cell). */
function ndText(shape: number[], cells: string[], pad: string, ragged: boolean): string {
  let k = 0;
  const build = (d: number): string => {
    const len = ragged && d === shape.length - 1 && k > 0 ? Math.max(1, shape[d]! - 1) : shape[d]!;
    const parts: string[] = [];
    for (let i = 0; i < len; i++)
      parts.push(d === shape.length - 1 ? cells[k++ % cells.length]! : build(d + 1));
    return `[${pad}${parts.join(`,${pad}`)}${pad}]`;
  };
  return build(0);
}

const splitBody = fc
  .record({
    names: fc.uniqueArray(fc.constantFrom("a", "b", "c", "x y", "0", "1", "é", "__proto__"), {
      minLength: 1,
      maxLength: 4,
    }),
    rows: fc.integer({ min: 0, max: 6 }),
    cells: fc.array(cellText, { minLength: 1, maxLength: 30 }),
    pad: ws,
    ragged: fc.boolean().map((b) => b && Math.random() < 0.2),
    columns: fc.constantFrom("given", "given", "absent", "null", "duplicate"),
    index: fc.constantFrom("none", "none", "match", "short", "null"),
    params: fc.constantFrom("none", "none", '{"k": 1}', "[1]", '{"x": NaN}', "null"),
  })
  .chain((r) => schemaFor(r.names).map((schema) => ({ ...r, schema })));

function splitText(r: {
  names: string[];
  rows: number;
  cells: string[];
  pad: string;
  ragged: boolean;
  columns: string;
  index: string;
  params: string;
}): string {
  const p = r.pad;
  const data = r.rows === 0 ? "[]" : ndText([r.rows, r.names.length], r.cells, p, r.ragged);
  const parts: string[] = [];
  if (r.columns === "given") parts.push(`"columns":${p}${JSON.stringify(r.names)}`);
  if (r.columns === "null") parts.push(`"columns": null`);
  if (r.columns === "duplicate") parts.push(`"columns": ${JSON.stringify(r.names.map(() => r.names[0]))}`);
  if (r.index === "match")
    parts.push(`"index": ${JSON.stringify(Array.from({ length: r.rows }, (_, i) => i))}`);
  if (r.index === "short") parts.push(`"index": [0]`);
  if (r.index === "null") parts.push(`"index": null`);
  parts.push(`"data":${p}${data}`);
  const top = [`"dataframe_split":${p}{${parts.join(`,${p}`)}}`];
  if (r.params !== "none") top.push(`"params": ${r.params}`);
  return `${p}{${top.join(`,${p}`)}}${p}`;
}

const tfBody = fc
  .record({
    key: fc.constantFrom("instances", "inputs"),
    shape: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
    cells: fc.array(cellText, { minLength: 1, maxLength: 30 }),
    pad: ws,
    ragged: fc.boolean().map((b) => b && Math.random() < 0.2),
    dict: fc.constantFrom(undefined, ["x"], ["x", "y"], ["1"], ["x", "x"]),
    names: fc.constantFrom(["x"], ["x", "y"], ["a"]),
    params: fc.constantFrom("none", "none", '{"k": [1, 2]}'),
  })
  .chain((r) => schemaFor(r.names).map((schema) => ({ ...r, schema })));

function tfText(r: {
  key: string;
  shape: number[];
  cells: string[];
  pad: string;
  ragged: boolean;
  dict: readonly string[] | undefined;
  params: string;
}): string {
  const arr = ndText(r.shape, r.cells, r.pad, r.ragged);
  const value = r.dict === undefined ? arr : `{${r.dict.map((k) => `"${k}": ${arr}`).join(", ")}}`;
  return `{"${r.key}": ${value}${r.params === "none" ? "" : `, "params": ${r.params}`}}`;
}

type Outcome = { ok: true; value: ParsedScoringRequest } | { ok: false; code: string; message: string };

function outcome(run: () => ParsedScoringRequest): Outcome {
  try {
    return { ok: true, value: run() };
  } catch (error) {
    if (!isMlflowException(error)) throw error;
    return { ok: false, code: error.errorCode, message: error.message };
  }
}

function sameValues(a: ArrayLike<unknown>, b: ArrayLike<unknown>): boolean {
  if (a.constructor !== b.constructor || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (typeof x === "object" && x !== null) {
      if (JSON.stringify(x) !== JSON.stringify(y)) return false; // object cells: built twice, compared by value
    } else if (!Object.is(x, y)) return false;
  }
  return true;
}

function sameInput(a: unknown, b: unknown): boolean {
  if (a instanceof DataFrame || b instanceof DataFrame) {
    if (!(a instanceof DataFrame && b instanceof DataFrame)) return false;
    if (a.columns.join("\u0000") !== b.columns.join("\u0000")) return false;
    return a.columnList.every((c, i) => {
      const d = b.columnList[i]!;
      return c.dtype === d.dtype && sameValues(c.values, d.values);
    });
  }
  if (isTensor(a) || isTensor(b)) {
    if (!(isTensor(a) && isTensor(b))) return false;
    return a.dtype === b.dtype && a.shape.join() === b.shape.join() && sameValues(a.data, b.data);
  }
  if (typeof a === "object" && a !== null && typeof b === "object" && b !== null) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return (
      ka.join("\u0000") === kb.join("\u0000") &&
      ka.every((k) => sameInput((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
    );
  }
  return Object.is(a, b);
}

function checkAgainstGeneral(body: string, inputs: string | undefined, asBytes: boolean): boolean {
  const schemas = inputs === undefined ? undefined : { inputs, params: null };
  const payload = asBytes ? new TextEncoder().encode(body) : body;
  const fast = outcome(() => parseScoringRequest(payload, "application/json", schemas));
  const general = outcome(() => parseJsonScoringBody(decodeUtf8(payload), schemas));
  if (!fast.ok || !general.ok) {
    expect(fast).toEqual(general);
  } else {
    expect(sameInput(fast.value.input, general.value.input)).toBe(true);
    expect(fast.value.params).toEqual(general.value.params);
    expect([fast.value.format, fast.value.stream, fast.value.unifiedLlm]).toEqual([
      general.value.format,
      general.value.stream,
      general.value.unifiedLlm,
    ]);
  }
  return parseJsonBodyFast(payload, inputSchemaView(inputs)) !== undefined;
}

describe("the fast JSON scanner on the scoring path gives the general path's results and errors", () => {
  it("reads a null among a dataframe_split column's numbers as NaN (pandas), and leaves null-only columns and null tensor cells to the general path", () => {
    const split = (data: string) => `{"dataframe_split": {"columns": ["a", "b"], "data": ${data}}}`;
    const float = JSON.stringify([
      { type: "float", name: "a" },
      { type: "double", name: "b" },
    ]);
    const long = JSON.stringify([
      { type: "long", name: "a" },
      { type: "double", name: "b" },
    ]);
    const taken = (body: string, inputs?: string) => {
      const fast = parseJsonBodyFast(body, inputSchemaView(inputs));
      checkAgainstGeneral(body, inputs, true); // and the same answer as the general path either way
      return fast;
    };
    const noSchema = taken(split("[[1, null], [null, 2.5]]"))?.input as DataFrame;
    expect(noSchema.columnList.map((c) => [c.dtype, Array.from(c.values as Float64Array)])).toEqual([
      ["float64", [1, Number.NaN]],
      ["float64", [Number.NaN, 2.5]],
    ]);
    const typed = taken(split("[[null, 1], [0.5, null]]"), float)?.input as DataFrame;
    expect(typed.column("a").values).toEqual(Float32Array.of(Number.NaN, 0.5));
    expect(typed.column("b").values).toEqual(Float64Array.of(1, Number.NaN));
    expect(taken(split("[[null, 1], [null, 2]]"))).toBeUndefined(); // pandas: an object column
    expect(taken(split("[[null, 1], [2, 2]]"), long)).toBeUndefined(); // the general path's int64 error
    expect(taken('{"inputs": [[1.5, null]]}')).toBeUndefined(); // numpy: an object array
    expect(taken('{"instances": [null, 2]}')).toBeUndefined();
    expect(parseDataFrameSplitFast(split("[[1, null]]"))).toBeUndefined(); // the older API takes numbers only
  });

  it("dataframe_split bodies: random cells, widths, columns, index, params and signatures", () => {
    let taken = 0;
    fc.assert(
      fc.property(splitBody, fc.boolean(), (r, asBytes) => {
        if (checkAgainstGeneral(splitText(r), r.schema, asBytes)) taken++;
      }),
      { numRuns: Number(process.env.FAST_JSON_RUNS ?? 3000) },
    );
    expect(taken).toBeGreaterThan(300); // the property is about the fast path, so it must run often
  });

  it("instances / inputs bodies: nested arrays of 1–3 dimensions, dicts of them, tensor and column signatures", () => {
    let taken = 0;
    fc.assert(
      fc.property(tfBody, fc.boolean(), (r, asBytes) => {
        if (checkAgainstGeneral(tfText(r), r.schema, asBytes)) taken++;
      }),
      { numRuns: Number(process.env.FAST_JSON_RUNS ?? 3000) },
    );
    expect(taken).toBeGreaterThan(300);
  });

  it("mutated bodies (a byte changed, dropped or inserted) still agree", () => {
    const base = [
      '{"dataframe_split": {"columns": ["a", "b"], "index": [0, 1], "data": [[1.5, -2], [3e2, 0.25]]}, "params": {"k": 1}}',
      '{"inputs": [[1, 2.5, -0], [NaN, Infinity, -Infinity]]}',
      '{"instances": {"x": [[1, 2]], "y": [3.5]}}',
    ];
    const schemas = [
      undefined,
      JSON.stringify([
        { type: "double", name: "a" },
        { type: "long", name: "b" },
      ]),
      JSON.stringify([{ type: "tensor", "tensor-spec": { dtype: "float32", shape: [-1, 3] } }]),
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...base),
        fc.constantFrom(...schemas),
        fc.nat(),
        fc.constantFrom("replace", "drop", "insert"),
        fc.constantFrom(...'0123456789.-+eE,[]{}": \nNaI\u00e9\u0001'),
        (body, schema, at, op, ch) => {
          const i = at % body.length;
          const mutated =
            op === "drop"
              ? body.slice(0, i) + body.slice(i + 1)
              : body.slice(0, i) + ch + body.slice(op === "replace" ? i + 1 : i);
          checkAgainstGeneral(mutated, schema, true);
        },
      ),
      { numRuns: Number(process.env.FAST_JSON_RUNS ?? 3000) },
    );
  });

  it("takes typical numeric bodies itself (so the scoring path is the fast one)", () => {
    const f32 = inputSchemaView(
      JSON.stringify([
        { type: "float", name: "a" },
        { type: "float", name: "b" },
      ]),
    );
    const split = parseJsonBodyFast(
      '{"dataframe_split": {"columns": ["a", "b"], "data": [[1, 2.5], [3, 4]]}}',
      f32,
    );
    expect(split?.input).toBeInstanceOf(DataFrame);
    const a = (split!.input as DataFrame).column("a");
    expect(a.dtype).toBe("float32");
    expect(a.values).toEqual(new Float32Array([1, 3]));
    const tensor = parseJsonBodyFast('{"inputs": [[1, 2], [3, 4]], "params": {"t": 0.5}}', undefined);
    expect(tensor?.input).toEqual({
      dtype: "int64",
      shape: [2, 2],
      data: new BigInt64Array([1n, 2n, 3n, 4n]),
    });
    expect(tensor?.paramsJson).toBe('{"t": 0.5}');
    // int-ness by value, as JSON.parse + pandas see it: 1.0 and 1e3 are integers
    const ints = parseJsonBodyFast(
      '{"dataframe_split": {"columns": ["i"], "data": [[1.0], [1e3]]}}',
      undefined,
    );
    expect((ints!.input as DataFrame).column("i")).toEqual({
      name: "i",
      dtype: "int64",
      values: new BigInt64Array([1n, 1000n]),
    });
  });

  it("leaves strings, nulls, records and empty data to the general path", () => {
    for (const body of [
      '{"dataframe_split": {"columns": ["s"], "data": [["text"]]}}',
      '{"dataframe_split": {"columns": ["s"], "data": [[null]]}}',
      '{"dataframe_split": {"columns": ["s"], "data": []}}',
      '{"dataframe_records": [{"a": 1}]}',
      '{"instances": [{"a": 1}]}',
      '{"inputs": []}',
      '{"inputs": [[1], []]}',
      '{"inputs": [1, 2], "stream": true}',
      '{"inputs": [1, 2], "inputs": [3]}',
      '\ufeff{"inputs": [1]}',
    ]) {
      expect(parseJsonBodyFast(body, undefined)).toBeUndefined();
    }
  });
});

/** The fast path's answer for these bytes against the general path's (JSON.parse of their text). */
function checkBytesAgainstGeneral(payload: Uint8Array, inputs: string | undefined): boolean {
  const schemas = inputs === undefined ? undefined : { inputs, params: null };
  const fast = outcome(() => parseScoringRequest(payload, "application/json", schemas));
  const general = outcome(() => parseJsonScoringBody(decodeUtf8(payload), schemas));
  if (!fast.ok || !general.ok) expect(fast).toEqual(general);
  else expect(sameInput(fast.value.input, general.value.input)).toBe(true);
  return parseJsonBodyFast(payload, inputSchemaView(inputs)) !== undefined;
}

/** Decimal text of 1–20 significant digits, any spelling JSON allows (the forms the four-digit loads read). */
const longDecimal = fc
  .tuple(
    fc.boolean(),
    fc.stringMatching(/^(0|[1-9][0-9]{0,19})$/),
    fc.option(fc.stringMatching(/^[0-9]{1,24}$/), { nil: undefined }),
  )
  .map(([neg, int, frac]) => `${neg ? "-" : ""}${int}${frac === undefined ? "" : `.${frac}`}`);

describe("the fast scanner's row and digit loops", () => {
  it("long tables: integer-ness settling late, rows past the first row's size estimate, each column type", () => {
    let taken = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 2, max: 120 }),
        fc.array(fc.oneof(numberText, longDecimal, fc.integer().map(String)), {
          minLength: 1,
          maxLength: 40,
        }),
        fc.array(fc.constantFrom("int", "float", "any"), { minLength: 4, maxLength: 4 }),
        fc.nat(),
        fc.constantFrom(undefined, "double", "float", "long", "integer"),
        fc.constantFrom("", " ", "\n  "),
        (width, rows, pool, styles, seed, type, pad) => {
          const names = Array.from({ length: width }, (_v, j) => `c${j}`);
          const turn = seed % rows; // the row where an "int" column first gets a fraction
          const data: string[] = [];
          for (let r = 0; r < rows; r++) {
            const cells: string[] = [];
            for (let j = 0; j < width; j++) {
              const text = pool[(r * 7 + j * 3 + seed) % pool.length]!;
              const style = styles[j];
              // a long first row, short later rows: the cell buffer is outgrown
              if (r === 0 && j === 0) cells.push("1.00000000000000000000000000000000000001");
              else if (style === "int") cells.push(r === turn ? "0.5" : String(r - 50));
              else if (style === "float") cells.push(r === turn ? String(r) : `${r}.25`);
              else cells.push(text);
            }
            data.push(`[${cells.join(`,${pad}`)}]`);
          }
          const schema =
            type === undefined ? undefined : JSON.stringify(names.map((name) => ({ type, name })));
          const body = `{"dataframe_split": {"columns": ${JSON.stringify(names)}, "data": [${data.join(`,${pad}`)}]}}`;
          if (checkBytesAgainstGeneral(Buffer.from(body), schema)) taken++;
          // the older standalone API: int64 only for columns written as integers throughout
          const legacy = parseDataFrameSplitFast(Buffer.from(body));
          if (legacy !== undefined) {
            const cellValue = (t: string) =>
              t === "NaN"
                ? Number.NaN
                : t === "Infinity"
                  ? Infinity
                  : t === "-Infinity"
                    ? -Infinity
                    : JSON.parse(t);
            for (let j = 0; j < width; j++) {
              const col = legacy.frame.column(names[j]!);
              const written = data.map((row) => row.slice(1, -1).split(",")[j]!.trim());
              // (an integer too long for a double reads as Infinity, no integer: float64)
              const ints = written.every((t) => /^-?[0-9]+$/.test(t) && Number.isFinite(Number(t)));
              expect(col.dtype).toBe(ints ? "int64" : "float64");
              if (col.dtype === "float64") {
                const values = col.values as Float64Array;
                expect(written.every((t, r) => sameBits(values[r]!, cellValue(t)))).toBe(true);
              }
            }
          }
        },
      ),
      { numRuns: Number(process.env.FAST_JSON_RUNS ?? 3000) / 6 },
    );
    expect(taken).toBeGreaterThan(50);
  });

  it("digit runs at every alignment, next to the end of the bytes, in a buffer with digits around it", () => {
    fc.assert(
      fc.property(
        fc.array(longDecimal, { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 0, max: 7 }),
        fc.constantFrom("split", "inputs"),
        fc.constantFrom(undefined, "float32", "float64"),
        (cells, offset, shape, dtype) => {
          const body =
            shape === "split"
              ? `{"dataframe_split": {"data": [[${cells.join(",")}]]}}`
              : `{"inputs": [[${cells.join(", ")}], [${cells.join(",")}]]}`;
          const schema =
            dtype === undefined
              ? undefined
              : shape === "split"
                ? JSON.stringify(
                    cells.map((_c, j) => ({
                      type: dtype === "float32" ? "float" : "double",
                      name: String(j),
                    })),
                  )
                : JSON.stringify([{ type: "tensor", "tensor-spec": { dtype, shape: [-1, cells.length] } }]);
          // the body inside a larger buffer, digits before and after it: nothing outside it may be read
          const around = Buffer.from(`${"7".repeat(offset)}${body}99999999`);
          const payload = around.subarray(offset, offset + Buffer.byteLength(body));
          checkBytesAgainstGeneral(payload, schema);
          // and every prefix (cut inside a number, at the last bytes): the general path's error or answer
          for (let end = body.length - 12; end < body.length; end++) {
            if (end > 0) checkBytesAgainstGeneral(around.subarray(offset, offset + end), schema);
          }
        },
      ),
      { numRuns: Number(process.env.FAST_JSON_RUNS ?? 3000) / 3 },
    );
  });

  it("reads every four-digit group exactly, in the first and in the second half of the significant digits", () => {
    const groups = Array.from({ length: 10_000 }, (_v, i) => String(i).padStart(4, "0"));
    // "1.dddd5": the group read into the high digits; "-123456789.dddd5": into the low ones
    for (const cells of [groups.map((g) => `1.${g}5`), groups.map((g) => `-123456789.${g}5`)]) {
      const body = `{"inputs": [${cells.join(",")}]}`;
      const fast = parseJsonBodyFast(Buffer.from(body), undefined);
      expect(fast).toBeDefined();
      expect((fast!.input as { data: Float64Array }).data).toEqual(
        new Float64Array(cells.map((c) => JSON.parse(c) as number)),
      );
    }
  });

  it("converts 17-digit decimals next to rounding boundaries exactly (midpoints, powers of two)", () => {
    const bits = new Float64Array(1);
    const word = new BigUint64Array(bits.buffer);
    const step = (x: number, by: bigint) => {
      bits[0] = x;
      word[0]! += by;
      return bits[0]!;
    };
    // (mantissa digits, decimal exponent) of x to 17 significant digits
    const digitsOf = (x: number): [bigint, number] => {
      const [m, e] = x.toExponential(16).split("e");
      return [BigInt(m!.replace(".", "")), Number(e)];
    };
    // plain decimal text (no exponent: the form the fast loop reads itself) of D·10^(e-16), D of 17 digits
    const plain = (d: bigint, e: number): string | undefined => {
      const t = d.toString();
      if (t.length !== 17) return undefined;
      const q = e + 1; // digits before the point
      if (q <= 0) return `0.${"0".repeat(-q)}${t}`;
      if (q >= 17) return t + "0".repeat(q - 17);
      return `${t.slice(0, q)}.${t.slice(q)}`;
    };
    const cellsNear = (x: number): string[] => {
      const out: string[] = [];
      for (const [a, b] of [
        [x, step(x, 1n)],
        [step(x, -1n), x],
      ] as const) {
        const [da, e] = digitsOf(a);
        const [db, eb] = digitsOf(b);
        if (eb !== e) continue;
        const mid = (da + db) / 2n;
        for (const d of [mid - 2n, mid - 1n, mid, mid + 1n, mid + 2n, da - 1n, da, da + 1n]) {
          const t = plain(d, e);
          if (t !== undefined && t.length <= 45) out.push(t);
        }
      }
      return out;
    };
    const float64s = inputSchemaView(
      JSON.stringify([{ type: "tensor", "tensor-spec": { dtype: "float64", shape: [-1] } }]),
    );
    const check = (xs: number[]) => {
      const cells = xs.flatMap(cellsNear);
      if (cells.length === 0) return;
      const fast = parseJsonBodyFast(Buffer.from(`{"inputs": [${cells.join(", ")}]}`), float64s);
      expect(fast).toBeDefined();
      const data = (fast!.input as { data: Float64Array }).data;
      expect(data).toBeInstanceOf(Float64Array);
      for (const [i, c] of cells.entries()) expect([c, data[i]]).toEqual([c, JSON.parse(c)]);
    };
    check(Array.from({ length: 100 }, (_v, k) => 2 ** (k - 30))); // the gap below a power of two is half
    // exact ties (round half to even): x + gap/2 for doubles x in [2^52, 10^17), written out in full
    const ties = fc.bigInt({ min: 2n ** 52n, max: 10n ** 17n - 1n }).map((n) => {
      const x = BigInt(Number(n)); // a double there: an integer
      const gap = BigInt(step(Number(x), 1n)) - x; // 1, 2, 4, 8 or 16
      return gap === 1n ? `${x}.5` : `${x + gap / 2n}`;
    });
    fc.assert(
      fc.property(fc.array(ties, { minLength: 1, maxLength: 20 }), (cells) => {
        const fast = parseJsonBodyFast(Buffer.from(`{"inputs": [${cells.join(", ")}]}`), float64s);
        const data = (fast!.input as { data: Float64Array }).data;
        for (const [i, c] of cells.entries()) expect([c, data[i]]).toEqual([c, JSON.parse(c)]);
      }),
      { numRuns: Number(process.env.FAST_JSON_RUNS ?? 3000) / 3 },
    );
    fc.assert(
      fc.property(fc.array(fc.double({ min: 1e-6, max: 1e25, noNaN: true }), { minLength: 1 }), check),
      { numRuns: Number(process.env.FAST_JSON_RUNS ?? 3000) / 3 },
    );
  });

  it("reads each body byte a bounded number of times (10× the rows: 10× the reads)", () => {
    // counts the scanner's byte reads through a Proxy of the body (its four-byte loads go to the same memory
    // through a DataView, which the Proxy does not see, so this bounds the one-byte reads): a second scan of a
    // row or of the rows so far would show as more than 10× the reads for 10× the rows
    function reads(body: string, schema: string | undefined): number {
      const bytes = Buffer.from(body);
      let count = 0;
      const counted = new Proxy(bytes, {
        get(target, key) {
          if (typeof key === "string" && key.charCodeAt(0) >= 48 && key.charCodeAt(0) <= 57) count++;
          const v = Reflect.get(target, key, target) as unknown;
          return typeof v === "function" ? v.bind(target) : v;
        },
      });
      const fast = parseJsonBodyFast(counted, inputSchemaView(schema));
      expect(fast).toBeDefined();
      expect(count).toBeLessThanOrEqual(2 * bytes.length); // about once each, plus the first row twice
      return count;
    }
    const row = (r: number) => `[${r}.125, -${r}, 0.${r}7e-3, 12345.678901234567]`;
    const split = (rows: number) =>
      `{"dataframe_split": {"columns": ["a", "b", "c", "d"], "data": [${Array.from({ length: rows }, (_v, r) => row(r)).join(", ")}]}}`;
    const inputs = (rows: number) =>
      `{"inputs": [${Array.from({ length: rows }, (_v, r) => row(r)).join(", ")}]}`;
    for (const [make, schema] of [
      [split, undefined],
      [split, JSON.stringify(["a", "b", "c", "d"].map((name) => ({ type: "float", name })))],
      [inputs, undefined],
    ] as const) {
      const small = reads(make(1000), schema);
      const large = reads(make(10_000), schema);
      // the digits grow a little with r, so a bit more than 10×; a quadratic scan would be ~100×
      expect(large / small).toBeGreaterThan(9);
      expect(large / small).toBeLessThan(12.5);
    }
  });
});
