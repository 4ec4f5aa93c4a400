import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Booster } from "./booster.js";

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
  numFeature: number;
  maxDepth: number;
  groups: number;
}

/** A random XGBoost JSON model: ragged trees, shared and signed-zero thresholds, random default directions. */
function randomModel(spec: Spec): { bytes: Uint8Array; thresholds: number[] } {
  const rnd = lcg(spec.seed);
  const pool = [0, -0, 1, -1, 0.5, 1e-30, -3.25, 1e30, Math.fround(Math.PI)];
  for (let i = 0; i < 12; i++) pool.push(Math.fround((rnd() - 0.5) * 10));
  const trees = [];
  for (let t = 0; t < spec.numTrees; t++) {
    const left: number[] = [];
    const right: number[] = [];
    const cond: number[] = [];
    const feat: number[] = [];
    const defl: number[] = [];
    const grow = (depth: number): number => {
      const id = left.length;
      left.push(-1);
      right.push(-1);
      cond.push(0);
      feat.push(0);
      defl.push(0);
      const split = depth < spec.maxDepth && rnd() < (depth < 2 ? 0.9 : 0.6);
      if (!split) {
        cond[id] = Math.fround((rnd() - 0.5) * 2);
        return id;
      }
      feat[id] = Math.floor(rnd() * spec.numFeature);
      cond[id] = pool[Math.floor(rnd() * pool.length)]!;
      defl[id] = rnd() < 0.5 ? 1 : 0;
      left[id] = grow(depth + 1);
      right[id] = grow(depth + 1);
      return id;
    };
    grow(0);
    const n = left.length;
    trees.push({
      id: t,
      left_children: left,
      right_children: right,
      parents: left.map(() => 2147483647),
      split_conditions: cond,
      split_indices: feat,
      default_left: defl,
      split_type: left.map(() => 0),
      base_weights: left.map(() => 0),
      loss_changes: left.map(() => 0),
      sum_hessian: left.map(() => 1),
      categories: [],
      categories_nodes: [],
      categories_segments: [],
      categories_sizes: [],
      tree_param: {
        num_deleted: "0",
        num_feature: String(spec.numFeature),
        num_nodes: String(n),
        size_leaf_vector: "0",
      },
    });
  }
  const multi = spec.groups > 1;
  const model = {
    version: [1, 7, 4],
    learner: {
      attributes: {},
      feature_names: [],
      feature_types: [],
      learner_model_param: {
        base_score: "5E-1",
        boost_from_average: "1",
        num_class: multi ? String(spec.groups) : "0",
        num_feature: String(spec.numFeature),
        num_target: "1",
      },
      objective: multi
        ? { name: "multi:softprob", softmax_multiclass_param: { num_class: String(spec.groups) } }
        : { name: "reg:squarederror", reg_loss_param: { scale_pos_weight: "1" } },
      gradient_booster: {
        name: "gbtree",
        model: {
          gbtree_model_param: {
            num_parallel_tree: "1",
            num_trees: String(spec.numTrees),
            size_leaf_vector: "0",
          },
          tree_info: trees.map((_, i) => i % spec.groups),
          trees,
        },
      },
    },
  };
  return { bytes: new TextEncoder().encode(JSON.stringify(model)), thresholds: pool };
}

/** Rows made of the thresholds themselves, their float32 neighbours, NaN, infinities and signed zeros. */
function edgeRows(rows: number, numFeature: number, thresholds: number[], seed: number): Float32Array {
  const rnd = lcg(seed);
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  const neighbour = (v: number, up: boolean) => {
    f32[0] = v;
    if (v === 0) return up ? 1e-45 : -1e-45;
    u32[0] = u32[0]! + (v > 0 === up ? 1 : -1);
    return f32[0]!;
  };
  const X = new Float32Array(rows * numFeature);
  for (let i = 0; i < X.length; i++) {
    const r = rnd();
    const th = thresholds[Math.floor(rnd() * thresholds.length)]!;
    if (r < 0.35) X[i] = th;
    else if (r < 0.55) X[i] = neighbour(th, true);
    else if (r < 0.75) X[i] = neighbour(th, false);
    else if (r < 0.82) X[i] = Number.NaN;
    else if (r < 0.85) X[i] = rnd() < 0.5 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
    else X[i] = (rnd() - 0.5) * 12;
  }
  return X;
}

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe("the WebAssembly forest kernel", () => {
  it("gives bit-identical margins to the pointer kernel on random ragged forests, edge values and tree ranges", () => {
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
          numTrees: fc.integer({ min: 1, max: 70 }),
          numFeature: fc.integer({ min: 1, max: 9 }),
          maxDepth: fc.integer({ min: 0, max: 12 }),
          groups: fc.constantFrom(1, 3),
        }),
        (spec) => {
          const { bytes, thresholds } = randomModel(spec);
          const wasm = Booster.fromBytes(bytes);
          const pointer = Booster.fromBytes(bytes, { layout: "pointer" });
          expect(wasm.layout).toBe("wasm");
          const rows = 1 + (spec.seed % 40);
          const X = {
            data: edgeRows(rows, spec.numFeature, thresholds, spec.seed),
            shape: [rows, spec.numFeature],
          };
          expect(bits(wasm.predict(X, { outputMargin: true }).data)).toEqual(
            bits(pointer.predict(X, { outputMargin: true }).data),
          );
          // ranges that start and end inside the 16-tree groups
          const rounds = wasm.numBoostedRounds;
          const rnd = lcg(spec.seed ^ 0x5bd1e995);
          for (let k = 0; k < 4; k++) {
            const a = Math.floor(rnd() * rounds);
            const b = a + 1 + Math.floor(rnd() * (rounds - a));
            const o = { outputMargin: true, iterationRange: [a, b] as const };
            expect(bits(wasm.predict(X, o).data)).toEqual(bits(pointer.predict(X, o).data));
          }
          // one row at a time (the single-row path) gives the batch's numbers
          const one = wasm.predict(
            { data: X.data.subarray(0, spec.numFeature), shape: [1, spec.numFeature] },
            { outputMargin: true },
          );
          expect(bits(one.data)).toEqual(
            bits(pointer.predict(X, { outputMargin: true }).data.subarray(0, spec.groups)),
          );
        },
      ),
      { numRuns: 60 },
    );
  });

  it("falls back to the typed-array kernels when a model does not fit its layout", () => {
    // bins entries are addressed with 16 bits: more than 8,191 features do not fit
    const wide = randomModel({ seed: 7, numTrees: 3, numFeature: 9000, maxDepth: 3, groups: 1 });
    const b = Booster.fromBytes(wide.bytes);
    expect(b.layout).toBe("heap");
    const p = Booster.fromBytes(wide.bytes, { layout: "pointer" });
    const X = { data: edgeRows(5, 9000, wide.thresholds, 3), shape: [5, 9000] };
    expect(bits(b.predict(X).data)).toEqual(bits(p.predict(X).data));
  });
});
