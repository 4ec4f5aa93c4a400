#!/usr/bin/env node
// Overhead of a loaded function model (core's PyFuncModel + this flavor's wrapper) relative to calling the saved
// predict function directly. Saves a tiny model into the OS temp folder. Reported as a ratio (baseline = 1.0).
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { loadModel } from "@pyfunc/core";
import { saveModel } from "../dist/index.js";

const root = await mkdtemp(path.join(os.tmpdir(), "pyfunc-function-bench-"));
try {
  const src = path.join(root, "predict.mjs");
  await writeFile(src, "export function predict(rows) { return rows.map((r) => r.x * 2); }\n");
  await saveModel(path.join(root, "model"), { modelCode: src });
  const model = await loadModel(path.join(root, "model"), { suppressWarnings: true });
  const fn = model.unwrap();
  const rows = Array.from({ length: 100 }, (_, i) => ({ x: i + 0.5 }));

  async function time(label, call, iterations = 5000) {
    for (let i = 0; i < 500; i++) await call();
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) await call();
    return { label, ns: Number(process.hrtime.bigint() - start) / iterations };
  }
  const base = await time("predict function (baseline)", () => fn(rows));
  const wrapped = await time("loaded.predict", () => model.predict(rows));
  for (const r of [base, wrapped]) {
    console.log(
      `${r.label.padEnd(30)} ${(r.ns / 1000).toFixed(2).padStart(8)} µs/call  ratio ${(r.ns / base.ns).toFixed(2)}`,
    );
  }
} finally {
  await rm(root, { recursive: true, force: true });
}
