import satisfies from "semver/functions/satisfies.js";
import validRange from "semver/ranges/valid.js";
import { MlflowException } from "../errors/mlflow-exception.js";
import { coreVersion } from "../save/env.js";
import type { FlavorPlugin } from "./plugin.js";

interface Entry {
  plugin: FlavorPlugin;
  priority: number;
}

/** Throws unless `value` has the shape of a FlavorPlugin. */
export function assertFlavorPlugin(value: unknown): asserts value is FlavorPlugin {
  const p = value as Partial<FlavorPlugin> | null;
  const problems: string[] = [];
  if (typeof p !== "object" || p === null) {
    throw MlflowException.invalidParameter("A flavor plugin must be an object");
  }
  if (typeof p.name !== "string" || p.name.length === 0) problems.push("'name' must be a non-empty string");
  if (typeof p.packageName !== "string" || p.packageName.length === 0) {
    problems.push("'packageName' must be a non-empty string");
  }
  if (
    !Array.isArray(p.loaderModules) ||
    !p.loaderModules.every((m) => typeof m === "string" && m.length > 0)
  ) {
    problems.push("'loaderModules' must be a list of non-empty strings");
  }
  if (typeof p.load !== "function") problems.push("'load' must be a function");
  if (p.safeInThread !== undefined && typeof p.safeInThread !== "boolean") {
    problems.push("'safeInThread' must be a boolean");
  }
  if (p.moduleUrl !== undefined && (typeof p.moduleUrl !== "string" || p.moduleUrl.length === 0)) {
    problems.push("'moduleUrl' must be a non-empty string");
  }
  if (p.priority !== undefined && (typeof p.priority !== "number" || !Number.isFinite(p.priority))) {
    problems.push("'priority' must be a finite number");
  }
  if (
    p.coreVersion !== undefined &&
    (typeof p.coreVersion !== "string" || validRange(p.coreVersion) === null)
  ) {
    problems.push("'coreVersion' must be a semver range such as \"^0.1.0\"");
  }
  if (problems.length > 0) {
    throw MlflowException.invalidParameter(`Invalid flavor plugin: ${problems.join("; ")}`);
  }
}

/**
 * Throws unless `current` (this core's version) is in the range the plugin declares in `coreVersion`.
 * Pre-releases count as their release line, so a plugin built for "^0.2.0" accepts "0.2.0-next.1".
 */
export function assertCoreVersion(plugin: FlavorPlugin, current: string = coreVersion()): void {
  const range = (plugin as Partial<FlavorPlugin>).coreVersion;
  if (range === undefined || satisfies(current, range, { includePrerelease: true })) return;
  throw new MlflowException(
    `Flavor plugin '${plugin.name}' from '${plugin.packageName}' was built for @pyfunc/core ${range}, ` +
      `but @pyfunc/core ${current} is loaded: install a version of '${plugin.packageName}' built for ` +
      `@pyfunc/core ${current}, or a @pyfunc/core in ${range}`,
    "INVALID_STATE",
    { errorClass: "CORE_VERSION_MISMATCH" },
  );
}

/** True when `value` looks like a FlavorPlugin (used to pick plugins out of a package's exports). */
export function isFlavorPlugin(value: unknown): value is FlavorPlugin {
  try {
    assertFlavorPlugin(value);
    return true;
  } catch {
    return false;
  }
}

/**
 * Loader-module name → flavor plugin, with priorities as onnxruntime-common's `registerBackend`:
 * a plugin answers for each of its `loaderModules` and for its own `packageName`; when two plugins claim
 * one name the higher `priority` (default 0) wins, a lower one is ignored, and an equal priority from a
 * different package is refused. Registering the same package twice (for example two copies of one
 * package in node_modules) keeps the first.
 */
export interface RegisterFlavorOptions {
  /** The module that registers or exports the plugin (usually the caller's `import.meta.url`). */
  moduleUrl?: string;
}

export class FlavorRegistry {
  readonly #byLoader = new Map<string, Entry>();
  readonly #plugins = new Set<FlavorPlugin>();
  readonly #moduleUrls = new Map<FlavorPlugin, string>();

