import { readFile } from "node:fs/promises";
import type { FlavorPlugin, LoadContext } from "@pyfunc/core";
import { workerCountFromEnv } from "@pyfunc/forest";
import { Booster } from "./booster.js";
import { MlflowException, modelError } from "./errors.js";
import { readEstimator, type SerializationFormat } from "./serialized.js";
import { LightGBMPyFuncModel } from "./wrapper.js";

export const FLAVOR_NAME = "lightgbm";
export const PACKAGE_NAME = "@pyfunc/lightgbm";
export const LOADER_MODULE = "mlflow.lightgbm";
export const BOOSTER_CLASS = "lightgbm.basic.Booster";
const FORMATS: readonly SerializationFormat[] = ["cloudpickle", "pickle", "skops"];

async function readModelFile(file: string, rel: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(file));
  } catch (e) {
    throw new MlflowException(
      `Could not read the LightGBM model file '${rel}': ${(e as Error).message}`,
      "RESOURCE_DOES_NOT_EXIST",
      { cause: e },
    );
  }
}

/**
 * MLflow's `mlflow.lightgbm._load_model`: `model_class` lightgbm.basic.Booster (also when absent) reads the
 * text model; any other class is a scikit-learn wrapper stored with `serialization_format` (cloudpickle by
 * default, pickle or skops), read as data by @pyfunc/pickle against this package's allowlist.
 */
export async function loadLightGBMModel(ctx: LoadContext): Promise<LightGBMPyFuncModel> {
  const conf = ctx.flavorConfig;
  const rel =
    typeof conf?.data === "string"
      ? conf.data
      : typeof ctx.pyfuncConfig.data === "string"
        ? ctx.pyfuncConfig.data
        : "model.lgb";
  const bytes = await readModelFile(ctx.resolvePath(rel), rel);
  const modelClass = typeof conf?.model_class === "string" ? conf.model_class : BOOSTER_CLASS;
  if (modelClass === BOOSTER_CLASS) {
    return new LightGBMPyFuncModel(Booster.fromBytes(bytes), modelClass, (m) => ctx.warn(m), {
      workers: workerCountFromEnv("PYFUNC_LIGHTGBM_WORKERS"),
    });
  }
  const fmt = conf?.serialization_format ?? "cloudpickle";
  if (typeof fmt !== "string" || !FORMATS.includes(fmt as SerializationFormat)) {
    throw modelError(`unknown serialization_format '${String(fmt)}' (expected cloudpickle, pickle or skops)`);
  }
  const estimator = await readEstimator(bytes, fmt as SerializationFormat);
  return new LightGBMPyFuncModel(estimator, modelClass, (m) => ctx.warn(m), {
    workers: workerCountFromEnv("PYFUNC_LIGHTGBM_WORKERS"),
  });
}

export const lightgbmFlavor: FlavorPlugin = {
  name: FLAVOR_NAME,
  packageName: PACKAGE_NAME,
  coreVersion: "^0.1.0", // the @pyfunc/core versions this plugin is built for (checked when it registers)
  safeInThread: true, // predicts with this project's tree runtime only: no code from the model runs
  loaderModules: [LOADER_MODULE, PACKAGE_NAME],
  load: (ctx: LoadContext) => loadLightGBMModel(ctx),
};
