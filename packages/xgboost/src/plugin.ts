import { readFile } from "node:fs/promises";
import type { FlavorPlugin, LoadContext } from "@pyfunc/core";
import { workerCountFromEnv } from "@pyfunc/forest";
import { Booster } from "./booster.js";
import { MlflowException } from "./errors.js";
import { BOOSTER_CLASS, XGBoostPyFuncModel } from "./wrapper.js";

export const FLAVOR_NAME = "xgboost";
export const PACKAGE_NAME = "@pyfunc/xgboost";

/** Load the model an `xgboost` flavor block points at (MLflow `_load_model`). */
export async function loadXGBoostModel(ctx: LoadContext): Promise<XGBoostPyFuncModel> {
  const conf = ctx.flavorConfig;
  const rel = typeof conf?.data === "string" ? conf.data : undefined;
  // MLflow reads the xgboost block's `data`; very old models without it used model.xgb
  const file =
    rel !== undefined
      ? ctx.resolvePath(rel)
      : typeof ctx.pyfuncConfig.data === "string"
        ? ctx.dataPath
        : ctx.resolvePath("model.xgb");
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(file));
  } catch (e) {
    throw new MlflowException(
      `Could not read the XGBoost model file '${rel ?? file}': ${(e as Error).message}`,
      "RESOURCE_DOES_NOT_EXIST",
      {
        cause: e,
      },
    );
  }
  const modelClass = typeof conf?.model_class === "string" ? conf.model_class : BOOSTER_CLASS;
  const booster = Booster.fromBytes(bytes);
  const fmt = typeof conf?.model_format === "string" ? conf.model_format : undefined;
  if (fmt !== undefined && !["xgb", "json", "ubj", "deprecated"].includes(fmt)) {
    ctx.warn(`Unknown xgboost model_format '${fmt}'; the file was read as ${booster.format}`);
  }
  return new XGBoostPyFuncModel(booster, modelClass, (m) => ctx.warn(m), {
    workers: workerCountFromEnv("PYFUNC_XGBOOST_WORKERS"),
  });
}

export const xgboostFlavor: FlavorPlugin = {
  name: FLAVOR_NAME,
  packageName: PACKAGE_NAME,
  coreVersion: "^0.1.0", // the @pyfunc/core versions this plugin is built for (checked when it registers)
  safeInThread: true, // predicts with this project's tree runtime only: no code from the model runs
  loaderModules: ["mlflow.xgboost", PACKAGE_NAME],
  load: (ctx: LoadContext) => loadXGBoostModel(ctx),
};