  /** Register a plugin for its loader modules (and its package name). */
  register(plugin: FlavorPlugin, options: RegisterFlavorOptions = {}): void {
    assertFlavorPlugin(plugin);
    assertCoreVersion(plugin);
    if (options.moduleUrl !== undefined) this.recordModuleUrl(plugin, options.moduleUrl);
    const priority = plugin.priority ?? 0;
    const names = new Set([...plugin.loaderModules, plugin.packageName]);
    // Check every name before changing anything, so a refused plugin leaves the registry untouched.
    const accepted: string[] = [];
    for (const name of names) {
      const current = this.#byLoader.get(name);
      if (current === undefined || priority > current.priority) {
        accepted.push(name);
        continue;
      }
      if (priority < current.priority || current.plugin === plugin) continue;
      if (current.plugin.packageName === plugin.packageName) continue;
      throw new MlflowException(
        `Cannot register flavor plugin '${plugin.name}' from '${plugin.packageName}' for loader module '${name}' ` +
          `with priority ${priority}: '${current.plugin.packageName}' already registered it with the same priority`,
        "RESOURCE_ALREADY_EXISTS",
      );
    }
    for (const name of accepted) this.#byLoader.set(name, { plugin, priority });
    if (accepted.length > 0) this.#plugins.add(plugin);
    this.#prune();
  }

  /** Remove a plugin (all names it holds). Returns whether it was registered. */
  unregister(plugin: FlavorPlugin): boolean {
    let removed = false;
    for (const [name, entry] of this.#byLoader) {
      if (entry.plugin === plugin) {
        this.#byLoader.delete(name);
        removed = true;
      }
    }
    this.#plugins.delete(plugin);
    this.#moduleUrls.delete(plugin);
    return removed;
  }

  /** Remember the module a plugin came from (the first one recorded wins). */
  recordModuleUrl(plugin: FlavorPlugin, moduleUrl: string): void {
    if (typeof moduleUrl === "string" && moduleUrl.length > 0 && !this.#moduleUrls.has(plugin))
      this.#moduleUrls.set(plugin, moduleUrl);
  }

  /**
   * The module to import for `plugin` in another thread: the URL recorded at registration or discovery, the
   * plugin's own `moduleUrl`, else its package name (a bare specifier).
   */
  moduleUrlOf(plugin: FlavorPlugin): string {
    return this.#moduleUrls.get(plugin) ?? plugin.moduleUrl ?? plugin.packageName;
  }

  /** The plugin for a `loader_module` value (or package name), if one is registered. */
  resolve(loaderModule: string): FlavorPlugin | undefined {
    return this.#byLoader.get(loaderModule)?.plugin;
  }

  /** Registered plugins (each once), highest priority first. */
  list(): FlavorPlugin[] {
    return [...this.#plugins].sort((a, b) => (b.priority ?? 0) - (a.priority ?? 0));
  }

  /** Loader-module names that currently resolve. */
  loaderModules(): string[] {
    return [...this.#byLoader.keys()].sort();
  }

  #prune(): void {
    const live = new Set([...this.#byLoader.values()].map((e) => e.plugin));
    for (const p of this.#plugins) {
      if (live.has(p)) continue;
      this.#plugins.delete(p);
      this.#moduleUrls.delete(p);
    }
  }
}

const GLOBAL_KEY = Symbol.for("@pyfunc/core.defaultFlavorRegistry");
const globalSlot = globalThis as unknown as Record<symbol, FlavorRegistry | undefined>;

/**
 * The process-wide registry that flavor packages register into when imported. It is kept on `globalThis`
 * (under a `Symbol.for` key), so two copies of @pyfunc/core in one process share one registry.
 */
export const defaultFlavorRegistry: FlavorRegistry = globalSlot[GLOBAL_KEY] ?? new FlavorRegistry();
globalSlot[GLOBAL_KEY] = defaultFlavorRegistry;

/**
 * Register a plugin with the default registry (what a flavor package does when it is imported). Pass
 * `{ moduleUrl: import.meta.url }` so worker threads can import the same module again.
 */
export function registerFlavor(plugin: FlavorPlugin, options?: RegisterFlavorOptions): void {
  defaultFlavorRegistry.register(plugin, options);
}
