import { readFile } from "node:fs/promises";
import type {
  FlavorPlugin,
  LoadContext,
  Params,
  PyFuncImplementation,
  PyFuncInput,
  Tensor,
} from "@pyfunc/core";
import { Booster, type Prediction, type PredictOptions } from "./booster.js";
import { inputError, MlflowException, modelError } from "./errors.js";
import { toFeatureMatrix } from "./inputs.js";
import { classesFromPrediction, sklearnIterationRange } from "./sklearn.js";

export const FLAVOR_NAME = "xgboost";
export const PACKAGE_NAME = "@pyfunc/xgboost";
export const BOOSTER_CLASS = "xgboost.core.Booster";

export type ModelKind = "booster" | "classifier" | "regressor";

/** What `model_class` makes pyfunc predict return. */
export function modelKindOf(modelClass: string | undefined): ModelKind {
  if (modelClass === undefined || modelClass === BOOSTER_CLASS || modelClass.endsWith(".Booster"))
    return "booster";
  const short = modelClass.slice(modelClass.lastIndexOf(".") + 1);
  if (short.endsWith("Classifier")) return "classifier";
  if (short.startsWith("XGB") || short.endsWith("Regressor") || short.endsWith("Ranker")) return "regressor";
  throw new MlflowException(`Unsupported xgboost model_class '${modelClass}'`, "INVALID_PARAMETER_VALUE");
}

const BOOSTER_PARAMS = new Set([
  "output_margin",
  "iteration_range",
  "pred_leaf",
  "validate_features",
  "strict_shape",
  "training",
  "ntree_limit",
]);
const SKLEARN_PARAMS = new Set([
  "output_margin",
  "iteration_range",
  "validate_features",
  "ntree_limit",
  "base_margin",
]);

function parseRange(v: unknown): [number, number] {
  if (Array.isArray(v) && v.length === 2 && v.every((x) => Number.isSafeInteger(Number(x)))) {
    return [Number(v[0]), Number(v[1])];
  }
  throw inputError(`iteration_range must be a pair of integers, got ${JSON.stringify(v)}`);
}

/**
 * MLflow's `_XGBModelWrapper` in TypeScript: Booster → the objective's transformed output;
 * XGBClassifier → class indices; other sklearn wrappers → float32 predictions (best_iteration).
 */
export class XGBoostPyFuncModel implements PyFuncImplementation {
  readonly booster: Booster;
  readonly kind: ModelKind;
  readonly modelClass: string;
  readonly acceptsParams = true;
  /** worker threads for large batches (0 = predict on the calling thread) */
  readonly workers: number;
  readonly #warn: (m: string) => void;

  constructor(
    booster: Booster,
    modelClass: string = BOOSTER_CLASS,
    warn: (m: string) => void = () => {},
    options: { workers?: number } = {},
  ) {
    this.booster = booster;
    this.modelClass = modelClass;
    this.kind = modelKindOf(modelClass);
    this.#warn = warn;
    this.workers = Math.max(0, Math.floor(options.workers ?? 0));
  }

  /**
   * Predict as MLflow's wrapper does. Returns a Promise when worker threads are enabled and the
   * batch is large enough to be split (at least 2 × 2048 rows); otherwise computes synchronously.
   */
  predict(input: PyFuncInput, params?: Params): Tensor | Promise<Tensor> {
    return this.#predict(input, params, true);
  }

  /** The same prediction, always computed on the calling thread. */
  predictSync(input: PyFuncInput, params?: Params): Tensor {
    return this.#predict(input, params, false) as Tensor;
  }

