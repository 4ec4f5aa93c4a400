// PLACEHOLDER owned by the URI helper: resolves runs:/, models:/, mlflow-artifacts:/, s3://, http(s):// URIs.
import { MlflowException } from "../errors/mlflow-exception.js";

export interface ResolveModelUriOptions {
  dstPath?: string;
}

/** Download (if remote) and return the local model directory for a URI that is not a local path. */
export async function resolveModelUri(uri: string, _options: ResolveModelUriOptions = {}): Promise<string> {
  throw new MlflowException(`Unsupported model URI: ${uri}`, "INVALID_PARAMETER_VALUE");
}
