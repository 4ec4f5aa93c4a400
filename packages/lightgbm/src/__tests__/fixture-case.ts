import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DataFrame } from "@pyfunc/core";

/** A fixture case folder (same layout in fixtures/ and ../shared/fixtures/lightgbm/). */
export interface CaseInput {
  columns: string[];
  dtypes: string[];
  data: unknown[][];
}

export interface ExpectedEntry {
  dtype?: string;
  shape?: number[];
  data?: unknown;
  type?: string;
  error?: string;
  error_type?: string;
}

export interface CaseManifest {
  api: string;
  model_class: string;
  model_file: string;
  expected_outputs: string[];
  tolerance: { exact: string[]; abs: number; rel: number };
  pickle?: { booster_best_iteration: number; estimator_best_iteration: number };
}

export interface FixtureCase {
  dir: string;
  manifest: CaseManifest;
  input: CaseInput;
  expected: Record<string, ExpectedEntry>;
  modelText: string;
}

export function readCase(dir: string): FixtureCase {
  const json = (f: string) => JSON.parse(readFileSync(join(dir, f), "utf8"));
  return {
    dir,
    manifest: json("case.json"),
    input: json("input.json"),
    expected: json("expected.json"),
    modelText: readFileSync(join(dir, "model.txt"), "utf8"),
  };
}

/** input.json as the DataFrame pandas held: float32/float64/int64/bool columns, category columns as their values. */
export function caseFrame(input: CaseInput): DataFrame {
  const cols: Record<string, Float64Array | Float32Array | BigInt64Array | unknown[]> = {};
  input.columns.forEach((name, j) => {
    const values = input.data.map((row) => row[j]);
    const dtype = input.dtypes[j];
    if (dtype === "float64")
      cols[name] = Float64Array.from(values, (v) => (v === null ? Number.NaN : (v as number)));
    else if (dtype === "float32")
      cols[name] = Float32Array.from(values, (v) => (v === null ? Number.NaN : (v as number)));
    else if (dtype === "int64") cols[name] = BigInt64Array.from(values, (v) => BigInt(v as number));
    else cols[name] = values;
  });
  return DataFrame.fromColumns(cols);
}

/** Nested expected data flattened in row-major order. */
export function flat(data: unknown): unknown[] {
  return Array.isArray(data) ? data.flatMap((d) => flat(d)) : [data];
}

/** Expected numbers: null in JSON means NaN. */
export function numbers(data: unknown): number[] {
  return flat(data).map((v) => (v === null ? Number.NaN : Number(v)));
}

/** The worst violation of |a - b| <= abs + rel * |b| (0 when all are within), NaN matching NaN. */
export function worstExcess(
  got: ArrayLike<number>,
  want: readonly number[],
  abs: number,
  rel: number,
): number {
  if (got.length !== want.length) return Number.POSITIVE_INFINITY;
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const a = got[i]!;
    const b = want[i]!;
    if (Number.isNaN(a) && Number.isNaN(b)) continue;
    if (Object.is(a, b)) continue;
    const d = Math.abs(a - b) - (abs + rel * Math.abs(b));
    if (!(d <= 0)) worst = Math.max(worst, Number.isNaN(d) ? Number.POSITIVE_INFINITY : d);
  }
  return worst;
}
