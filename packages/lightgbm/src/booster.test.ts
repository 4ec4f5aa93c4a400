import { existsSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { caseFrame, numbers, readCase, worstExcess } from "./__tests__/fixture-case.js";
import { OUTPUT_OPTIONS } from "./__tests__/run-case.js";
import { Booster } from "./booster.js";

const fixtures = resolve(dirname(fileURLToPath(import.meta.url)), "../fixtures");
const caseDirs = readdirSync(fixtures, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(fixtures, d.name, "case.json")))
  .map((d) => join(fixtures, d.name));

const OPTIONS = OUTPUT_OPTIONS;

describe.each(caseDirs.map((d) => [d.split("/").pop()!, d]))("Booster on the %s fixture", (_name, dir) => {
  const c = readCase(dir);
  const booster = Booster.fromString(c.modelText, {
    bestIteration: c.manifest.pickle?.booster_best_iteration ?? 0,
  });
  const frame = caseFrame(c.input);
  const entries = Object.keys(OPTIONS).filter(
    (k) => c.expected[k] !== undefined && (k !== "predict" || c.manifest.api.startsWith("Booster")),
  );
  it.each(entries)("%s matches LightGBM", (key) => {
    const want = c.expected[key]!;
    const got = booster.predict(frame, OPTIONS[key] ?? {});
    expect(got.shape).toEqual(want.shape);
    if (key === "pred_leaf") expect(Array.from(got.data)).toEqual(numbers(want.data));
    else if (c.manifest.tolerance.exact.includes(key))
      expect(Array.from(got.data)).toEqual(numbers(want.data));
    else expect(worstExcess(got.data, numbers(want.data), 1e-12, 1e-12)).toBe(0);
  });
});

describe("Booster.predict on one row at a time", () => {
  it("gives each row the numbers of the whole batch, though the rows share one input buffer", () => {
    const c = readCase(caseDirs[0]!);
    const booster = Booster.fromString(c.modelText);
    const frame = caseFrame(c.input);
    const m = booster.toMatrix(frame);
    const batch = booster.predict(frame, { rawScore: true });
    const K = batch.data.length / m.numRows;
    for (let r = 0; r < m.numRows; r++) {
      const row = m.X.subarray(r * m.numCols, (r + 1) * m.numCols);
      const one = booster.predict({ dtype: "float64", shape: [1, m.numCols], data: row }, { rawScore: true });
      expect(Array.from(one.data)).toEqual(Array.from(batch.data.subarray(r * K, (r + 1) * K)));
    }
    // a matrix toMatrix returned without reuseRow is its own
    const kept = booster.toMatrix({
      dtype: "float64",
      shape: [1, m.numCols],
      data: m.X.subarray(0, m.numCols),
    });
    const before = Array.from(kept.X);
    booster.predict({
      dtype: "float64",
      shape: [1, m.numCols],
      data: m.X.subarray(m.numCols, 2 * m.numCols),
    });
    expect(Array.from(kept.X)).toEqual(before);
  });
});
