/**
 * The plain JavaScript values a pickle or skops file becomes.
 *
 * | Python                    | JavaScript                                                         |
 * | ------------------------- | ------------------------------------------------------------------ |
 * | None / True / False       | null / true / false                                                |
 * | int                       | number when it is a safe integer (|n| <= 2^53 - 1), bigint otherwise |
 * | float                     | number                                                             |
 * | str                       | string                                                             |
 * | bytes / bytearray         | Uint8Array (a view into the input bytes, not a copy)               |
 * | tuple                     | frozen array (`isTuple` tells it from a list)                      |
 * | list                      | array                                                              |
 * | dict                      | `Map` (`PyDict`), keys compared as JS `Map` does                   |
 * | set / frozenset           | `Set` / `PyFrozenSet` (a `Set` subclass)                           |
 * | slice                     | `PySlice`                                                          |
 * | a class or function       | `PyGlobal` (only when allowlisted; it is never called by name)     |
 * | an allowlisted instance   | whatever the registered handler builds (`PyObject` for `inertRecord`) |
 */
export type PyValue = unknown;
export type PyDict = Map<PyValue, PyValue>;
export type PyTuple = readonly PyValue[];

export function tuple(items: PyValue[]): PyTuple {
  return Object.freeze(items);
}

/** True for a pickled tuple (frozen array); lists are plain, unfrozen arrays. */
export function isTuple(value: unknown): value is PyTuple {
  return Array.isArray(value) && Object.isFrozen(value);
}

export function isList(value: unknown): value is PyValue[] {
  return Array.isArray(value) && !Object.isFrozen(value);
}

export function isDict(value: unknown): value is PyDict {
  return value instanceof Map;
}

/** A Python frozenset; a plain `Set` is a Python set. */
export class PyFrozenSet extends Set<PyValue> {}

/** `builtins.slice(start, stop, step)`. */
export class PySlice {
  constructor(
    readonly start: PyValue,
    readonly stop: PyValue,
    readonly step: PyValue,
  ) {}
}

/**
 * A reference to an allowlisted class or function (`module.name`), as it sits in the data when it is
 * not called, e.g. OneHotEncoder's `dtype=numpy.float64` or FunctionTransformer's `func=numpy.log1p`.
 */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}

  get qualifiedName(): string {
    return `${this.module}.${this.name}`;
  }

  toString(): string {
    return this.qualifiedName;
  }
}

/**
 * An inert record of an instance: what `inertRecord` builds for an allowlisted class. Holds what the
 * pickle gave, without interpreting it: the call arguments, the BUILD state, and dict / list items of
 * dict or list subclasses.
 */
export class PyObject {
  /** BUILD state: usually the instance `__dict__` as a `PyDict`; a `(state, slotstate)` tuple is kept as is. */
  state: PyValue = undefined;
  /** SETITEM(S) on a dict subclass (e.g. sklearn's Bunch). */
  readonly items: PyDict = new Map();
  /** APPEND(S) on a list subclass. */
  readonly list: PyValue[] = [];
  /** ADDITEMS on a set subclass. */
  readonly set: Set<PyValue> = new Set();

  constructor(
    /** `module.name` of the class. */
    readonly className: string,
    /** REDUCE / NEWOBJ arguments. */
    readonly args: PyTuple = [],
    /** How it was created: `reduce` = `cls(*args)`, `newobj` = `cls.__new__(cls, *args)`, `skops`. */
    readonly how: CallKind = "newobj",
    /** NEWOBJ_EX keyword arguments. */
    readonly kwargs: PyDict | undefined = undefined,
  ) {}

  /** An attribute from the instance `__dict__` (the dict state, or the dict half of a `(state, slotstate)` pair). */
  get(name: string): PyValue {
    const dict = this.dictState();
    return dict?.get(name);
  }

  has(name: string): boolean {
    return this.dictState()?.has(name) ?? false;
  }

  /** The instance `__dict__` when the state is a dict (or a pair of dicts), else undefined. */
  dictState(): PyDict | undefined {
    const s = this.state;
    if (s instanceof Map) return s;
    if (isTuple(s) && s.length === 2) {
      const [d, slots] = s;
      if (d instanceof Map && slots instanceof Map) return new Map([...d, ...slots]);
      if (d instanceof Map) return d;
      if (slots instanceof Map) return slots;
    }
    return undefined;
  }
}

export type CallKind = "reduce" | "newobj" | "skops";
