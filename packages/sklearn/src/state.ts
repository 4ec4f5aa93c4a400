import { badState } from "./errors.js";
import { adaptArray, isNdArray, type NdArray, type RecordArray, toFloat64, toNumber } from "./ndarray.js";

/** A Python dict as the reader gives it: a Map (any keys) or a plain object (str keys). */
export type PyDict = Map<unknown, unknown> | Record<string, unknown>;

export function dictEntries(v: unknown): [unknown, unknown][] {
  if (v instanceof Map) return [...v.entries()];
  if (typeof v === "object" && v !== null && !Array.isArray(v) && !isNdArray(v)) return Object.entries(v);
  return [];
}

export function isDict(v: unknown): v is PyDict {
  return v instanceof Map || (typeof v === "object" && v !== null && !Array.isArray(v) && !isNdArray(v));
}

/** An inert record of a pickled instance (`@pyfunc/pickle`'s PyObject): class, call args and BUILD state. */
export interface PyObjectLike {
  readonly className: string;
  readonly args: readonly unknown[];
  readonly state: unknown;
  readonly items: Map<unknown, unknown>;
  dictState(): Map<unknown, unknown> | undefined;
}

export function isPyObject(v: unknown): v is PyObjectLike {
  return (
    typeof v === "object" &&
    v !== null &&
    typeof (v as PyObjectLike).className === "string" &&
    typeof (v as PyObjectLike).dictState === "function"
  );
}

/** Turns nested pickled objects into estimators (the class table lives in registry.ts). */
export interface Builder {
  estimator(value: unknown, where: string): unknown;
}

/**
 * The pickled `__dict__` of one estimator, with typed accessors that refuse a layout other than the one
 * scikit-learn 1.2 writes (a missing attribute, an array where a scalar belongs …) by naming the class.
 */
export class State {
  readonly cls: string;
  readonly builder: Builder;
  /** `_sklearn_version` of the pickled estimator (BaseEstimator.__getstate__ records it) */
  readonly version: string | undefined;
  readonly #dict: Map<string, unknown>;

  constructor(cls: string, dict: unknown, builder: Builder) {
    this.cls = cls;
    this.builder = builder;
    this.#dict = new Map();
    for (const [k, v] of dictEntries(dict)) if (typeof k === "string") this.#dict.set(k, v);
    const v = this.#dict.get("_sklearn_version");
    this.version = typeof v === "string" ? v : undefined;
  }

  /** The class name, and the version that wrote it when it is not 1.2 (for refusals). */
  get who(): string {
    return this.version !== undefined && !this.version.startsWith("1.2.")
      ? `'${this.cls}' (written by scikit-learn ${this.version})`
      : `'${this.cls}'`;
  }

  has(key: string): boolean {
    return this.#dict.has(key);
  }

