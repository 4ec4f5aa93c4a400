import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { Booster } from "./booster.js";

const here = dirname(fileURLToPath(import.meta.url));
const models = resolve(here, "../fixtures/models");
const boosters: Booster[] = [];
function load(p: string, layout: "auto" | "heap" | "pointer" = "auto"): Booster {
  const b = Booster.fromBytes(new Uint8Array(readFileSync(join(models, p))), { layout });
  boosters.push(b);
  return b;
}
afterAll(async () => {
  for (const b of boosters) await b.close();
});

function randomMatrix(rows: number, cols: number, seed: number) {
  const data = new Float32Array(rows * cols);
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    data[i] = s % 97 === 0 ? Number.NaN : ((s >>> 8) / 2 ** 24) * 6 - 3;
  }
  return { data, shape: [rows, cols] };
}

describe("worker-thread batch prediction", () => {
  for (const name of [
    "multi-softprob-json",
    "dart-binary-logistic-ubj",
    "categorical-json",
    "gblinear-multi-softprob-binary",
    "multi-target-regression-ubj",
  ]) {
    it(`${name}: { workers: 2 } gives exactly the single-thread result`, async () => {
      const b = load(
        `${name}/${name.endsWith("json") ? "model.json" : name.endsWith("ubj") ? "model.ubj" : "model.xgb"}`,
      );
      const X = randomMatrix(5000, b.numFeature, 7);
      const single = b.predict(X);
      const parallel = await b.predictAsync(X, { workers: 2, minRowsPerWorker: 500 });
      expect(parallel.shape).toEqual(single.shape);
      expect(Buffer.from(parallel.data.buffer).equals(Buffer.from(single.data.buffer))).toBe(true);
      const margin = await b.predictAsync(X, {
        workers: 2,
        minRowsPerWorker: 500,
        outputMargin: true,
        iterationRange: [0, 2],
      });
      expect(Array.from(margin.data)).toEqual(
        Array.from(b.predict(X, { outputMargin: true, iterationRange: [0, 2] }).data),
      );
    });
  }

  for (const layout of ["pointer", "heap", "auto"] as const) {
    it(`the ${layout} layout gives the single-thread pointer result on worker threads`, async () => {
      const pointer = load("boosted-forest-multiclass-ubj/model.ubj", "pointer");
      const single = pointer.predict(randomMatrix(4000, pointer.numFeature, 11), { outputMargin: true });
      const b = load("boosted-forest-multiclass-ubj/model.ubj", layout);
      expect(b.layout).toBe(layout === "auto" ? "wasm" : layout);
      const Xb = randomMatrix(4000, b.numFeature, 11);
      const parallel = await b.predictAsync(Xb, { workers: 2, minRowsPerWorker: 500, outputMargin: true });
      expect(Array.from(parallel.data)).toEqual(Array.from(single.data));
    });
  }

  it("small batches stay on the calling thread and concurrent calls do not mix results", async () => {
    const b = load("binary-logistic-json/model.json");
    const A = randomMatrix(3000, 6, 1);
    const B = randomMatrix(3000, 6, 2);
    const [ra, rb] = await Promise.all([
      b.predictAsync(A, { workers: 2, minRowsPerWorker: 100 }),
      b.predictAsync(B, { workers: 2, minRowsPerWorker: 100 }),
    ]);
    expect(Array.from(ra.data)).toEqual(Array.from(b.predict(A).data));
    expect(Array.from(rb.data)).toEqual(Array.from(b.predict(B).data));
    const small = await b.predictAsync(randomMatrix(10, 6, 3), { workers: 2 });
    expect(small.shape).toEqual([10]);
  });
});
