import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runCaseDir } from "./__tests__/run-case.js";
import { Booster } from "./booster.js";

const here = dirname(fileURLToPath(import.meta.url));
const modelsDir = resolve(here, "../fixtures/models");
const cases = readdirSync(modelsDir).sort();

describe("own fixtures generated with python3-xgboost 1.7 match XGBoost's recorded outputs", () => {
  it("covers every objective and booster", () => {
    const seen = new Set<string>();
    const boosters = new Set<string>();
    const formats = new Set<string>();
    for (const c of cases) {
      const e = JSON.parse(readFileSync(join(modelsDir, c, "expected.json"), "utf8")) as {
        objective: string;
        booster: string;
        format: string;
      };
      seen.add(e.objective);
      boosters.add(e.booster);
      formats.add(e.format);
    }
    for (const o of [
      "reg:squarederror",
      "reg:squaredlogerror",
      "reg:pseudohubererror",
      "reg:absoluteerror",
      "reg:logistic",
      "binary:logistic",
      "binary:logitraw",
      "binary:hinge",
      "count:poisson",
      "reg:gamma",
      "reg:tweedie",
      "survival:cox",
      "survival:aft",
      "multi:softmax",
      "multi:softprob",
      "rank:pairwise",
      "rank:ndcg",
      "rank:map",
    ]) {
      expect(seen, o).toContain(o);
    }
    expect([...boosters].sort()).toEqual(["dart", "gblinear", "gbtree"]);
    expect([...formats].sort()).toEqual(["binary", "json", "ubj"]);
  });

  for (const c of cases) {
    it(`${c}: every output matches (margins and leaf indices bit for bit)`, () => {
      const { keys } = runCaseDir(join(modelsDir, c));
      expect(keys).toContain("output_margin");
    });
    it(`${c}: the typed-array heap and pointer kernels give the same outputs`, () => {
      const heap = runCaseDir(join(modelsDir, c), undefined, undefined, "heap").booster;
      expect(heap.layout).not.toBe("wasm");
      const pointer = runCaseDir(join(modelsDir, c), undefined, undefined, "pointer").booster;
      expect(["pointer", "linear"]).toContain(pointer.layout);
    });
  }

  it("uses the wasm kernel for shallow numeric models and the pointer layout for categorical ones", () => {
    const load = (f: string, layout?: "heap") =>
      Booster.fromBytes(new Uint8Array(readFileSync(join(modelsDir, f))), { layout });
    expect(load("binary-logistic-json/model.json").layout).toBe("wasm");
    expect(load("binary-logistic-json/model.json", "heap").layout).toBe("heap");
    expect(load("categorical-json/model.json").layout).toBe("pointer");
    expect(load("gblinear-regression-json/model.json").layout).toBe("linear");
  });

  it("reads the same trees from the json, ubj and legacy binary files of one model", () => {
    const load = (f: string, file: string) =>
      Booster.fromBytes(new Uint8Array(readFileSync(join(modelsDir, f, file))));
    const j = load("binary-logistic-json", "model.json");
    const u = load("binary-logistic-ubj", "model.ubj");
    const b = load("binary-logistic-binary", "model.xgb");
    expect([j.format, u.format, b.format]).toEqual(["json", "ubj", "binary"]);
    expect(u.numTrees).toBe(j.numTrees);
    expect(b.numTrees).toBe(j.numTrees);
    const X = { data: new Float32Array(60).map((_, i) => Math.sin(i)), shape: [10, 6] };
    expect(Array.from(u.predict(X, { outputMargin: true }).data)).toEqual(
      Array.from(j.predict(X, { outputMargin: true }).data),
    );
    expect(Array.from(b.predict(X, { outputMargin: true }).data)).toEqual(
      Array.from(j.predict(X, { outputMargin: true }).data),
    );
  });
});
