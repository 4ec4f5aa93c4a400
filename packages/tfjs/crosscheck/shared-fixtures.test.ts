import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { FlavorRegistry, loadModel, type Tensor, type TensorDict } from "@pyfunc/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadTfjsModel, saveModel, tfjsFlavor } from "../src/index.js";
import { compare, readCase, toTensor } from "../src/test-support/fixtures.js";

// <repo root>/../shared/fixtures/tfjs, from this file: packages/tfjs/crosscheck → repo root is three levels up
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const SHARED = path.resolve(repoRoot, "..", "shared", "fixtures", "tfjs");
const available = existsSync(SHARED);
if (!available) console.warn(`crosscheck skipped: shared fixtures not found at ${SHARED}`);

interface CaseJson {
  tolerance: { abs: number; rel?: number };
  input_names: string[];
  output_names: string[];
  format: string;
}

const cases = available
  ? readdirSync(SHARED, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort()
  : [];

function outputsByName(out: unknown, names: string[]): TensorDict {
  return names.length === 1 && !(typeof out === "object" && out !== null && names[0]! in out)
    ? { [names[0]!]: out as Tensor }
    : (out as TensorDict);
}

describe.skipIf(!available)("shared TensorFlow.js fixtures (../shared/fixtures/tfjs)", () => {
  let tmp: string;
  const registry = new FlavorRegistry();
  registry.register(tfjsFlavor);
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), "pyfunc-tfjs-crosscheck-"));
  });
  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it("finds the cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(3);
  });

  describe.each(cases)("%s", (name) => {
    const dir = path.join(SHARED, name);
    const meta = JSON.parse(readFileSync(path.join(dir, "case.json"), "utf8")) as CaseJson;
    const c = readCase(dir);
    const tol = meta.tolerance;

    const check = (out: unknown, run: number) => {
      const got = outputsByName(out, meta.output_names);
      for (const outName of meta.output_names) {
        const expected = c.expected[run]![outName]!;
        expect(got[outName]!.shape).toEqual(expected.shape);
        const { maxDiff, ok } = compare(
          got[outName]!.data as Float32Array,
          expected.data as number[],
          tol.abs,
          tol.rel ?? 0,
        );
        expect(ok, `${name} run ${run} ${outName}: max diff ${maxDiff}`).toBe(true);
      }
    };

    it.each(["cpu", "wasm"] as const)(
      "matches the recorded outputs on the %s backend, inputs matched by name",
      async (backend) => {
        const model = await loadTfjsModel(dir, { backend });
        try {
          expect(model.inputs.map((i) => i.name)).toEqual(meta.input_names);
          expect(model.outputs.map((o) => o.name)).toEqual(meta.output_names);
          for (let r = 0; r < c.inputs.length; r++) {
            const feed: TensorDict = {};
            for (const [k, v] of Object.entries(c.inputs[r]!)) feed[k] = toTensor(v);
            check(await model.predict(feed), r);
          }
        } finally {
          model.close();
        }
      },
    );

    it("keeps its input names when loaded a second time in the process", async () => {
      const first = await loadTfjsModel(dir, { backend: "cpu" });
      const second = await loadTfjsModel(dir, { backend: "cpu" });
      try {
        expect(second.inputs.map((i) => i.name)).toEqual(meta.input_names);
        const feed: TensorDict = {};
        for (const [k, v] of Object.entries(c.inputs[0]!)) feed[k] = toTensor(v);
        check(await second.predict(feed), 0);
      } finally {
        first.close();
        second.close();
      }
    });

    it("round-trips through saveModel and core's loadModel", async () => {
      const target = path.join(tmp, name);
      await saveModel(target, { tfjsModel: dir, backend: "cpu" });
      const model = await loadModel(target, { registry, discover: false, suppressWarnings: true });
      try {
        for (let r = 0; r < c.inputs.length; r++) {
          const feed: TensorDict = {};
          for (const [k, v] of Object.entries(c.inputs[r]!)) feed[k] = toTensor(v);
          // a single input is saved as an unnamed TensorSpec: MLflow's enforcement then takes the bare tensor
          const names = Object.keys(feed);
          check(await model.predict(names.length === 1 ? feed[names[0]!]! : feed), r);
        }
      } finally {
        await model.close();
      }
    });
  });
});
