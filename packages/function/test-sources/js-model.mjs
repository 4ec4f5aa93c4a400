// A function model in plain JavaScript with an async predict and a streaming generator.
import path from "node:path";
import { suffix } from "./lib/suffix.mjs";

export async function predict(modelInput) {
  await new Promise((r) => setTimeout(r, 1));
  return modelInput.map((s) => `${s}${suffix}${path.sep}`);
}

export async function* predictStream(modelInput) {
  for (const s of modelInput) yield `${s}${suffix}`;
}
