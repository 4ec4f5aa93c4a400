import { Allowlist, inertRecord, type Refusal, readPickle, standardAllowlist } from "@pyfunc/pickle";
import { modelError } from "./errors.js";
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

/** Read a pickled (pickle / cloudpickle) LightGBM scikit-learn estimator as data. */
export function readEstimator(bytes: Uint8Array, format: SerializationFormat): LGBMEstimator {
  if (format === "skops") throw modelError("skops files are not supported yet");
  return LGBMEstimator.fromObject(readPickle(bytes, { allowlist: lightgbmAllowlist(), describeRefusal }));
}
