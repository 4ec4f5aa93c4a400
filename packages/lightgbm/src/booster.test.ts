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
