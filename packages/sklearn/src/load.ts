import { readFile } from "node:fs/promises";
import { MlflowException } from "@pyfunc/core";
import * as pickle from "@pyfunc/pickle";
import { describeRefusal, sklearnAllowlist } from "./allowlist.js";
import type { Estimator } from "./base.js";
import { EstimatorBuilder } from "./registry.js";

export type SerializationFormat = "pickle" | "cloudpickle" | "skops";

/** Read a pickle (pickle / cloudpickle) as data, never executed, and rebuild the estimator it holds. */
export function estimatorFromPickle(bytes: Uint8Array): Estimator {
  const root = pickle.readPickle(bytes, { allowlist: sklearnAllowlist(), describeRefusal });
  return new EstimatorBuilder().estimator(root, "model");
}

/**
 * Read a skops zip with the same allowlist. The MLmodel's `skops_trusted_types` is ignored on purpose:
 * our allowlist is the only trust (MLflow's GHSA-w582-9x45-8mpx showed that list can be crafted).
 */
export async function estimatorFromSkops(bytes: Uint8Array): Promise<Estimator> {
  const root = await pickle.readSkops(bytes, { allowlist: sklearnAllowlist(), describeRefusal });
  return new EstimatorBuilder().estimator(root, "model");
}

/** Either format, by MLflow's `serialization_format`. */
export async function estimatorFromBytes(
  bytes: Uint8Array,
  format: SerializationFormat = "pickle",
): Promise<Estimator> {
  return format === "skops" ? estimatorFromSkops(bytes) : estimatorFromPickle(bytes);
}

/** The scikit-learn version that wrote the top estimator (`_sklearn_version` of its state), if recorded. */
export function writtenBy(root: unknown): string | undefined {
  const d = (root as { dictState?: () => Map<unknown, unknown> | undefined }).dictState?.();
  const v = d?.get("_sklearn_version");
  return typeof v === "string" ? v : undefined;
}

export async function readEstimatorFile(path: string, format: SerializationFormat): Promise<Estimator> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (e) {
    throw new MlflowException(
      `Could not read the scikit-learn model file '${path}': ${(e as Error).message}`,
      "RESOURCE_DOES_NOT_EXIST",
      { cause: e },
    );
  }
  return estimatorFromBytes(bytes, format);
}
