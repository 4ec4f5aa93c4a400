import type { Params, PyFuncInput, PyFuncOutput } from "../inputs/model-input.js";
import type { FlavorConfig, Model } from "../mlmodel/model.js";

/**
 * What a flavor's loader returns: the `_load_pyfunc` result in MLflow terms.
 * Core wraps it in a PyFuncModel, which enforces the signature before calling `predict`.
 */
export interface PyFuncImplementation {
  /** Predict on already schema-enforced input. May be sync or async. */
  predict(input: PyFuncInput, params?: Params): PyFuncOutput | Promise<PyFuncOutput>;
  /** Present only for streamable models. */
  predictStream?(input: PyFuncInput, params?: Params): AsyncIterable<unknown>;
  /** Whether `predict` takes params; when false, params are dropped with a warning (as MLflow). Default true. */
  readonly acceptsParams?: boolean;
  /** The flavor's raw model (an ORT session, a tfjs model, the user's instance …), for `PyFuncModel.getRawModel()`. */
  unwrap?(): unknown;
  /** Preferred name of `unwrap` (MLflow's `get_raw_model`); used when both are present. */
  getRawModel?(): unknown;
  /** Custom-class models: the user's PythonModel instance, for `PyFuncModel.unwrapPythonModel()`. */
  unwrapPythonModel?(): unknown;
  /** Release native resources (sessions, tensors). */
  close?(): void | Promise<void>;
}

/** Everything a loader needs, with paths already checked to stay inside the model directory. */
export interface LoadContext {
  /** Absolute path of the model directory (the folder holding MLmodel). */
  readonly modelDir: string;
  /** The parsed MLmodel. */
  readonly model: Model;
  /** The pyfunc flavor block that selected this loader (`python_function` or `js_function`). */
  readonly pyfuncConfig: FlavorConfig;
  /** The flavor's own block, `model.flavors[plugin.name]`, when present. */
  readonly flavorConfig: FlavorConfig | undefined;
  /** Absolute path of the pyfunc block's `data` (file or dir), or `modelDir` when absent. */
  readonly dataPath: string;
  /** The effective model config: the saved `config` overlaid with the load-time `modelConfig`. */
  readonly modelConfig: Record<string, unknown>;
  /** Resolve a path from the MLmodel relative to the model dir; throws if it escapes the directory. */
  resolvePath(relativePath: string): string;
  /** Emit a warning (suppressed when the caller asked for `suppressWarnings`). */
  warn(message: string): void;
}

/**
 * A flavor package's plugin. Importing the package registers it with the FlavorRegistry;
 * `loaderModules` are the `loader_module` names it answers for (e.g. "mlflow.onnx" and "@pyfunc/onnx").
 */
export interface FlavorPlugin {
  /** Flavor key written in MLmodel, e.g. "onnx", "xgboost", "tfjs". */
  readonly name: string;
  /** npm package that provides this plugin, named in "install X" errors. */
  readonly packageName: string;
  /** `loader_module` values this plugin loads. */
  readonly loaderModules: readonly string[];
  /** Higher wins when two plugins claim one loader module (as onnxruntime-common's backend priorities). */
  readonly priority?: number;
  /**
   * True when this flavor's `predict` runs only this project's (or the flavor package's own) runtime code and
   * no code that came with the model, so a server may run it in its HTTP thread. Flavors without it
   * (custom-class, function, any third-party flavor that does not declare it) run in terminable worker threads.
   */
  readonly safeInThread?: boolean;
  /**
   * URL (or package specifier) of a module that registers or exports this plugin when imported, so worker
   * threads can import the same flavor again. Optional: `registerFlavor(plugin, { moduleUrl })` and discovery
   * record it too, and the package name is the fallback.
   */
  readonly moduleUrl?: string;
  /**
   * The @pyfunc/core versions this plugin was built for, as a semver range (e.g. "^0.1.0"). Registering it
   * into a core outside the range is refused with an error naming both versions, as fastify checks a
   * plugin's declared host version. (A plain-JS plugin without the field is registered unchecked.)
   */
  readonly coreVersion: string;
  load(context: LoadContext): Promise<PyFuncImplementation>;
}