  raw(key: string): unknown {
    if (!this.#dict.has(key)) throw badState(this.who, `attribute '${key}' is missing`);
    return this.#dict.get(key);
  }

  opt(key: string): unknown {
    return this.#dict.get(key) ?? null;
  }

  num(key: string): number {
    const v = this.raw(key);
    const n = scalarOf(v);
    if (n === undefined) throw badState(this.who, `'${key}' should be a number`);
    return n;
  }

  optNum(key: string): number | null {
    const v = this.opt(key);
    if (v === null) return null;
    const n = scalarOf(v);
    if (n === undefined) throw badState(this.who, `'${key}' should be a number or None`);
    return n;
  }

  int(key: string): number {
    const n = this.num(key);
    if (!Number.isSafeInteger(n)) throw badState(this.who, `'${key}' should be an integer`);
    return n;
  }

  bool(key: string): boolean {
    const v = this.raw(key);
    if (typeof v === "boolean") return v;
    if (typeof v === "number" || typeof v === "bigint") return Number(v) !== 0;
    throw badState(this.who, `'${key}' should be a bool`);
  }

  str(key: string): string {
    const v = this.raw(key);
    if (typeof v !== "string") throw badState(this.who, `'${key}' should be a str`);
    return v;
  }

  optStr(key: string): string | null {
    const v = this.opt(key);
    if (v === null) return null;
    if (typeof v !== "string") throw badState(this.who, `'${key}' should be a str or None`);
    return v;
  }

  array(key: string): NdArray {
    const a = adaptArray(this.raw(key));
    if (a === undefined) throw badState(this.who, `'${key}' should be a numpy array`);
    return a;
  }

  optArray(key: string): NdArray | null {
    const v = this.opt(key);
    if (v === null) return null;
    const a = adaptArray(v);
    if (a === undefined) throw badState(this.who, `'${key}' should be a numpy array or None`);
    return a;
  }

  /** A value that should be a numpy array (an item of a list attribute). */
  arrayOf(v: unknown, where: string): NdArray {
    const a = adaptArray(v);
    if (a === undefined) throw badState(this.who, `'${where}' should be a numpy array`);
    return a;
  }

  /** A structured numpy array (its fields read by name). */
  records(key: string): RecordArray {
    const a = this.array(key) as Partial<RecordArray> & NdArray;
    if (a.dtype !== "void" || typeof a.field !== "function")
      throw badState(this.who, `'${key}' should be a structured array`);
    return a as RecordArray;
  }

  /** A float array (any numeric dtype) as float64, with its shape. */
  f64(key: string, ndim?: number): { data: Float64Array; shape: number[] } {
    const a = this.array(key);
    if (a.dtype === "object" || a.dtype.startsWith("str") || a.dtype.startsWith("<U"))
      throw badState(this.who, `'${key}' should be a numeric array, not ${a.dtype}`);
    if (ndim !== undefined && a.shape.length !== ndim)
      throw badState(
        this.cls,
        `'${key}' should have ${ndim} dimension(s), not shape (${a.shape.join(", ")})`,
      );
    return { data: toFloat64(a.data), shape: a.shape };
  }

  /**
   * A float array whose shape must be `dims` (null = any size): a file whose arrays disagree with each other
   * is refused here instead of predicting garbage.
   */
  f64Shaped(key: string, dims: readonly (number | null)[]): Float64Array {
    const a = this.f64(key, dims.length);
    dims.forEach((d, i) => {
      if (d !== null && a.shape[i] !== d)
        throw badState(
          this.who,
          `'${key}' has shape (${a.shape.join(", ")}), expected (${dims.map((x) => x ?? "*").join(", ")})`,
        );
    });
    return a.data;
  }

  /** A Python list or tuple. */
  list(key: string): unknown[] {
    const v = this.raw(key);
    if (Array.isArray(v)) return v;
    const a = adaptArray(v);
    if (a !== undefined && a.dtype === "object") return Array.from(a.data);
    throw badState(this.who, `'${key}' should be a list`);
  }

  /** A nested estimator (a Pipeline step, a meta-estimator's member …). */
  est<T>(key: string): T {
    return this.builder.estimator(this.raw(key), `${this.cls}.${key}`) as T;
  }

  /** Any value that should be an estimator, e.g. an item of a list attribute. */
  estOf<T>(value: unknown, where: string): T {
    return this.builder.estimator(value, `${this.cls}.${where}`) as T;
  }

  /** A nested non-estimator object (Tree, TreePredictor, _BinMapper, loss objects): its record. */
  object(key: string, expectedClass?: string | RegExp): PyObjectLike {
    return this.objectOf(this.raw(key), key, expectedClass);
  }

  objectOf(v: unknown, where: string, expectedClass?: string | RegExp): PyObjectLike {
    if (!isPyObject(v)) throw badState(this.who, `'${where}' should be an object`);
    if (
      expectedClass !== undefined &&
      (typeof expectedClass === "string" ? v.className !== expectedClass : !expectedClass.test(v.className))
    ) {
      throw badState(this.who, `'${where}' is a ${v.className}, expected ${String(expectedClass)}`);
    }
    return v;
  }

  /** The State of a nested object record. */
  stateOf(o: PyObjectLike): State {
    return new State(o.className, o.dictState(), this.builder);
  }

  fail(message: string): never {
    throw badState(this.who, message);
  }
}

/** A Python/numpy scalar as a number (0-d arrays included); undefined when it is not one. */
export function scalarOf(v: unknown): number | undefined {
  if (typeof v === "number" || typeof v === "bigint" || typeof v === "boolean") return toNumber(v);
  const a = adaptArray(v);
  if (a !== undefined && a.shape.length === 0 && a.data.length === 1) {
    const x = a.data[0];
    if (typeof x === "number" || typeof x === "bigint" || typeof x === "boolean") return toNumber(x);
  }
  return undefined;
}
