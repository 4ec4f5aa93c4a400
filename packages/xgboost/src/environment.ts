import { type CondaEnv, mlflowCondaEnv } from "@pyfunc/core/environment";

/** The `xgb_version` saveModel records when neither the options nor the model file give one. */
const DEFAULT_XGB_VERSION = "1.7.4";

/** MLflow `mlflow.xgboost.get_default_pip_requirements`: the xgboost pin saveModel writes besides mlflow. */
export function getDefaultPipRequirements(xgbVersion: string = DEFAULT_XGB_VERSION): string[] {
  return [`xgboost==${xgbVersion}`];
}

/** MLflow `mlflow.xgboost.get_default_conda_env`: the conda.yaml saveModel writes without env options. */
export function getDefaultCondaEnv(xgbVersion: string = DEFAULT_XGB_VERSION): CondaEnv {
  return mlflowCondaEnv({ additionalPipDeps: getDefaultPipRequirements(xgbVersion) });
}
