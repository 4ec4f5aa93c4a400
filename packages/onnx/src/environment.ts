import { type CondaEnv, mlflowCondaEnv } from "@pyfunc/core/environment";
import ort from "onnxruntime-node";

/** `onnx_version` recorded when none is given (the Python `onnx` release pinned in requirements.txt). */
export const DEFAULT_ONNX_VERSION = "1.17.0";

/**
 * MLflow `mlflow.onnx.get_default_pip_requirements`: the onnx package and the onnxruntime release matching this
 * onnxruntime-node, what saveModel writes besides mlflow.
 */
export function getDefaultPipRequirements(onnxVersion: string = DEFAULT_ONNX_VERSION): string[] {
  const ortVersion = ort.env.versions.node ?? ort.env.versions.common;
  return [`onnx==${onnxVersion}`, ortVersion ? `onnxruntime==${ortVersion}` : "onnxruntime"];
}

/** MLflow `mlflow.onnx.get_default_conda_env`: the conda.yaml saveModel writes without env options. */
export function getDefaultCondaEnv(onnxVersion: string = DEFAULT_ONNX_VERSION): CondaEnv {
  return mlflowCondaEnv({ additionalPipDeps: getDefaultPipRequirements(onnxVersion) });
}
