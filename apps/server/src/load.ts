import { defaultFlavorRegistry, loadModel } from "@pyfunc/core";
import { flavorModuleUrls, registerModuleExports } from "@pyfunc/core/flavor";
import type { ServableModel } from "./model-types.js";

export interface LoadOptions {
  modelUri: string;
  /** Modules imported before loading (flavor packages that register plugins), resolved from the server. */
  imports?: readonly string[];
  modelConfig?: Record<string, unknown>;
  onWarning?: (message: string) => void;
}

/**
 * Import the flavor modules named by `imports` (resolved from this package, recording their URLs in core's
 * registry so worker threads import the same files), and return the URLs of every registered plugin's module.
 */
export async function importFlavorModules(imports: readonly string[] = []): Promise<string[]> {
  const urls: string[] = [];
  for (const spec of imports) {
    let url: string;
    try {
      url = import.meta.resolve(spec);
    } catch {
      url = spec;
    }
    registerModuleExports((await import(url)) as Record<string, unknown>, defaultFlavorRegistry, url);
    urls.push(url);
  }
  // the imported modules themselves (one may register a plugin without exporting it), then every plugin's module
  return [...new Set([...urls, ...flavorModuleUrls(defaultFlavorRegistry)])];
}

/** Import the flavor modules, then load the model through core's `loadModel` in this thread. */
export async function loadServableModel(options: LoadOptions): Promise<ServableModel> {
  await importFlavorModules(options.imports);
  const loadOptions: Parameters<typeof loadModel>[1] = {};
  if (options.modelConfig !== undefined) loadOptions.modelConfig = options.modelConfig;
  if (options.onWarning !== undefined) loadOptions.onWarning = options.onWarning;
  return (await loadModel(options.modelUri, loadOptions)) as unknown as ServableModel;
}
