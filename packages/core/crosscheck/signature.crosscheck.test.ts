import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import yaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { ModelSignature } from "../src/signature/signature.js";

const here = dirname(fileURLToPath(import.meta.url));
// <repo root>/../shared/fixtures, computed from this file's location
const realRoot = resolve(here, "../../../../shared/fixtures/mlflow-real");

function findMLmodels(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...findMLmodels(p));
    else if (e.name === "MLmodel") out.push(p);
  }
  return out;
}

describe.skipIf(!existsSync(realRoot))(
  "signatures written by real MLflow (../shared/fixtures/mlflow-real)",
  () => {
    const files = existsSync(realRoot) ? findMLmodels(realRoot).sort() : [];
    it("finds the real MLmodel files", () => {
      expect(files.length).toBeGreaterThan(10);
    });
    for (const f of files) {
      const rel = f.slice(realRoot.length + 1);
      it(`round-trips the signature of ${rel} byte for byte`, () => {
        const doc = yaml.load(readFileSync(f, "utf8")) as { signature?: Record<string, string | null> };
        if (!doc.signature) return;
        const sig = ModelSignature.fromDict(doc.signature);
        const back = sig.toDict();
        for (const key of ["inputs", "outputs", "params"] as const) {
          expect(back[key]).toBe(doc.signature[key] ?? null);
        }
      });
    }
  },
);

if (!existsSync(realRoot)) {
  console.warn(`crosscheck skipped: ${realRoot} not found (needs the shared fixtures next to the repo)`);
}
