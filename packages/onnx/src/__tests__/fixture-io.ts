import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { NumpyDType, Tensor, TensorDict, TypedArray } from "@pyfunc/core";

/** A tensor as the fixtures store it: numpy-ish dtype name, shape, row-major flat data. */
export interface JsonTensor {
  dtype: string;
  shape: number[];
  data: unknown[];
}

export interface FixtureRuns {
  inputs: Record<string, JsonTensor>[];
  expected: Record<string, JsonTensor>[];
}

export function readRuns(dir: string): FixtureRuns {
  const inputs = JSON.parse(readFileSync(join(dir, "inputs.json"), "utf8")) as {
    runs: Record<string, JsonTensor>[];
  };
  const expected = JSON.parse(readFileSync(join(dir, "expected.json"), "utf8")) as {
    runs: Record<string, JsonTensor>[];
  };
  return { inputs: inputs.runs, expected: expected.runs };
}

/** JSON tensor → core Tensor with the typed array numpy would hold. */
export function toTensor(t: JsonTensor): Tensor {
  const shape = t.shape.slice();
  switch (t.dtype) {
    case "float32":
      return { dtype: "float32", shape, data: Float32Array.from(t.data as number[]) };
    case "float64":
      return { dtype: "float64", shape, data: Float64Array.from(t.data as number[]) };
    case "int32":
      return { dtype: "int32", shape, data: Int32Array.from(t.data as number[]) };
    case "int64":
      return { dtype: "int64", shape, data: BigInt64Array.from(t.data as number[], (x) => BigInt(x)) };
    case "bool":
      return { dtype: "bool", shape, data: Uint8Array.from(t.data as boolean[], (b) => (b ? 1 : 0)) };
    case "string":
    case "str":
      return { dtype: "str", shape, data: (t.data as string[]).slice() };
    default:
      throw new Error(`fixture dtype ${t.dtype} not handled`);
  }
}

export function toTensorDict(run: Record<string, JsonTensor>): TensorDict {
  const out: TensorDict = {};
  for (const [k, v] of Object.entries(run)) out[k] = toTensor(v);
  return out;
}

const DTYPE_ALIASES: Record<string, NumpyDType> = { string: "str" };

/** Differences between an actual tensor and the expected one; an empty list means equal within tolerance. */
export function compareTensor(
  name: string,
  actual: Tensor | undefined,
  expected: JsonTensor,
  tol: { abs: number; rel?: number },
): { problems: string[]; maxAbs: number } {
  const problems: string[] = [];
  let maxAbs = 0;
  if (actual === undefined) return { problems: [`${name}: missing`], maxAbs };
  const want = DTYPE_ALIASES[expected.dtype] ?? expected.dtype;
  if (actual.dtype !== want) problems.push(`${name}: dtype ${actual.dtype} != ${want}`);
  if (JSON.stringify(actual.shape) !== JSON.stringify(expected.shape)) {
    problems.push(`${name}: shape ${JSON.stringify(actual.shape)} != ${JSON.stringify(expected.shape)}`);
  }
  const data = actual.data as TypedArray | unknown[];
  if (data.length !== expected.data.length) {
    problems.push(`${name}: ${data.length} values != ${expected.data.length}`);
    return { problems, maxAbs };
  }
  for (let i = 0; i < data.length; i++) {
    const a = data[i];
    const e = expected.data[i];
    if (typeof e === "number" && (typeof a === "number" || typeof a === "bigint")) {
      const av = Number(a);
      const d = Math.abs(av - e);
      maxAbs = Math.max(maxAbs, d);
      const limit = tol.abs + (tol.rel ?? 0) * Math.abs(e);
      if (!(d <= limit)) problems.push(`${name}[${i}]: ${av} != ${e} (|diff| ${d})`);
    } else if (typeof e === "boolean") {
      if (Boolean(a) !== e) problems.push(`${name}[${i}]: ${String(a)} != ${e}`);
    } else if (a !== e) {
      problems.push(`${name}[${i}]: ${String(a)} != ${String(e)}`);
    }
    if (problems.length > 5) break;
  }
  return { problems, maxAbs };
}
