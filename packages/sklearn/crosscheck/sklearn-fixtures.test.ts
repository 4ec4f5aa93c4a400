import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { type CaseJson, runCase } from "../src/__tests__/run-case.js";

const here = dirname(fileURLToPath(import.meta.url));
// packages/sklearn/crosscheck -> <repo root>/../shared/fixtures/sklearn
const root = resolve(here, "../../../../shared/fixtures/sklearn");
const present = existsSync(root);
if (!present) console.warn(`[crosscheck] ${root} not found: skipping the shared scikit-learn fixtures`);

const cases = present
  ? [
      ...readdirSync(root).filter((d) => existsSync(join(root, d, "case.json"))),
      ...(existsSync(join(root, "mlflow-2.17.2"))
        ? readdirSync(join(root, "mlflow-2.17.2")).map((d) => `mlflow-2.17.2/${d}`)
        : []),
    ].sort()
  : [];

describe.skipIf(!present)(
  "shared scikit-learn fixtures (scikit-learn 1.2.1, MLflow 3.5.2.dev0 / 2.17.2)",
  () => {
    it("has the fixture folders", () => {
      expect(cases.length).toBeGreaterThanOrEqual(91);
    });
    for (const name of cases) {
      const dir = join(root, name);
      const c = JSON.parse(readFileSync(join(dir, "case.json"), "utf8")) as CaseJson;
      if (c.must_refuse) {
        it(`${name}: is refused without running the pickled function`, async () => {
          await expect(runCase(dir)).rejects.toThrow(/holds Python code/);
        });
        continue;
      }
      it(`${name}: every recorded output and pyfunc predict match`, async () => {
        const r = await runCase(dir);
        expect(r.failures).toEqual([]);
        expect(r.checked).toContain("pyfunc_predict");
      });
    }
  },
);
