import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import yaml from "js-yaml";
import { describe, expect, it } from "vitest";
import {
  prepareInputExample,
  readInputExample,
  readInputExampleParams,
} from "../src/example/input-example.js";
import { DataFrame } from "../src/inputs/dataframe.js";
import type { PyFuncInput } from "../src/inputs/model-input.js";
import type { Tensor } from "../src/inputs/tensor.js";
import type { SavedInputExampleInfo } from "../src/mlmodel/model.js";
import { enforceSchema } from "../src/schema/enforce.js";
import { enforceParams } from "../src/schema/params.js";
import { PyFloat } from "../src/schema/pyjson.js";
import { ModelSignature } from "../src/signature/signature.js";

const here = dirname(fileURLToPath(import.meta.url));
const realRoot = resolve(here, "../../../../shared/fixtures/mlflow-real");
const present = existsSync(realRoot);

interface Fixture {
  name: string;
  modelDir: string;
  mlmodel: {
    signature?: { inputs: string | null; outputs: string | null; params?: string | null };
    saved_input_example_info?: SavedInputExampleInfo;
  };
  input?: { input: SelfDescribing; params?: Record<string, unknown> };
}
type SelfDescribing = {
  kind: string;
  columns?: string[];
  dtypes?: Record<string, string> | string;
  dtype?: string;
  shape?: number[];
  data: unknown[];
};

function fixtures(): Fixture[] {
  if (!present) return [];
  const out: Fixture[] = [];
  for (const peer of readdirSync(realRoot, { withFileTypes: true })) {
    if (!peer.isDirectory()) continue;
    for (const f of readdirSync(join(realRoot, peer.name), { withFileTypes: true })) {
      const modelDir = join(realRoot, peer.name, f.name, "model");
      if (!existsSync(join(modelDir, "MLmodel"))) continue;
      const inputPath = join(realRoot, peer.name, f.name, "input.json");
      out.push({
        name: `${peer.name}/${f.name}`,
        modelDir,
        mlmodel: yaml.load(readFileSync(join(modelDir, "MLmodel"), "utf8")) as Fixture["mlmodel"],
        input: existsSync(inputPath) ? JSON.parse(readFileSync(inputPath, "utf8")) : undefined,
      });
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** The fixture's self-describing input as the JS Inference API value with the same dtypes. */
function toJs(x: SelfDescribing): PyFuncInput {
  if (x.kind === "numpy.ndarray") {
    const flat = (x.data as unknown[]).flat(8) as number[];
    const data =
      x.dtype === "float32"
        ? Float32Array.from(flat)
        : x.dtype === "int64"
          ? BigInt64Array.from(flat, BigInt)
          : Float64Array.from(flat);
    return { dtype: x.dtype, shape: x.shape, data } as Tensor;
  }
  const cols = x.columns!;
  const dtypes = x.dtypes as Record<string, string>;
  return new DataFrame(
    cols.map((name, j) => {
      const vals = (x.data as unknown[][]).map((r) => r[j]);
      const dt = dtypes[name];
      if (dt === "float64") return { name, dtype: "float64", values: Float64Array.from(vals as number[]) };
      if (dt === "float32") return { name, dtype: "float32", values: Float32Array.from(vals as number[]) };
      if (dt === "int64")
        return { name, dtype: "int64", values: BigInt64Array.from(vals as number[], BigInt) };
      return { name, dtype: "object", values: vals };
    }),
  );
}

describe.skipIf(!present)("schema enforcement and input examples against real MLflow models", () => {
  for (const fx of fixtures()) {
    const sig = fx.mlmodel.signature ? ModelSignature.fromDict(fx.mlmodel.signature) : null;
    if (fx.input && sig?.inputs) {
      it(`accepts the input MLflow predicted on for ${fx.name}, with its params`, () => {
        const input = toJs(fx.input!.input);
        const out = enforceSchema(input, sig.inputs!);
        if (out instanceof DataFrame) expect(out.columns).toEqual(sig.inputs!.inputNames());
        const params = enforceParams(fx.input!.params, sig.params, () => {});
        if (sig.params) expect(Object.keys(params)).toEqual(sig.params.params.map((p) => p.name));
        else expect(params).toEqual({});
      });
    }
    const info = fx.mlmodel.saved_input_example_info;
    if (info) {
      it(`reads and rewrites the input example of ${fx.name} byte for byte`, async () => {
        const example = await readInputExample(fx.modelDir, info, sig?.inputs);
        let params = await readInputExampleParams(fx.modelDir, info);
        if (params) {
          const specs = sig?.params?.params ?? [];
          params = Object.fromEntries(
            Object.entries(params).map(([k, v]) => {
              const t = specs.find((p) => p.name === k)?.dtype;
              return [k, (t === "double" || t === "float") && typeof v === "number" ? new PyFloat(v) : v];
            }),
          );
        }
        const prepared = prepareInputExample(example, params);
        expect(prepared.info).toEqual(info);
        expect(prepared.inputExampleJson).toBe(readFileSync(join(fx.modelDir, "input_example.json"), "utf8"));
        expect(prepared.servingInputJson).toBe(
          readFileSync(join(fx.modelDir, "serving_input_example.json"), "utf8"),
        );
        if (sig?.inputs) enforceSchema(example, sig.inputs);
      });
    }
  }
});

if (!present)
  console.warn(`crosscheck skipped: ${realRoot} not found (needs the shared fixtures next to the repo)`);
