import {
  Allowlist,
  inertRecord,
  type Refusal,
  readPickle,
  readSkops,
  standardAllowlist,
} from "@pyfunc/pickle";
import { BOOSTER_PICKLE_CLASS, LGBMEstimator, SKLEARN_CLASSES } from "./sklearn.js";

/** `serialization_format` values of mlflow.lightgbm (MLflow's sklearn serialization formats). */
export type SerializationFormat = "cloudpickle" | "pickle" | "skops";

/** The LabelEncoder a pickled LGBMClassifier holds as `_le`. */
const LABEL_ENCODER = "sklearn.preprocessing._label.LabelEncoder";

/**
 * What a pickled or skops-saved lightgbm scikit-learn estimator may name: Python builtins, numpy, the
 * estimators, lightgbm's Booster (its state is the model text) and sklearn's LabelEncoder. Each is built as
 * an inert record and read field by field; nothing is called.
 */
export function lightgbmAllowlist(): Allowlist {
  return new Allowlist()
    .use(standardAllowlist())
    .registerAll([...Object.keys(SKLEARN_CLASSES), BOOSTER_PICKLE_CLASS, LABEL_ENCODER], inertRecord);
}

function describeRefusal(r: Refusal): string | undefined {
  if (r.reason === "python-code") {
    const fn = r.functionName !== undefined ? ` '${r.functionName}'` : "";
    return `The LightGBM model holds Python code (the function${fn}${r.owner !== undefined ? ` in ${r.owner}` : ""}, e.g. a custom objective), which cannot run in Node.js`;
  }
  return undefined;
}

/**
 * Read a LightGBM scikit-learn estimator saved with pickle / cloudpickle or skops, as data: only the
 * allowlisted classes are built, nothing in the file runs.
 */
export async function readEstimator(bytes: Uint8Array, format: SerializationFormat): Promise<LGBMEstimator> {
  const options = { allowlist: lightgbmAllowlist(), describeRefusal };
  const obj = format === "skops" ? await readSkops(bytes, options) : readPickle(bytes, options);
  return LGBMEstimator.fromObject(obj);
}
