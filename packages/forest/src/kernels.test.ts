import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import {
  type Aggregation,
  type CategorySplit,
  type ForestModel,
  type Tree,
  ZERO_THRESHOLD,
} from "./model.js";
import { type CompileOptions, type ForestLayout, ForestPredictor, float32Threshold } from "./predictor.js";
import { predictLeafReference, predictReference } from "./reference.js";

/** A deterministic generator (the property's seed drives every choice). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

interface Spec {
  seed: number;
  numTrees: number;
  numFeatures: number;
  numOutputs: number;
  maxDepth: number;
  /** XGBoost-like: float32 inputs and sums, NaN missing, scalar leaves (the float32 kernels take these) */
  float32Family: boolean;
  /** scikit-learn-like: NaN is the only missing value, no categorical splits, no linear leaves */
  nanOnly: boolean;
  aggregation: Aggregation;
}

/** Thresholds that sit on the edges: signed zeros, LightGBM's zero band, non-float32 doubles, infinities, NaN. */
const POOL = [
  0,
  -0,
  1,
  -1,
  0.5,
  0.1,
  1e-36,
  -1e-36,
  1e-30,
  -3.25,
  1e30,
  3.4028235677973366e38,
  Math.PI,
  Math.fround(Math.PI),
  2,
  3,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  Number.NaN,
];

function randomModel(spec: Spec): ForestModel {
  const rnd = lcg(spec.seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)]!;
  const pool = [...POOL];
  for (let i = 0; i < 8; i++) pool.push((rnd() - 0.5) * 10);
  const comparison = rnd() < 0.5 ? "<" : "<=";
  const f32 = spec.float32Family;
  const trees: Tree[] = [];
  const treeOutput = new Int32Array(spec.numTrees);
  for (let t = 0; t < spec.numTrees; t++) {
    const kind = f32 ? 0 : Math.floor(rnd() * (spec.nanOnly ? 2 : 3)); // 0 scalar, 1 vector, 2 linear
    const out = Math.floor(rnd() * spec.numOutputs);
    const width = kind === 1 ? 1 + Math.floor(rnd() * (spec.numOutputs - out)) : 1;
    treeOutput[t] = out;
    const left: number[] = [];
    const right: number[] = [];
    const feature: number[] = [];
    const threshold: number[] = [];
    const defaultLeft: number[] = [];
    const missing: number[] = [];
    const value: number[] = [];
    const categories = new Map<number, CategorySplit>();
    const catTrees = !spec.nanOnly && rnd() < 0.3;
    const grow = (depth: number): number => {
      const id = left.length;
      left.push(-1);
      right.push(-1);
      feature.push(0);
      threshold.push(0);
      defaultLeft.push(rnd() < 0.5 ? 1 : 0);
      missing.push(f32 || spec.nanOnly ? 0 : Math.floor(rnd() * 3));
      value.push(f32 ? Math.fround((rnd() - 0.5) * 2) : (rnd() - 0.5) * 2);
      // deep specs (past the complete-tree layout's 12 levels) grow chain-like trees of bounded size
      const p = depth < 2 ? 0.9 : spec.maxDepth > 7 ? (depth < 12 ? 0.62 : 0.5) : 0.6;
      if (!(depth < spec.maxDepth && rnd() < p)) return id;
      feature[id] = Math.floor(rnd() * spec.numFeatures);
      threshold[id] = pick(pool);
      if (catTrees && rnd() < 0.4) {
        const bits = new Uint32Array(Math.floor(rnd() * 3));
        for (let w = 0; w < bits.length; w++) bits[w] = Math.floor(rnd() * 2 ** 32);
        categories.set(id, { bits, inSetGoesLeft: rnd() < 0.5 });
      }
      const l = grow(depth + 1);
      const r = grow(depth + 1);
      left[id] = l;
      right[id] = r;
      return id;
    };
    grow(0);
    const n = left.length;
    const tree: Tree = {
      numNodes: n,
      left: Int32Array.from(left),
      right: Int32Array.from(right),
      feature: Int32Array.from(feature),
      threshold: Float64Array.from(threshold),
      defaultLeft: Uint8Array.from(defaultLeft),
      value: Float64Array.from(value),
    };
    if (!f32 || rnd() < 0.5) tree.missing = Uint8Array.from(missing);
    if (categories.size > 0) tree.categories = categories;
    if (kind === 1) {
      const values = new Float64Array(n * width);
      for (let i = 0; i < values.length; i++) values[i] = rnd();
      tree.vector = { width, values };
    } else if (kind === 2) {
      const offsets = new Int32Array(n + 1);
      const features: number[] = [];
      const coeffs: number[] = [];
      const constant = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const terms = left[i] === -1 ? Math.floor(rnd() * 3) : 0;
        for (let k = 0; k < terms; k++) {
          features.push(Math.floor(rnd() * spec.numFeatures));
          coeffs.push((rnd() - 0.5) * 3);
        }
        offsets[i + 1] = features.length;
        constant[i] = rnd() - 0.5;
      }
      tree.linear = {
        offsets,
        features: Int32Array.from(features),
        coeffs: Float64Array.from(coeffs),
        constant,
      };
    }
    trees.push(tree);
  }
  const baseScore = new Float64Array(spec.numOutputs);
  for (let k = 0; k < spec.numOutputs; k++) baseScore[k] = f32 ? Math.fround(rnd() - 0.5) : rnd() - 0.5;
  let treeWeight: Float64Array | null = null;
  if (rnd() < 0.4) {
    treeWeight = new Float64Array(spec.numTrees);
    for (let t = 0; t < spec.numTrees; t++) treeWeight[t] = f32 ? Math.fround(rnd()) : rnd();
  }
  return {
    numFeatures: spec.numFeatures,
    numOutputs: spec.numOutputs,
    trees,
    treeOutput,
    treeWeight,
    baseScore,
    comparison,
    inputPrecision: f32 || rnd() < (spec.nanOnly ? 0.5 : 0.2) ? "float32" : "float64",
    aggregation: f32 ? "sum-float32" : spec.aggregation,
    categoryRule: f32 || rnd() < 0.5 ? "nonnegative" : "truncate",
  };
}

