import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MlflowException } from "../errors/mlflow-exception.js";
import { FlavorRegistry } from "../flavor/registry.js";
import type { DataFrame } from "../inputs/dataframe.js";
import { makeScalePlugin, saveScaleModel } from "../testing/__tests__/test-flavor.js";
import { loadModel } from "./load-model.js";
import type { PyFuncModel } from "./pyfunc-model.js";

let root: string;
let model: PyFuncModel;
const seen: DataFrame[] = [];

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), "pyfunc-lenient-"));
  const dir = path.join(root, "float-model");
  await saveScaleModel(dir, 2, {
    signature: { inputs: '[{"type": "float", "name": "x", "required": true}]', outputs: null, params: null },
  });
  const registry = new FlavorRegistry();
  const plugin = makeScalePlugin();
  registry.register({
    ...plugin,
    async load(ctx) {
      const impl = await plugin.load(ctx);
      return {
        ...impl,
        predict: (input, params) => {
          seen.push(input as DataFrame);
          return impl.predict(input, params);
        },
      };
    },
  });
  model = await loadModel(dir, { registry, discover: false });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("predict(input, params, { lenient: true })", () => {
  it("refuses plain JS numbers for a float column by default, as MLflow's predict does", async () => {
    const error = await model.predict([{ x: 1.5 }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MlflowException);
    expect((error as MlflowException).message).toMatch(/Can not safely convert float64 to float32/);
  });

  it("casts them as the scoring server's JSON path does when lenient", async () => {
    await expect(model.predict([{ x: 1.5 }, { x: 2 }], undefined, { lenient: true })).resolves.toEqual([
      3, 4,
    ]);
    const frame = seen.at(-1)!;
    expect(frame.column("x").dtype).toBe("float32");
    expect(frame.column("x").values).toBeInstanceOf(Float32Array);
    await expect(model.predict({ x: [0.25] }, undefined, { lenient: true })).resolves.toEqual([0.5]);
  });

  it("still refuses what the server refuses (a missing column)", async () => {
    const error = await model.predict([{ y: 1 }], undefined, { lenient: true }).catch((e: unknown) => e);
    expect((error as MlflowException).errorCode).toBe("INVALID_PARAMETER_VALUE");
  });
});
