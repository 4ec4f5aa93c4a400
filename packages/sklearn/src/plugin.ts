import { type FlavorPlugin, type LoadContext, MlflowException } from "@pyfunc/core";
import { workerCountFromEnv } from "@pyfunc/forest";
import { readEstimatorFile, type SerializationFormat } from "./load.js";
import { SklearnPyFuncModel } from "./wrapper.js";

export const FLAVOR_NAME = "sklearn";
export const PACKAGE_NAME = "@pyfunc/sklearn";
export const LOADER_MODULES = ["mlflow.sklearn", PACKAGE_NAME] as const;
const FORMATS: readonly string[] = ["pickle", "cloudpickle", "skops"];

/** MLflow's `mlflow.sklearn._load_pyfunc`: the flavor's file and format, then the pyfunc wrapper. */
export async function loadSklearnModel(ctx: LoadContext): Promise<SklearnPyFuncModel> {
  const conf = ctx.flavorConfig ?? {};
  const rel =
    typeof conf.pickled_model === "string"
      ? conf.pickled_model
      : typeof ctx.pyfuncConfig.model_path === "string"
        ? ctx.pyfuncConfig.model_path
        : "model.pkl";
  // MLflow defaults a missing serialization_format to pickle
  const format = typeof conf.serialization_format === "string" ? conf.serialization_format : "pickle";
  if (!FORMATS.includes(format)) {
    throw new MlflowException(
      `Unrecognized serialization format: ${format}. Please specify one of the following supported formats: ${FORMATS.join(", ")}.`,
      "INVALID_PARAMETER_VALUE",
    );
  }
  const version = typeof conf.sklearn_version === "string" ? conf.sklearn_version : undefined;
  if (version !== undefined && !/^1\.2(\.|$)/.test(version)) {
    ctx.warn(
      `The model was saved with scikit-learn ${version}; @pyfunc/sklearn reads the scikit-learn 1.2 layouts and refuses any estimator whose pickled state differs.`,
    );
  }
  const estimator = await readEstimatorFile(ctx.resolvePath(rel), format as SerializationFormat);
  const fn = typeof ctx.pyfuncConfig.predict_fn === "string" ? ctx.pyfuncConfig.predict_fn : "predict";
  return new SklearnPyFuncModel(estimator, fn, { workers: workerCountFromEnv("PYFUNC_SKLEARN_WORKERS") });
}

export const sklearnFlavor: FlavorPlugin = {
  name: FLAVOR_NAME,
  packageName: PACKAGE_NAME,
  coreVersion: "^0.1.0", // the @pyfunc/core versions this plugin is built for (checked when it registers)
  safeInThread: true, // predicts with this package's own estimators: nothing from the pickle runs
  loaderModules: LOADER_MODULES,
  load: (ctx: LoadContext) => loadSklearnModel(ctx),
};