/** Rows made of the thresholds, their float32 and float64 neighbours, NaN, infinities, zeros and category codes. */
function edgeRows(rows: number, numFeatures: number, seed: number): Float64Array {
  const rnd = lcg(seed);
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  const n32 = (v: number, up: boolean) => {
    f32[0] = v;
    if (!Number.isFinite(f32[0]!)) return v;
    if (f32[0] === 0) return up ? 1e-45 : -1e-45;
    u32[0] = u32[0]! + (f32[0]! > 0 === up ? 1 : -1);
    return f32[0]!;
  };
  // LightGBM's zero band edge (1e-35f) and the doubles either side of it
  const z = ZERO_THRESHOLD;
  const zUp = z + 2 ** -168;
  const extra = [
    -0.5,
    -1,
    -1.5,
    2.7,
    3,
    31,
    32,
    40,
    63.9,
    16777216,
    2147483648,
    5e-36,
    -5e-36,
    z,
    -z,
    zUp,
    -zUp,
    1e-35,
  ];
  const X = new Float64Array(rows * numFeatures);
  for (let i = 0; i < X.length; i++) {
    const r = rnd();
    const th = POOL[Math.floor(rnd() * POOL.length)]!;
    if (r < 0.3) X[i] = th;
    else if (r < 0.45) X[i] = n32(th, true);
    else if (r < 0.6) X[i] = n32(th, false);
    else if (r < 0.65) X[i] = th + (Number.isFinite(th) ? Math.abs(th) * 2 ** -52 || 5e-324 : 0);
    else if (r < 0.72) X[i] = Number.NaN;
    else if (r < 0.85) X[i] = extra[Math.floor(rnd() * extra.length)]!;
    else X[i] = (rnd() - 0.5) * 12;
  }
  return X;
}

function depthOf(t: Tree, n = 0): number {
  return t.left[n] === -1 ? 0 : 1 + Math.max(depthOf(t, t.left[n]!), depthOf(t, t.right[n]!));
}

/**
 * Bit patterns of doubles (-0 compared exactly). Every NaN is one pattern: the sign of a NaN that arithmetic makes
 * (Inf - Inf in a sum) is left open by IEEE 754 and by WebAssembly, and x86 gives the negative one where V8's JS
 * may give the positive one, so only "is NaN" is a result.
 */
const bits = (a: ArrayLike<number>) =>
  Array.from(a, (v) => (Number.isNaN(v) ? "nan" : Buffer.from(Float64Array.of(v).buffer).toString("hex")));

const seen = new Set<ForestLayout>();
/** kernel / row precision / sum precision combinations the property reached */
const combos = new Set<string>();
const predictors: ForestPredictor[] = [];
afterAll(async () => {
  for (const p of predictors) await p.close();
});

const specArb = fc.record({
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  numTrees: fc.integer({ min: 1, max: 40 }),
  numFeatures: fc.integer({ min: 1, max: 6 }),
  numOutputs: fc.integer({ min: 1, max: 3 }),
  maxDepth: fc.oneof(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 13, max: 18 })),
  float32Family: fc.boolean(),
  nanOnly: fc.boolean(),
  aggregation: fc.constantFrom<Aggregation>("sum-float32", "sum-float64", "mean"),
});

