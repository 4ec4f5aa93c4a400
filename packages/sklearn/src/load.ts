import { readFile } from "node:fs/promises";
import { MlflowException } from "@pyfunc/core";
import * as pickle from "@pyfunc/pickle";
import { describeRefusal, sklearnAllowlist } from "./allowlist.js";
import type { Estimator } from "./base.js";
import { EstimatorBuilder } from "./registry.js";

export type SerializationFormat = "pickle" | "cloudpickle" | "skops";

/** Read a model.pkl / model.skops as data (never executed) and rebuild the estimator it holds. */
export function estimatorFromBytes(bytes: Uint8Array, format: SerializationFormat = "pickle"): Estimator {
  let root: unknown;
  if (format === "skops") {
    const readSkops = (pickle as unknown as Record<string, unknown>).readSkops;
    if (typeof readSkops !== "function")
      throw new MlflowException(
        "Reading skops files needs a @pyfunc/pickle with skops support.",
        "NOT_IMPLEMENTED",
      );
    root = (readSkops as (b: Uint8Array, o: pickle.ReadPickleOptions) => unknown)(bytes, {
      allowlist: sklearnAllowlist(),
      describeRefusal,
    });
  } else {
    root = pickle.readPickle(bytes, { allowlist: sklearnAllowlist(), describeRefusal });
  }
  return new EstimatorBuilder().estimator(root, "model");
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
