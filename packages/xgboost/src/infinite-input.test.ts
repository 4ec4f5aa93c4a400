import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as core from "@pyfunc/core";
import { describe, expect, it } from "vitest";
import "./index.js";

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = resolve(here, "../fixtures");

interface InfiniteCase {
  model: string;
  kind: "booster" | "sklearn";
  columns: string[];
  data: (number | "inf" | "-inf")[][];
  dmatrix: string;
  sklearn_predict?: number[];
}

/** What python3-xgboost does with infinite inputs (fixtures/generate_infinite.py). */
const cases = JSON.parse(readFileSync(join(fixtures, "infinite", "cases.json"), "utf8")) as InfiniteCase[];

function frame(c: InfiniteCase) {
  const cols: Record<string, Float64Array> = {};
  c.columns.forEach((name, j) => {
    cols[name] = Float64Array.from(c.data, (r) => {
      const v = r[j]!;
      return v === "inf" ? Number.POSITIVE_INFINITY : v === "-inf" ? Number.NEGATIVE_INFINITY : v;
    });
  });
  return core.DataFrame.fromColumns(cols);
}

const load = (name: string) =>
  core.loadModel(join(fixtures, "mlflow", name, "model"), { suppressWarnings: true });

describe("infinite inputs, as MLflow's xgboost pyfunc treats them", () => {
  for (const [i, c] of cases.filter((x) => x.kind === "booster").entries()) {
    it(`a Booster (predicted through DMatrix) refuses them with BAD_REQUEST (${c.model} #${i})`, async () => {
      expect(c.dmatrix).toBe("Input data contains `inf` or `nan`");
      const model = await load(c.model);
      const err = await Promise.resolve()
        .then(() => model.predict(frame(c)))
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(core.MlflowException);
      expect((err as core.MlflowException).errorCode).toBe("BAD_REQUEST");
      expect((err as Error).message).toMatch(/Input data contains `inf` or `nan`: row 1/);
    });
  }

  it("a Booster still reads NaN as missing", async () => {
    const c = cases.find((x) => x.kind === "booster")!;
    const model = await load(c.model);
    const rows = c.data.map((r) => r.map(() => Number.NaN));
    const out = (await model.predict(
      core.DataFrame.fromColumns(
        Object.fromEntries(c.columns.map((n, j) => [n, Float64Array.from(rows, (r) => r[j]!)])),
      ),
    )) as core.Tensor;
    expect(out.shape).toEqual([3]);
  });

  for (const [i, c] of cases.filter((x) => x.kind === "sklearn").entries()) {
    it(`a scikit-learn wrapper (inplace_predict) accepts them and predicts as Python (${c.model} #${i})`, async () => {
      const model = await load(c.model);
      const out = (await model.predict(frame(c))) as core.Tensor;
      const got = Array.from(out.data as ArrayLike<number | bigint>, Number);
      expect(got).toEqual(c.sklearn_predict!.map((v) => (out.dtype === "float32" ? Math.fround(v) : v)));
    });
  }
});
