import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { MlflowException } from "@pyfunc/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Booster } from "./booster.js";
import { type LgbModel, parseModelBytes, parseModelText } from "./text-model.js";

const fixtures = resolve(dirname(fileURLToPath(import.meta.url)), "../fixtures");
const text = (c: string) => readFileSync(join(fixtures, c, "model.txt"), "utf8");
const SEEDS = [
  "binary",
  "categorical-indices",
  "linear-tree",
  "multiclass",
  "single-leaf",
  "rf-regression",
].map(text);

/** Every typed array the parser allocated: each element came from at least one character of the text. */
function allocated(m: LgbModel): number {
  let n = m.featureNames.length;
  for (const t of m.trees) {
    n += t.splitFeature.length + t.threshold.length + t.decisionType.length + t.leftChild.length;
    n += t.rightChild.length + t.leafValue.length + t.catBoundaries.length + t.catThreshold.length;
    if (t.linear !== null) n += t.linear.leafConst.length + t.linear.features.length + t.linear.coeff.length;
  }
  return n;
}

/** Parse, build the forest and predict one row: either everything works or a typed MlflowException. */
function parsesOrThrowsTyped(s: string): void {
  let model: LgbModel;
  try {
    model = parseModelText(s);
  } catch (e) {
    expect(e).toBeInstanceOf(MlflowException);
    return;
  }
  expect(allocated(model)).toBeLessThanOrEqual(s.length);
  try {
    const b = new Booster(model);
    const row = new Float64Array(b.numFeatures).fill(0.5);
    b.predictMatrix({ X: row, numRows: 1, numCols: b.numFeatures });
    b.predictMatrix({ X: row, numRows: 1, numCols: b.numFeatures }, { predLeaf: true });
  } catch (e) {
    expect(e).toBeInstanceOf(MlflowException);
  }
}

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  // truncate
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  // drop / duplicate a line
  fc.record({ kind: fc.constantFrom("drop" as const, "dup" as const), line: fc.nat() }),
  // replace one whitespace-separated token with something hostile
  fc.record({
    kind: fc.constant("token" as const),
    at: fc.nat(),
    with: fc.oneof(
      fc.constantFrom(
        "-1",
        "0",
        "2147483647",
        "-2147483648",
        "99999999999",
        "nan",
        "inf",
        "",
        "=",
        "Tree=0",
        "1e308",
      ),
      fc.integer({ min: -40, max: 40 }).map(String),
      fc.string({ maxLength: 6 }),
    ),
  }),
  // flip one character
  fc.record({ kind: fc.constant("char" as const), at: fc.nat(), code: fc.integer({ min: 0, max: 127 }) }),
);

type Mutation = { kind: string; at?: number; line?: number; with?: string; code?: number };

function mutate(s: string, mm: Mutation): string {
  if (mm.kind === "truncate") return s.slice(0, mm.at! % (s.length + 1));
  if (mm.kind === "drop" || mm.kind === "dup") {
    const lines = s.split("\n");
    const i = mm.line! % lines.length;
    if (mm.kind === "drop") lines.splice(i, 1);
    else lines.splice(i, 0, lines[i]!);
    return lines.join("\n");
  }
  if (mm.kind === "token") {
    const parts = s.split(/( |\n|=)/);
    const i = mm.at! % parts.length;
    if (parts[i] === " " || parts[i] === "\n" || parts[i] === "=") return s;
    parts[i] = mm.with!;
    return parts.join("");
  }
  const i = mm.at! % Math.max(1, s.length);
  return s.slice(0, i) + String.fromCharCode(mm.code!) + s.slice(i + 1);
}

describe("parseModelText on untrusted text", () => {
  it("parses every seed model", () => {
    for (const s of SEEDS) expect(parseModelText(s).trees.length).toBeGreaterThan(0);
  });

  it("random text parses or throws a typed error", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (s) => parsesOrThrowsTyped(s)),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (s) => parsesOrThrowsTyped(`tree\nnum_class=1\n${s}`)),
      { numRuns: 300 },
    );
  });

  it("mutated real models parse or throw a typed error, allocating only what the text holds", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SEEDS),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        (seed, ms) => {
          let s = seed;
          for (const m of ms) s = mutate(s, m);
          parsesOrThrowsTyped(s);
        },
      ),
      { numRuns: 400 },
    );
  });

  it("random bytes decode and parse or throw a typed error", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          parseModelBytes(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(MlflowException);
        }
      }),
    );
  });

  it("a huge count with few values is refused without allocating for the count", () => {
    const s = SEEDS[0]!.replace("num_leaves=15", "num_leaves=2000000000");
    expect(() => parseModelText(s)).toThrow(/leaf_value has 15 values, expected 2000000000/);
  });

  it("refuses a tree whose children form a cycle", () => {
    const s = text("binary").replace(/left_child=1 /, "left_child=0 ");
    expect(() => parseModelText(s)).toThrow(MlflowException);
  });

  it("refuses a truncated model and names what is missing", () => {
    const s = SEEDS[0]!;
    expect(() => parseModelText(s.slice(0, s.indexOf("end of trees")))).toThrow(/end of trees/);
    expect(() => parseModelText(s.replace(/^max_feature_idx=.*$/m, ""))).toThrow(/max_feature_idx/);
    expect(() => parseModelText("booster\n")).toThrow(/starts with 'tree'/);
  });

  it("reads the trailer: parameters, the last pandas_categorical line, average_output", () => {
    const m = parseModelText(text("categorical-pandas"));
    expect(m.parameters.categorical_feature).toBe("1,3,4");
    expect(m.pandasCategorical?.[2]).toEqual([1, 2, 3, 5, 8]);
    expect(parseModelText(`${text("binary")}\npandas_categorical:[["x"]]\n`).pandasCategorical).toEqual([
      ["x"],
    ]);
    expect(parseModelText(text("rf-regression")).averageOutput).toBe(true);
    expect(parseModelText(text("binary")).averageOutput).toBe(false);
    expect(() =>
      parseModelText(text("binary").replace("pandas_categorical:[]", "pandas_categorical:[{}]")),
    ).toThrow(MlflowException);
  });

  it("reads linear leaves grouped by num_features", () => {
    const m = parseModelText(text("linear-tree"));
    const t = m.trees.find((tr) => tr.linear !== null && tr.linear.features.length > 0)!;
    const lin = t.linear!;
    expect(lin.start.length).toBe(t.numLeaves + 1);
    expect(lin.start[t.numLeaves]).toBe(lin.features.length);
    expect(lin.coeff.length).toBe(lin.features.length);
  });

  it("reads a single-leaf tree and special float tokens", () => {
    const m = parseModelText(text("single-leaf"));
    expect(m.trees[0]!.numLeaves).toBe(1);
    expect(m.trees[0]!.leftChild.length).toBe(0);
    const inf = text("single-leaf").replace(/^leaf_value=.*$/m, "leaf_value=-inf");
    expect(parseModelText(inf).trees[0]!.leafValue[0]).toBe(Number.NEGATIVE_INFINITY);
  });
});
