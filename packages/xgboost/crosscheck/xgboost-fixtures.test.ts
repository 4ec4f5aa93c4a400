import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runCaseDir } from "../src/__tests__/run-case.js";

const here = dirname(fileURLToPath(import.meta.url));
// packages/xgboost/crosscheck -> <repo root>/../shared/fixtures
const sharedRoot = resolve(here, "../../../../shared/fixtures");
const xgbDir = join(sharedRoot, "xgboost");
const present = existsSync(xgbDir);
if (!present) console.warn(`[crosscheck] ${xgbDir} not found: skipping the shared XGBoost fixtures`);

interface CaseJson {
  model_file: string;
  format: string;
  tolerance: { abs: number; rel: number; exact: string[] };
}

const cases = present
  ? readdirSync(xgbDir)
      .filter((d) => existsSync(join(xgbDir, d, "case.json")))
      .sort()
  : [];

describe.skipIf(!present)("shared XGBoost fixtures (xgboost 1.7.4)", () => {
  it("has the fixture folders", () => {
    expect(cases.length).toBeGreaterThan(90);
  });
  for (const name of cases) {
    it(`${name}: every recorded output matches`, () => {
      const dir = join(xgbDir, name);
      const c = JSON.parse(readFileSync(join(dir, "case.json"), "utf8")) as CaseJson;
      const { booster, keys } = runCaseDir(dir, c.tolerance.exact, c.model_file);
      expect(booster.format).toBe(c.format === "binary-legacy" ? "binary" : c.format);
      expect(keys).toContain("predict");
      runCaseDir(dir, c.tolerance.exact, c.model_file, "pointer");
    });
  }
});
