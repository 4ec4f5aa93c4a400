import { type CondaEnv, mlflowCondaEnv } from "@pyfunc/core/environment";

/** The LightGBM release whose text format (v4) the fixtures and the parser follow; the default pin. */
export const DEFAULT_LGB_VERSION = "4.6.0";

/**
 * MLflow `mlflow.lightgbm.get_default_pip_requirements(include_cloudpickle=False)`: the lightgbm pin saveModel
 * writes besides mlflow; a scikit-learn model (pickled) also needs cloudpickle and scikit-learn.
 */
export function getDefaultPipRequirements(
  lgbVersion: string = DEFAULT_LGB_VERSION,
  includeCloudpickle = false,
): string[] {
  const pip = [`lightgbm==${lgbVersion}`];
  if (includeCloudpickle) pip.push("cloudpickle", "scikit-learn");
  return pip;
}

/** MLflow `mlflow.lightgbm.get_default_conda_env(include_cloudpickle=False)`: the conda.yaml saveModel writes. */
export function getDefaultCondaEnv(
  lgbVersion: string = DEFAULT_LGB_VERSION,
  includeCloudpickle = false,
): CondaEnv {
  return mlflowCondaEnv({ additionalPipDeps: getDefaultPipRequirements(lgbVersion, includeCloudpickle) });
}
