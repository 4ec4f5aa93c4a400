// A small flavor used by core's own tests: "scale" multiplies column x of records by a factor saved in
// data/scale.json and by model config `multiplier`; it can stream one row at a time.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { FlavorPlugin, PyFuncImplementation } from "../../flavor/plugin.js";
import { DataFrame } from "../../inputs/dataframe.js";
import type { Params, PyFuncInput } from "../../inputs/model-input.js";
import { coreVersion } from "../../save/env.js";
import { type SaveModelOptions, saveModel } from "../../save/save-model.js";

export const SCALE_LOADER = "@pyfunc/test-scale";

function rowsOf(input: PyFuncInput): Array<Record<string, unknown>> {
  if (input instanceof DataFrame) return input.toRecords();
  if (Array.isArray(input)) return input as Array<Record<string, unknown>>;
  throw new Error("scale flavor expects a list of records");
}

export interface ScaleBehaviour {
  acceptsParams?: boolean;
  loads?: string[];
}

export function makeScalePlugin(
  behaviour: ScaleBehaviour = {},
  priority = 0,
  packageName = SCALE_LOADER,
): FlavorPlugin {
  return {
    name: "scale",
    packageName,
    priority,
    coreVersion: `^${coreVersion()}`,
    loaderModules: [SCALE_LOADER, "scale"],
    async load(ctx): Promise<PyFuncImplementation> {
      behaviour.loads?.push(ctx.modelDir);
      const saved = JSON.parse(await readFile(ctx.dataPath, "utf8")) as { factor: number };
      const multiplier = typeof ctx.modelConfig.multiplier === "number" ? ctx.modelConfig.multiplier : 1;
      const factor = saved.factor * multiplier;
      const apply = (input: PyFuncInput, params?: Params) => {
        const offset = typeof params?.offset === "number" ? params.offset : 0;
        return rowsOf(input).map((r) => Number(r.x) * factor + offset);
      };
      const impl: PyFuncImplementation = {
        acceptsParams: behaviour.acceptsParams ?? true,
        predict: (input, params) => apply(input, params),
        async *predictStream(input, params) {
          for (const value of apply(input, params)) yield { value };
        },
        unwrap: () => ({ factor }),
      };
      return impl;
    },
  };
}

export async function saveScaleModel(
  dir: string,
  factor: number,
  extra: Partial<SaveModelOptions> = {},
): Promise<void> {
  await saveModel(dir, {
    loaderModule: SCALE_LOADER,
    pyfuncFlavorKey: "js_function",
    data: "data/scale.json",
    flavor: { name: "scale", config: { data: "data/scale.json", scale_version: "1" } },
    writeFiles: async (tmp) => {
      await mkdir(path.join(tmp, "data"));
      await writeFile(path.join(tmp, "data", "scale.json"), JSON.stringify({ factor }));
    },
    ...extra,
  });
}
