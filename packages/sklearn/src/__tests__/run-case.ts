import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DataFrame, loadModel, type Tensor } from "@pyfunc/core";
import type { Estimator } from "../base.js";
import { toDense } from "../base.js";
import { toSklearnInput } from "../convert.js";
import { Pipeline } from "../estimators/compose.js";
import type { NdArray } from "../ndarray.js";
import { SklearnPyFuncModel } from "../wrapper.js";
import "../index.js";

export interface CaseJson {
  serialization_format: string;
  must_refuse: boolean;
  tolerance: { abs: number; rel: number };
}

interface Expected {
  dtype: string;
  shape: number[];
  data: unknown;
}

/** input.json as the pandas DataFrame Python rebuilt (dtypes kept; null is NaN everywhere). */
export function inputFrame(dir: string): DataFrame {
  const inp = JSON.parse(readFileSync(join(dir, "input.json"), "utf8")) as {
    columns: string[];
    dtypes: Record<string, string>;
    data: unknown[][];
  };
  return new DataFrame(
    inp.columns.map((name, j) => {
      const dtype = inp.dtypes[name]!;
      const col = inp.data.map((r) => r[j]);
      if (dtype === "float64")
        return { name, dtype, values: Float64Array.from(col, (v) => (v === null ? Number.NaN : Number(v))) };
      if (dtype === "float32")
        return { name, dtype, values: Float32Array.from(col, (v) => (v === null ? Number.NaN : Number(v))) };
      if (dtype === "int64")
        return { name, dtype, values: BigInt64Array.from(col, (v) => BigInt(v as number)) };
      if (dtype === "int32") return { name, dtype, values: Int32Array.from(col as number[]) };
      return { name, dtype: "object", values: col.map((v) => (v === null ? Number.NaN : v)) };
    }),
  );
}

function flat(v: unknown): unknown[] {
  return Array.isArray(v) ? v.flatMap(flat) : [v];
}

/** Compare one output: floats within abs + rel * |expected|; labels exactly. */
export function compare(
  name: string,
  got: NdArray | Tensor,
  exp: Expected,
  tol: { abs: number; rel: number },
): string | null {
  const want = flat(exp.data);
  const have = Array.from(got.data as ArrayLike<unknown>);
  if (JSON.stringify(got.shape) !== JSON.stringify(exp.shape))
    return `${name}: shape ${JSON.stringify(got.shape)} != ${JSON.stringify(exp.shape)}`;
  // matrices (transform outputs) are float64 here; an int64 count matrix holds the same exact values
  const isMatrix = exp.shape.length === 2 && got.dtype === "float64";
  const isFloat = exp.dtype.startsWith("float") || isMatrix;
  if (!isFloat) {
    const kind = (d: string) => (d.startsWith("<U") || d === "str" ? "str" : d);
    if (kind(exp.dtype) !== kind(got.dtype)) return `${name}: dtype ${got.dtype} != ${exp.dtype}`;
  }
  for (let i = 0; i < want.length; i++) {
    const w = want[i];
    const h = have[i];
    if (isFloat) {
      const wn = w === null ? Number.NaN : Number(w);
      const hn = Number(h);
      if ((Number.isNaN(wn) && Number.isNaN(hn)) || wn === hn) continue;
      if (!(Math.abs(hn - wn) <= tol.abs + tol.rel * Math.abs(wn)))
        return `${name}[${i}]: ${hn} != ${wn} (diff ${Math.abs(hn - wn)})`;
    } else {
      const hv = typeof h === "bigint" ? Number(h) : h;
      if (hv !== w) return `${name}[${i}]: ${String(hv)} != ${String(w)}`;
    }
  }
  return null;
}

const METHODS: Record<string, (e: Estimator, x: ReturnType<typeof toSklearnInput>) => NdArray | undefined> = {
  predict: (e, x) => e.predict?.(x),
  predict_proba: (e, x) => (e.hasMethod("predictProba") ? dense2(e.predictProba!(x)) : undefined),
  predict_log_proba: (e, x) => (e.hasMethod("predictLogProba") ? dense2(e.predictLogProba!(x)) : undefined),
  predict_joint_log_proba: (e, x) =>
    e.hasMethod("predictJointLogProba") ? dense2(e.predictJointLogProba!(x)) : undefined,
  decision_function: (e, x) => (e.hasMethod("decisionFunction") ? e.decisionFunction!(x) : undefined),
  score_samples: (e, x) => (e.hasMethod("scoreSamples") ? e.scoreSamples!(x) : undefined),
  transform: (e, x) => {
    if (!e.hasMethod("transform")) return undefined;
    const t = toDense(e.transform!(x));
    return { dtype: "float64", shape: [t.rows, t.cols], data: t.data };
  },
  preprocess_transform: (e, x) => {
    if (!(e instanceof Pipeline)) return undefined;
    const t = toDense(e.preprocess(x));
    return { dtype: "float64", shape: [t.rows, t.cols], data: t.data };
  },
};

function dense2(m: { rows: number; cols: number; data: Float64Array }): NdArray {
  return { dtype: "float64", shape: [m.rows, m.cols], data: m.data };
}

/** Run one shared case: every output the estimator exposes, and pyfunc predict through loadModel. */
export async function runCase(dir: string): Promise<{ checked: string[]; failures: string[] }> {
  const c = JSON.parse(readFileSync(join(dir, "case.json"), "utf8")) as CaseJson;
  const expected = JSON.parse(readFileSync(join(dir, "expected.json"), "utf8")) as Record<string, Expected>;
  const df = inputFrame(dir);
  const model = await loadModel(join(dir, "model"));
  const impl = model.unwrap();
  const est = impl instanceof SklearnPyFuncModel ? impl.estimator : (impl as Estimator);
  const failures: string[] = [];
  const checked: string[] = [];
  const x = toSklearnInput(df);
  for (const [name, exp] of Object.entries(expected)) {
    if (name === "pyfunc_predict") continue;
    const f = METHODS[name];
    if (!f) continue;
    const got = f(est, x);
    if (got === undefined) {
      failures.push(`${name}: not exposed`);
      continue;
    }
    checked.push(name);
    const err = compare(name, got, exp, c.tolerance);
    if (err) failures.push(err);
  }
  const out = (await model.predict(df)) as Tensor;
  checked.push("pyfunc_predict");
  const err = compare("pyfunc_predict", out, expected.pyfunc_predict!, c.tolerance);
  if (err) failures.push(err);
  return { checked, failures };
}
