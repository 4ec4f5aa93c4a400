import type { Budget } from "./limits.js";
import { type CallKind, type PyDict, PyObject, type PyTuple, type PyValue } from "./values.js";

/** What a handler learns about the call that creates an object. */
export interface CallContext {
  /** `module.name` being called. */
  readonly global: string;
  /** `reduce` = `cls(*args)` (REDUCE), `newobj` = `cls.__new__(cls, *args)` (NEWOBJ, NEWOBJ_EX,
   *  protocol 0/1 `copyreg._reconstructor`), `skops` = an ObjectNode / TreeNode / LossNode of a skops file. */
  readonly how: CallKind;
  /** NEWOBJ_EX keyword arguments (rare). */
  readonly kwargs?: PyDict | undefined;
  /** Charge allocations and work proportional to what the file holds (arrays copied, items merged). */
  readonly budget: Budget;
}

/**
 * The TypeScript side of one allowlisted `module.name`. Every method receives plain data (see values.ts)
 * and must not run anything from the file. A handler without `create` is a reference only: the global may
 * sit in the data as a `PyGlobal` (e.g. `numpy.float64` as a dtype parameter) but calling it is refused.
 */
export interface ClassHandler<T = unknown> {
  /** Build the object: REDUCE / NEWOBJ arguments, or the `__reduce__` args of a skops node. */
  create?(args: PyTuple, ctx: CallContext): T;
  /** BUILD (`__setstate__` / `__dict__.update`): usually the instance dict as a `PyDict`. Mutate `obj`. */
  setState?(obj: T, state: PyValue, ctx: CallContext): void;
  /** SETITEM(S) on a dict subclass (sklearn's Bunch). */
  setItem?(obj: T, key: PyValue, value: PyValue, ctx: CallContext): void;
  /** APPEND(S) on a list subclass. */
  append?(obj: T, value: PyValue, ctx: CallContext): void;
  /** ADDITEMS on a set subclass. */
  add?(obj: T, value: PyValue, ctx: CallContext): void;
}

/** Tells a flavor which refusal happened so it can word the error for its users. */
export interface Refusal {
  /** `module.name` of the refused global (or the skops `__module__.__class__` / loader). */
  readonly global: string;
  /** `python-code`: a function or code object pickled by value (cloudpickle); `dangerous`: a global that
   *  runs code, commands or imports (os.system, builtins.eval, …); `not-allowed`: anything else unknown. */
  readonly reason: "python-code" | "dangerous" | "not-allowed";
  /** `module.name` of the nearest allowlisted object whose state holds the refused value, if known. */
  readonly owner: string | undefined;
  /** Attribute name / key / index under which `owner` holds it, if known. */
  readonly key: string | number | undefined;
  /** Name of the Python function pickled by value (`<lambda>`, `my_func`), if it could be read. */
  readonly functionName: string | undefined;
  /** The message this package would use. */
  readonly defaultMessage: string;
}

/** Turns a refusal into the message of the error; return undefined to keep the default. */
export type RefusalDescriber = (refusal: Refusal) => string | undefined;

/**
 * The only trust: the `module.name` entries a flavor registers, each with its handler. Lookup is an exact
 * string match in a Map; nothing is ever resolved by name outside it.
 */
export class Allowlist {
  readonly #handlers = new Map<string, ClassHandler>();

  /** Allow `qualifiedName` (e.g. `sklearn.pipeline.Pipeline`) with its handler. Replaces an earlier entry. */
  register<T>(qualifiedName: string, handler: ClassHandler<T>): this {
    if (!/^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)+$/.test(qualifiedName)) {
      throw new TypeError(`not a module.name: ${JSON.stringify(qualifiedName)}`);
    }
    this.#handlers.set(qualifiedName, handler as ClassHandler);
    return this;
  }

  /** Allow each name with the same handler. */
  registerAll<T>(qualifiedNames: Iterable<string>, handler: ClassHandler<T>): this {
    for (const name of qualifiedNames) this.register(name, handler);
    return this;
  }

  /** Allow the global only as a value (a `PyGlobal` in the data); calling it stays refused. */
  reference(...qualifiedNames: string[]): this {
    for (const name of qualifiedNames) this.register(name, {});
    return this;
  }

  /** Add every entry of `other` (later entries win). */
  use(other: Allowlist): this {
    for (const [name, handler] of other.entries()) this.#handlers.set(name, handler);
    return this;
  }

  get(qualifiedName: string): ClassHandler | undefined {
    return this.#handlers.get(qualifiedName);
  }

  has(qualifiedName: string): boolean {
    return this.#handlers.has(qualifiedName);
  }

  entries(): IterableIterator<[string, ClassHandler]> {
    return this.#handlers.entries();
  }

  get size(): number {
    return this.#handlers.size;
  }
}

/**
 * A handler that records the object as an inert `PyObject` (args, state, items) without interpreting it.
 * Flavors register it for classes they read field by field after loading (estimators, loss objects, …).
 */
export const inertRecord: ClassHandler<PyObject> = {
  create: (args, ctx) => new PyObject(ctx.global, args, ctx.how, ctx.kwargs),
  setState: (obj, state) => {
    const prev = obj.state;
    // A second BUILD updates the __dict__ as Python does; otherwise the state is kept as given.
    if (prev instanceof Map && state instanceof Map) {
      for (const [k, v] of state) prev.set(k, v);
    } else {
      obj.state = state;
    }
  },
  setItem: (obj, key, value) => {
    obj.items.set(key, value);
  },
  append: (obj, value) => {
    obj.list.push(value);
  },
  add: (obj, value) => {
    obj.set.add(value);
  },
};
