import { MlflowException } from "@pyfunc/core";

/** Brand put on every PyFuncModelBase subclass (shared across copies of this package through Symbol.for). */
export const MODEL_BRAND: unique symbol = Symbol.for("@pyfunc/custom-class.PyFuncModelBase") as never;
/** Set on agent base classes: "responses" | "chat_agent" | "chat_model". */
export const AGENT_KIND: unique symbol = Symbol.for("@pyfunc/custom-class.agentKind") as never;
/** Where an agent keeps the subclass's own (unwrapped) predict/predictStream. */
export const ORIGINAL_METHODS: unique symbol = Symbol.for("@pyfunc/custom-class.originalMethods") as never;

export type AgentKind = "responses" | "chat_agent" | "chat_model";

/**
 * What `loadContext` (and a context-taking `predict`) receives: MLflow's `PythonModelContext`.
 * `artifacts` maps each artifact name to the absolute path of its copy inside the loaded model directory.
 */
export interface PythonModelContext {
  readonly artifacts: Readonly<Record<string, string>>;
  /** The saved `model_config`, with load-time overrides applied. */
  readonly modelConfig: Readonly<Record<string, unknown>>;
}

/** Build a PythonModelContext (frozen copies). */
export function createPythonModelContext(
  artifacts: Record<string, string> = {},
  modelConfig: Record<string, unknown> = {},
): PythonModelContext {
  return Object.freeze({
    artifacts: Object.freeze({ ...artifacts }),
    modelConfig: Object.freeze({ ...modelConfig }),
  });
}

/**
 * Base class of custom models (MLflow's `mlflow.pyfunc.PythonModel`).
 *
 * - `loadContext(context)` (optional) runs once when the model is loaded, with the artifacts and model config.
 * - `predict` comes in two forms: `predict(context, modelInput, params?)` or `predict(modelInput, params?)`.
 *   The loader passes the context first when (in this order) the class sets `static predictWithContext = true`
 *   (or `false` to force the other form), or the first parameter of `predict` is named `context`/`ctx`
 *   (optionally with leading underscores), or `predict` declares 3 or more parameters. Otherwise the input comes
 *   first. The context is also always available as `this.context` after loading.
 * - `predictStream(...)` (optional, same argument forms) returns an (async) iterable; defining it makes the model
 *   streamable.
 * - Optional static `inputSchema` / `outputSchema`: a zod (or any Standard Schema + Standard JSON Schema) schema of
 *   one input row / output row; the saved signature is derived from it and inputs are validated with it.
 */
export class PyFuncModelBase {
  static readonly [MODEL_BRAND] = true;

  /** The PythonModelContext of the loaded model (set before `loadContext` is called). */
  context: PythonModelContext | undefined = undefined;

  /** Called once at load time. Override to read artifacts and configuration. */
  loadContext(_context: PythonModelContext): void | Promise<void> {}

  /** Override with `predict(context, modelInput, params?)` or `predict(modelInput, params?)`. */
  predict(..._args: unknown[]): unknown {
    throw new MlflowException(`${this.constructor.name} does not implement predict().`, "NOT_IMPLEMENTED");
  }

  /** Override to make the model streamable. */
  predictStream?(...args: unknown[]): AsyncIterable<unknown> | Iterable<unknown>;
}

/** MLflow's name for PyFuncModelBase. */
export const PythonModel = PyFuncModelBase;
export type PythonModel = PyFuncModelBase;

/** Anything the loader accepts as a model: a PyFuncModelBase instance or a plain object with `predict`. */
export interface ModelLike {
  predict(...args: unknown[]): unknown;
  predictStream?(...args: unknown[]): AsyncIterable<unknown> | Iterable<unknown>;
  loadContext?(context: PythonModelContext): void | Promise<void>;
  context?: PythonModelContext | undefined;
}

export function isModelLike(value: unknown): value is ModelLike {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { predict?: unknown }).predict === "function"
  );
}

export function agentKindOf(value: unknown): AgentKind | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const kind = (value as Record<symbol, unknown>)[AGENT_KIND];
  return kind === "responses" || kind === "chat_agent" || kind === "chat_model" ? kind : undefined;
}

/** The parameter names of a function, read from its source (best effort; destructured params give ""). */
export function parameterNames(fn: (...a: never[]) => unknown): string[] {
  const src = Function.prototype.toString.call(fn);
  const open = src.indexOf("(");
  if (open < 0) {
    const arrow = /^\s*(?:async\s+)?([A-Za-z_$][\w$]*)\s*=>/.exec(src);
    return arrow ? [arrow[1] as string] : [];
  }
  let depth = 0;
  let end = open;
  for (let i = open; i < src.length; i++) {
    const ch = src[i];
    if (ch === "(" || ch === "[" || ch === "{") depth++;
    else if (ch === ")" || ch === "]" || ch === "}") {
      depth--;
      if (depth === 0) {
        end = i;
        break;
      }
    }
  }
  const inner = src.slice(open + 1, end).replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
  const names: string[] = [];
  let d = 0;
  let current = "";
  for (const ch of inner) {
    if (ch === "(" || ch === "[" || ch === "{") d++;
    if (ch === ")" || ch === "]" || ch === "}") d--;
    if (ch === "," && d === 0) {
      names.push(current);
      current = "";
    } else current += ch;
  }
  if (current.trim().length > 0) names.push(current);
  return names.map((n) => {
    const m = /^\s*(?:\.\.\.)?([A-Za-z_$][\w$]*)/.exec(n);
    return m ? (m[1] as string) : "";
  });
}

/**
 * Whether the loader calls `method(context, input, params)` (true) or `method(input, params)` (false).
 * Order: the class's `static predictWithContext` boolean; a first parameter named context/ctx; 3+ parameters.
 */
export function methodTakesContext(owner: object, method: (...a: never[]) => unknown): boolean {
  const flag = (owner.constructor as { predictWithContext?: unknown } | undefined)?.predictWithContext;
  if (typeof flag === "boolean") return flag;
  const names = parameterNames(method);
  if (names.length > 0 && /^_*(context|ctx)$/i.test(names[0] as string)) return true;
  return method.length >= 3 || names.length >= 3;
}

const SLOT: unique symbol = Symbol.for("@pyfunc/custom-class.setModel") as never;

/**
 * Models from code: call `setModel(new MyModel())` in the model file (as MLflow's `mlflow.models.set_model`).
 * A default export of the instance (or of a class with a no-argument constructor) works too.
 */
export function setModel(model: object): void {
  if (!isModelLike(model) && typeof model !== "function") {
    throw MlflowException.invalidParameter(
      "setModel() expects a model instance (a PyFuncModelBase subclass or an object with a predict method).",
    );
  }
  (globalThis as Record<symbol, unknown>)[SLOT] = model;
}

/** @internal read and clear the value given to setModel. */
export function takeSetModel(): unknown {
  const g = globalThis as Record<symbol, unknown>;
  const v = g[SLOT];
  g[SLOT] = undefined;
  return v;
}

/** @internal clear the setModel slot before importing model code. */
export function clearSetModel(): void {
  (globalThis as Record<symbol, unknown>)[SLOT] = undefined;
}
