import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Tensor } from "@pyfunc/core";

export const PACKAGE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const FIXTURES_DIR = path.join(PACKAGE_DIR, "fixtures");

export interface JsonTensor {
  dtype: string;
  shape: number[];
  data: (number | string)[];
}

export interface FixtureCase {
  dir: string;
  inputs: Record<string, JsonTensor>[];
  expected: Record<string, JsonTensor>[];
}

export function readCase(dir: string): FixtureCase {
  const read = (f: string) =>
    JSON.parse(readFileSync(path.join(dir, f), "utf8")) as { runs: Record<string, JsonTensor>[] };
  return { dir, inputs: read("inputs.json").runs, expected: read("expected.json").runs };
}

/** A JSON tensor as a core Tensor (float32 data in a Float32Array). */
export function toTensor(t: JsonTensor): Tensor {
  if (t.dtype === "float32")
    return { dtype: "float32", shape: t.shape, data: Float32Array.from(t.data as number[]) };
  if (t.dtype === "int32")
    return { dtype: "int32", shape: t.shape, data: Int32Array.from(t.data as number[]) };
  return { dtype: "str", shape: t.shape, data: t.data };
}

/** Largest |a - b| and whether every element is within abs + rel * |b|. */
export function compare(
  actual: ArrayLike<number>,
  expected: readonly number[],
  abs: number,
  rel = 0,
): { maxDiff: number; ok: boolean } {
  let maxDiff = 0;
  let ok = actual.length === expected.length;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i]! - expected[i]!);
    maxDiff = Math.max(maxDiff, d);
    if (!(d <= abs + rel * Math.abs(expected[i]!))) ok = false;
  }
  return { maxDiff, ok };
}
