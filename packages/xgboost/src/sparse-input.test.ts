import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as core from "@pyfunc/core";
import { afterAll, describe, expect, it } from "vitest";
import { expectMatches } from "./__tests__/compare.js";
import { saveModel } from "./index.js";

// fixtures/sparse is written by fixtures/generate_sparse.py with Debian's python3-xgboost 1.7.4 and scipy
const fixture = resolve(dirname(fileURLToPath(import.meta.url)), "../fixtures/sparse");
const tmp = mkdtempSync(join(tmpdir(), "pyfunc-xgb-sparse-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface SparseJson {
  indptr: number[];
  indices: number[];
  data: number[];
  shape: [number, number];
}
const input = JSON.parse(readFileSync(join(fixture, "input.json"), "utf8")) as {
  csr: SparseJson;
  csc: SparseJson;
};
const expected = JSON.parse(readFileSync(join(fixture, "expected.json"), "utf8")) as Record<string, number[]>;

/** A scipy csr_matrix / csc_matrix as core's SparseMatrix (what `mlflow.pyfunc` users pass to predict). */
function sparse(format: "csr" | "csc", m: SparseJson): core.SparseMatrix {
  return {
    format,
    shape: m.shape,
    indptr: Int32Array.from(m.indptr),
    indices: Int32Array.from(m.indices),
    values: Float32Array.from(m.data),
  };
}

describe("scipy sparse input through an xgboost model's pyfunc predict", () => {
  it("predicts a csr and a csc matrix as xgb.DMatrix does: absent entries are missing, stored zeros are zeros", async () => {
    const dir = join(tmp, "model");
    await saveModel(dir, { model: join(fixture, "model.json") });
    const model = await core.loadModel(dir, { suppressWarnings: true });
    const n = input.csr.shape[0];
    for (const format of ["csr", "csc"] as const) {
      const out = (await model.predict(sparse(format, input[format]))) as core.Tensor;
      expect(out.dtype).toBe("float32");
      const want = { dtype: "float32", shape: [n], data: expected[format] };
      expectMatches(format, out as { data: ArrayLike<number>; shape: number[] }, want, false);
      // the dense rows with NaN where there is no entry predict the same; densified with zeros they do not
      expect(expected[format]).toEqual(expected.dense_nan);
    }
    expect(expected.dense_zero).not.toEqual(expected.csr);
  });

  it("refuses a sparse matrix whose indices leave its shape with INVALID_PARAMETER_VALUE instead of reading out of range", async () => {
    const dir = join(tmp, "model-bad");
    await saveModel(dir, { model: join(fixture, "model.json") });
    const model = await core.loadModel(dir, { suppressWarnings: true });
    const bad = { ...sparse("csr", input.csr), indices: Int32Array.from(input.csr.indices, () => 99) };
    await expect(model.predict(bad)).rejects.toMatchObject({
      name: "MlflowException",
      errorCode: "INVALID_PARAMETER_VALUE",
      message: expect.stringMatching(/index out of range/),
    });
  });
});
