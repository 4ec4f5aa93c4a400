#!/usr/bin/env node
// Overhead of a loaded custom-class model (core's PyFuncModel + this flavor's wrapper + schema enforcement) relative
// to calling the user's instance directly, on the committed echo model. Reported as a ratio (baseline = 1.0).
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadModel } from "@pyfunc/core";
import "../dist/index.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const model = await loadModel(path.join(here, "../fixtures/echo-model"), { suppressWarnings: true });
const instance = model.unwrap();
const rows = Array.from({ length: 100 }, (_, i) => ({ text: `row ${i}` }));

async function time(label, fn, iterations = 2000) {
  for (let i = 0; i < 200; i++) await fn();
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) await fn();
  const ns = Number(process.hrtime.bigint() - start) / iterations;
  return { label, ns };
}

const base = await time("instance.predict (baseline)", () => instance.predict(rows, {}));
const wrapped = await time("loaded.predict", () => model.predict(rows));
for (const r of [base, wrapped]) {
  console.log(
    `${r.label.padEnd(32)} ${(r.ns / 1000).toFixed(1).padStart(8)} µs/call  ratio ${(r.ns / base.ns).toFixed(2)}`,
  );
}
