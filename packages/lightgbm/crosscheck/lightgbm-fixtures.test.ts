import { existsSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runCase } from "../src/__tests__/run-case.js";

const here = dirname(fileURLToPath(import.meta.url));
// packages/lightgbm/crosscheck -> <repo root>/../shared/fixtures/lightgbm
const lgbDir = resolve(here, "../../../../shared/fixtures/lightgbm");
const present = existsSync(lgbDir);
if (!present) console.warn(`[crosscheck] ${lgbDir} not found: skipping the shared LightGBM fixtures`);

const casesIn = (d: string) =>
  readdirSync(d)
    .filter((n) => existsSync(join(d, n, "case.json")))
    .sort()
    .map((n) => join(d, n));
const cases = present ? [...casesIn(lgbDir), ...casesIn(join(lgbDir, "mlflow-2.17.2"))] : [];

describe.skipIf(!present)("shared LightGBM fixtures (LightGBM 4.6.0, MLflow 3.5.2.dev0 and 2.17.2)", () => {
  it("has every case folder", () => {
    expect(cases.length).toBeGreaterThanOrEqual(36);
  });
  it.each(cases.map((d) => [d.slice(lgbDir.length + 1), d]))(
    "%s: every recorded output matches",
    async (_n, dir) => {
      const keys = await runCase(dir);
      expect(keys).toContain("pyfunc_predict");
      expect(keys).toContain("raw_score");
    },
  );
});