describe("every kernel against the reference walker", () => {
  it("gives the reference's raw outputs and leaves bit for bit on random forests, edge values and tree ranges", () => {
    fc.assert(
      fc.property(specArb, (spec) => {
        const model = randomModel(spec);
        const rows = 1 + (spec.seed % 37);
        const X = edgeRows(rows, spec.numFeatures, spec.seed ^ 0x9e3779b9);
        const rnd = lcg(spec.seed ^ 0x5bd1e995);
        const ranges = [undefined];
        for (let k = 0; k < 3; k++) {
          const a = Math.floor(rnd() * spec.numTrees);
          ranges.push({ start: a, end: a + Math.floor(rnd() * (spec.numTrees - a + 1)) } as never);
        }
        for (const layout of ["auto", "heap", "pointer", "generic"] as CompileOptions["layout"][]) {
          const p = ForestPredictor.compile(model, { layout });
          seen.add(p.layout);
          combos.add(`${p.layout} ${model.inputPrecision} ${p.outputType}`);
          if (p.layout === "wasm" && model.trees.some((t) => depthOf(t) > 12)) combos.add("wasm deep");
          if (p.chained) combos.add(`wasm chained ${p.outputType}`);
          for (const range of ranges) {
            const want = bits(predictReference(model, X, rows, range));
            expect(bits(p.predict(X, rows, range))).toEqual(want);
            // one row at a time (the single-row kernels) gives the batch's numbers
            const first = p.predict(X.subarray(0, spec.numFeatures), 1, range);
            expect(bits(first)).toEqual(want.slice(0, spec.numOutputs));
            expect(Array.from(p.predictLeaf(X, rows, range))).toEqual(
              Array.from(predictLeafReference(model, X, rows, range)),
            );
          }
        }
      }),
      { numRuns: 150 },
    );
    // the generator reaches every kernel
    expect([...seen].sort()).toEqual(["generic", "heap", "pointer", "wasm"]);
    for (const c of [
      "wasm float32 float32",
      "wasm float64 float64",
      "wasm float32 float64",
      "generic float64 float64",
      "wasm chained float32",
      "wasm chained float64",
    ]) {
      expect(combos).toContain(c);
    }
  });

  it("gives the single-thread numbers on worker threads, for every kernel", async () => {
    const rowsPerWorker = 300;
    for (const [i, spec] of fc.sample(specArb, { numRuns: 8, seed: 42 }).entries()) {
      const model = randomModel({ ...spec, float32Family: i % 2 === 0 });
      const rows = 2 * rowsPerWorker + (spec.seed % 50);
      const X = edgeRows(rows, spec.numFeatures, spec.seed);
      for (const layout of ["auto", "heap", "pointer", "generic"] as CompileOptions["layout"][]) {
        const p = ForestPredictor.compile(model, { layout });
        predictors.push(p);
        const range = { start: 0, end: Math.ceil(spec.numTrees / 2) };
        const got = await p.predictAsync(X, rows, { workers: 2, minRowsPerWorker: rowsPerWorker, range });
        expect(bits(got)).toEqual(bits(predictReference(model, X, rows, range)));
      }
    }
  });
});

describe("float32Threshold", () => {
  it("turns each comparison on a double threshold into the equivalent float32 'x >= t goes right'", () => {
    const rnd = lcg(7);
    const f = new Float32Array(1);
    const u = new Uint32Array(f.buffer);
    for (let i = 0; i < 3000; i++) {
      const t = i % 7 === 0 ? POOL[i % POOL.length]! : (rnd() - 0.5) * 10 ** Math.floor(rnd() * 12 - 6);
      for (const cmp of ["<", "<="] as const) {
        const c = float32Threshold(t, cmp);
        if (c === null) {
          expect([cmp, t]).toEqual(["<=", Number.POSITIVE_INFINITY]);
          continue;
        }
        // every float32 near t (and the special values) goes the same way
        f[0] = t;
        const near: number[] = [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, 0, -0];
        if (Number.isFinite(f[0]!)) {
          for (let d = -3; d <= 3; d++) {
            u[0] = (u[0]! + d) >>> 0;
            near.push(f[0]!);
            u[0] = (u[0]! - d) >>> 0;
          }
        }
        for (const x of near) {
          if (Number.isNaN(x)) continue;
          const left = cmp === "<" ? x < t : x <= t;
          expect(x >= c).toBe(!left);
        }
      }
    }
  });
});
