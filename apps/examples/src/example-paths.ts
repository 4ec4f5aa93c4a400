import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The examples package root (one level above src/ and dist/). */
export const examplesRoot = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The XGBoost classifier written by python-to-node/train.py as an MLflow model directory. */
export const xgboostModelDir = join(examplesRoot, "python-to-node", "model");
export const xgboostExpectedFile = join(examplesRoot, "python-to-node", "expected.json");
/** Every row of the training data with the label XGBoost predicted in Python (also written by train.py). */
export const xgboostAllRowsFile = join(examplesRoot, "python-to-node", "all-rows.json");

/** Example 2: the TypeScript custom-class model (model.ts) and its artifact. */
export const customClassDir = join(examplesRoot, "custom-class");

/** Example 3: the streaming ResponsesAgent (agent.ts). */
export const streamingAgentDir = join(examplesRoot, "streaming-agent");

/**
 * Saved code models import packages (`@pyfunc/custom-class`, `zod`, …) that are resolved from the application
 * loading them: `$PYFUNC_MODEL_CODE_RESOLVE_FROM`, else the current directory. Point it at this package so that the
 * examples run from any directory (an application run from its own folder needs nothing of the kind).
 */
export function resolveModelPackagesFromExamples(): void {
  process.env.PYFUNC_MODEL_CODE_RESOLVE_FROM ??= examplesRoot;
}