  #predict(input: PyFuncInput, params: Params | undefined, allowAsync: boolean): Tensor | Promise<Tensor> {
    const b = this.booster;
    const allowed = this.kind === "booster" ? BOOSTER_PARAMS : SKLEARN_PARAMS;
    const p: Params = {};
    const dropped: string[] = [];
    for (const [k, v] of Object.entries(params ?? {})) {
      if (allowed.has(k)) p[k] = v;
      else dropped.push(k);
    }
    if (dropped.length > 0) {
      this.#warn(
        `Params {${dropped.map((d) => `'${d}'`).join(", ")}} are not accepted by the xgboost model, ignoring them during predict.`,
      );
    }
    const { matrix, names } = toFeatureMatrix(input, b.numFeature, b.featureNames);
    if (names === null && b.featureNames !== null && p.validate_features !== false && matrix.numRows > 0) {
      throw inputError(`training data did not have the following fields: ${b.featureNames.join(", ")}`);
    }
    const opts: PredictOptions = {};
    if (p.iteration_range !== undefined && p.iteration_range !== null)
      opts.iterationRange = parseRange(p.iteration_range);
    else if (this.kind !== "booster") {
      const r = sklearnIterationRange(b);
      if (r) opts.iterationRange = r;
    }
    const outputMargin = p.output_margin === true;
    if (this.kind === "booster" && p.pred_leaf === true) {
      const leaf = b.predictLeaf({ data: matrix.X, shape: [matrix.numRows, matrix.numCols] }, opts);
      return { dtype: "float32", shape: leaf.shape, data: Float32Array.from(leaf.data) };
    }
    if (this.workers > 1 && allowAsync && matrix.numRows >= 2 * 2048) {
      return b
        .predictAsync(
          { data: matrix.X, shape: [matrix.numRows, matrix.numCols] },
          { ...opts, outputMargin: true, workers: this.workers },
        )
        .then((m) => this.#output(b.finish(m.data, matrix.numRows, outputMargin), outputMargin));
    }
    return this.#output(
      b.finish(b.predictMarginMatrix(matrix, opts), matrix.numRows, outputMargin),
      outputMargin,
    );
  }

  #output(pred: Prediction, outputMargin: boolean): Tensor {
    if (this.kind !== "classifier" || outputMargin)
      return { dtype: "float32", shape: pred.shape, data: pred.data };
    const c = classesFromPrediction(this.booster, pred);
    return { dtype: c.dtype, shape: c.shape, data: c.data };
  }

  unwrap(): Booster {
    return this.booster;
  }

  close(): Promise<void> {
    return this.booster.close();
  }
}

/** Load the model an `xgboost` flavor block points at (MLflow `_load_model`). */
export async function loadXGBoostModel(ctx: LoadContext): Promise<XGBoostPyFuncModel> {
  const conf = ctx.flavorConfig;
  const rel = typeof conf?.data === "string" ? conf.data : undefined;
  // MLflow reads the xgboost block's `data`; very old models without it used model.xgb
  const file =
    rel !== undefined
      ? ctx.resolvePath(rel)
      : typeof ctx.pyfuncConfig.data === "string"
        ? ctx.dataPath
        : ctx.resolvePath("model.xgb");
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(file));
  } catch (e) {
    throw new MlflowException(
      `Could not read the XGBoost model file '${rel ?? file}': ${(e as Error).message}`,
      "RESOURCE_DOES_NOT_EXIST",
      {
        cause: e,
      },
    );
  }
  const modelClass = typeof conf?.model_class === "string" ? conf.model_class : BOOSTER_CLASS;
  const booster = Booster.fromBytes(bytes);
  const fmt = typeof conf?.model_format === "string" ? conf.model_format : undefined;
  if (fmt !== undefined && !["xgb", "json", "ubj", "deprecated"].includes(fmt)) {
    ctx.warn(`Unknown xgboost model_format '${fmt}'; the file was read as ${booster.format}`);
  }
  return new XGBoostPyFuncModel(booster, modelClass, (m) => ctx.warn(m), { workers: workersFromEnv() });
}

/** PYFUNC_XGBOOST_WORKERS=n: loaded models spread large batches over n worker threads. */
function workersFromEnv(): number {
  const v = Number(process.env.PYFUNC_XGBOOST_WORKERS ?? 0);
  return Number.isSafeInteger(v) && v > 1 ? Math.min(v, 64) : 0;
}

export const xgboostFlavor: FlavorPlugin = {
  name: FLAVOR_NAME,
  packageName: PACKAGE_NAME,
  coreVersion: "^0.1.0", // the @pyfunc/core versions this plugin is built for (checked when it registers)
  loaderModules: ["mlflow.xgboost", PACKAGE_NAME],
  load: (ctx: LoadContext) => loadXGBoostModel(ctx),
};

export { modelError };
