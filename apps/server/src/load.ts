import type { ServableModel } from "./model-types.js";

export interface LoadOptions {
  modelUri: string;
  /** Modules imported before loading (flavor packages that register plugins), resolved from the server. */
  imports?: readonly string[];
  modelConfig?: Record<string, unknown>;
  onWarning?: (message: string) => void;
}

type LoadModelFn = (uri: string, options?: Record<string, unknown>) => Promise<ServableModel>;

/** Import the flavor modules, then load the model through core's `loadModel`. */
export async function loadServableModel(options: LoadOptions): Promise<ServableModel> {
  for (const spec of options.imports ?? []) await import(spec);
  const core = (await import("@pyfunc/core")) as unknown as Record<string, unknown>;
  const loadModel = core.loadModel as LoadModelFn | undefined;
  if (typeof loadModel !== "function") {
    throw new Error("@pyfunc/core does not export loadModel: rebuild @pyfunc/core");
  }
  const loadOptions: Record<string, unknown> = {};
  if (options.modelConfig !== undefined) loadOptions.modelConfig = options.modelConfig;
  if (options.onWarning !== undefined) loadOptions.onWarning = options.onWarning;
  return loadModel(options.modelUri, loadOptions);
}
