import { MlflowException } from "@pyfunc/core";
import { Allowlist, type CallContext, type ClassHandler, type RefusalDescriber } from "../allowlist.js";
import { limitExceeded, malformed, PickleError } from "../errors.js";
import { Budget, type Limits, resolveLimits } from "../limits.js";
import { DType } from "../numpy/dtype.js";
import { scalarValue } from "../numpy/handlers.js";
import { NdArray } from "../numpy/ndarray.js";
import { readNpy } from "../numpy/npy.js";
import { classifyGlobal, RefusedGlobal, refusalError } from "../refusal.js";
import { type PyDict, PyGlobal, PySlice, tuple } from "../values.js";
import { readZip } from "./zip.js";

export interface ReadSkopsOptions {
  /** The same allowlist as for pickles: a node's `__module__` + `.` + `__class__` must be on it. */
  allowlist: Allowlist;
  describeRefusal?: RefusalDescriber;
  limits?: Partial<Limits>;
}

// Python's basic types, which DictNode key_types and TypeNodes name; references only, never called.
const BASIC_TYPES = new Set([
  "str",
  "int",
  "float",
  "bool",
  "NoneType",
  "list",
  "dict",
  "tuple",
  "set",
  "frozenset",
  "bytes",
  "object",
  "complex",
  "slice",
]);

// Loaders that build an object of an allowlisted class from `__reduce__` args and a state.
const OBJECT_LOADERS = new Set([
  "ObjectNode",
  "TreeNode",
  "LossNode",
  "SGDNode",
  "RandomStateNode",
  "ReduceNode",
]);

type Node = Record<string, unknown>;

function isNode(v: unknown): v is Node {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function str(node: Node, key: string): string {
  const v = node[key];
  if (typeof v !== "string") throw malformed(`skops node without a string ${key}`);
  return v;
}

/** JsonNode content: JSON text, plus Python's NaN / Infinity tokens; integers beyond 2^53 become bigint. */
function parseJsonContent(text: string): unknown {
  const t = text.trim();
  if (t === "NaN") return Number.NaN;
  if (t === "Infinity") return Number.POSITIVE_INFINITY;
  if (t === "-Infinity") return Number.NEGATIVE_INFINITY;
  if (/^-?\d+$/.test(t)) {
    const n = Number(t);
    return Number.isSafeInteger(n) ? n : BigInt(t);
  }
  try {
    return JSON.parse(t);
  } catch {
    throw malformed(`skops JsonNode content is not JSON: ${JSON.stringify(t.slice(0, 40))}`);
  }
}

interface Site {
  owner: string;
  key: string | number | undefined;
}

class SkopsReader {
  readonly #members: Map<string, Uint8Array>;
  readonly #allow: Allowlist;
  readonly #limits: Limits;
  readonly #budget: Budget;
  readonly #describe: RefusalDescriber | undefined;
  readonly #ids = new Map<unknown, unknown>();
  /** Objects being built, outermost first, with the key currently being read: where a refusal sits. */
  readonly #sites: Site[] = [];

  constructor(members: Map<string, Uint8Array>, options: ReadSkopsOptions, limits: Limits, budget: Budget) {
    this.#members = members;
    this.#allow = options.allowlist;
    this.#limits = limits;
    this.#budget = budget;
    this.#describe = options.describeRefusal;
  }

  #refuse(qualified: string): never {
    const dot = qualified.lastIndexOf(".");
    const reason = classifyGlobal(qualified.slice(0, dot), qualified.slice(dot + 1));
    const site = this.#sites[this.#sites.length - 1];
    throw refusalError(
      new RefusedGlobal(qualified, reason),
      undefined,
      { owner: site?.owner, key: site?.key },
      this.#describe,
      undefined,
    );
  }

  #allowed(qualified: string): ClassHandler {
    const handler = this.#allow.get(qualified);
    if (handler === undefined) this.#refuse(qualified);
    return handler;
  }

  #member(node: Node, ext: string): Uint8Array {
    const file = str(node, "file");
    if (!file.endsWith(ext) || file.includes("/"))
      throw malformed(`skops node refers to ${JSON.stringify(file.slice(0, 80))}, not a ${ext} member`);
    const bytes = this.#members.get(file);
    if (bytes === undefined) throw malformed(`skops file refers to the missing member ${file}`);
    return bytes;
  }

  #key(k: string, type: unknown): unknown {
    const name = type instanceof PyGlobal ? type.qualifiedName : "builtins.str";
    switch (name) {
      case "builtins.str":
        return k;
      case "builtins.bool":
        return k === "true" || k === "True";
      case "builtins.NoneType":
        return null;
      case "builtins.float":
      case "numpy.float64":
      case "numpy.float32":
        return parseJsonContent(k);
      default:
        if (/^-?\d+$/.test(k)) return parseJsonContent(k);
        return k;
    }
  }

  load(node: unknown, depth: number): unknown {
    if (depth > this.#limits.maxDepth)
      throw limitExceeded(`the skops schema is nested more than ${this.#limits.maxDepth} levels deep`);
    if (!isNode(node)) throw malformed("skops schema: a node must be an object");
    this.#budget.work(1, "skops nodes");
    const id = node.__id__;
    if (id !== undefined && this.#ids.has(id)) return this.#ids.get(id);
    const loader = str(node, "__loader__");
    const qualified = `${str(node, "__module__")}.${str(node, "__class__")}`;
    const keep = <T>(v: T): T => {
      if (id !== undefined) this.#ids.set(id, v);
      return v;
    };
    const children = (v: unknown): unknown[] => {
      if (!Array.isArray(v)) throw malformed(`skops ${loader} content must be a list`);
      return v.map((c, i) => this.#within(i, () => this.load(c, depth + 1)));
    };
    switch (loader) {
      case "JsonNode": {
        const content = node.content;
        if (typeof content !== "string") throw malformed("skops JsonNode content must be JSON text");
        this.#budget.allocate(content.length, "skops JSON content");
        return keep(parseJsonContent(content));
      }
      case "ListNode":
      case "TupleNode":
      case "SetNode": {
        const builtin = { ListNode: "builtins.list", TupleNode: "builtins.tuple", SetNode: "builtins.set" }[
          loader
        ];
        if (qualified !== builtin) return this.#subclass(node, qualified, loader, depth, keep);
        if (loader === "ListNode") {
          const out: unknown[] = keep([]);
          for (const v of children(node.content)) out.push(v);
          return out;
        }
        if (loader === "SetNode") {
          const out = keep(new Set<unknown>());
          for (const v of children(node.content)) out.add(v);
          return out;
        }
        return keep(tuple(children(node.content)));
      }
      case "DictNode": {
        if (qualified !== "builtins.dict") return this.#subclass(node, qualified, loader, depth, keep);
        return keep(this.#dict(node, depth));
      }
      case "TypeNode": {
        const [module, name] = [str(node, "__module__"), str(node, "__class__")];
        if (!(module === "builtins" && BASIC_TYPES.has(name))) this.#allowed(qualified);
        return keep(new PyGlobal(module, name));
      }
      case "FunctionNode": {
        const content = node.content;
        if (!isNode(content)) throw malformed("skops FunctionNode content");
        const fq = `${str(content, "module_path")}.${str(content, "function")}`;
        this.#allowed(fq);
        const dot = fq.lastIndexOf(".");
        return keep(new PyGlobal(fq.slice(0, dot), fq.slice(dot + 1)));
      }
      case "SliceNode": {
        this.#allowed("builtins.slice");
        const c = node.content;
        if (!isNode(c)) throw malformed("skops SliceNode content");
        const part = (k: string) => {
          const v = c[k];
          if (isNode(v)) return this.load(v, depth + 1);
          if (v === null || v === undefined) return null;
          if (typeof v !== "number" || !Number.isSafeInteger(v)) throw malformed("skops SliceNode bound");
          return v;
        };
        return keep(new PySlice(part("start"), part("stop"), part("step")));
      }
      case "NdArrayNode":
        return keep(this.#ndarray(node, qualified, depth));
      case "DTypeNode": {
        this.#allowed(qualified);
        const inner = this.load(node.content, depth + 1);
        if (!(inner instanceof NdArray)) throw malformed("skops DTypeNode content must be an array");
        return keep(inner.dtype);
      }
      case "SparseMatrixNode":
        return keep(this.#sparse(node, qualified));
      default:
        if (OBJECT_LOADERS.has(loader)) return this.#object(node, qualified, depth, keep);
        throw new PickleError(
          "refused",
          `skops node type ${loader} (${qualified}) is not supported: it is not one this reader builds from data`,
          { global: qualified },
        );
    }
  }

  #within<T>(key: string | number, run: () => T): T {
    const site = this.#sites[this.#sites.length - 1];
    if (site === undefined) return run();
    const prev = site.key;
    if (prev === undefined) site.key = key;
    try {
      return run();
    } finally {
      site.key = prev;
    }
  }

  #dict(node: Node, depth: number): PyDict {
    const content = node.content;
    if (!isNode(content)) throw malformed("skops DictNode content must be an object");
    const keys = Object.keys(content);
    let types: unknown[] = [];
    if (node.key_types !== undefined) {
      const loaded = this.load(node.key_types, depth + 1);
      if (!Array.isArray(loaded) || loaded.length !== keys.length)
        throw malformed("skops DictNode key_types do not match its keys");
      types = loaded;
    }
    const out: PyDict = new Map();
    keys.forEach((k, i) => {
      out.set(
        this.#key(k, types[i]),
        this.#within(k, () => this.load(content[k], depth + 1)),
      );
    });
    return out;
  }

  #ctx(qualified: string): CallContext {
    return { global: qualified, how: "skops", budget: this.#budget };
  }

  #guard<T>(qualified: string, run: () => T): T {
    try {
      return run();
    } catch (err) {
      if (err instanceof MlflowException) throw err;
      throw new PickleError(
        "malformed",
        `${qualified}: ${err instanceof Error ? err.message : String(err)}`,
        { global: qualified, cause: err },
      );
    }
  }

  #object(node: Node, qualified: string, depth: number, keep: <T>(v: T) => T): unknown {
    const handler = this.#allowed(qualified);
    if (handler.create === undefined) {
      throw new PickleError("refused", `${qualified} is allowed only as a value; refusing to build it`, {
        global: qualified,
      });
    }
    this.#sites.push({ owner: qualified, key: undefined });
    try {
      let args: readonly unknown[] = [];
      const reduce = node.__reduce__;
      if (reduce !== undefined) {
        if (!isNode(reduce)) throw malformed("skops __reduce__ must be an object");
        const a = this.#within("__reduce__", () => this.load(reduce.args, depth + 1));
        if (!Array.isArray(a)) throw malformed("skops __reduce__ args must be a tuple");
        args = a;
      }
      const ctx = this.#ctx(qualified);
      const obj = keep(this.#guard(qualified, () => handler.create!(tuple([...args]), ctx)));
      if (node.content !== undefined) {
        const state = this.load(node.content, depth + 1);
        const empty = state instanceof Map && state.size === 0;
        if (handler.setState !== undefined) this.#guard(qualified, () => handler.setState!(obj, state, ctx));
        else if (!empty)
          throw new PickleError("refused", `${qualified} takes no state, but the skops file gives it some`, {
            global: qualified,
          });
      }
      return obj;
    } finally {
      this.#sites.pop();
    }
  }

  /** A list / tuple / set / dict node whose class is a subclass: the handler builds it, items go through it. */
  #subclass(node: Node, qualified: string, loader: string, depth: number, keep: <T>(v: T) => T): unknown {
    const handler = this.#allowed(qualified);
    const ctx = this.#ctx(qualified);
    if (handler.create === undefined)
      throw new PickleError("refused", `${qualified} is allowed only as a value`, { global: qualified });
    const obj = keep(this.#guard(qualified, () => handler.create!(tuple([]), ctx)));
    this.#sites.push({ owner: qualified, key: undefined });
    try {
      if (loader === "DictNode") {
        if (handler.setItem === undefined)
          throw new PickleError("refused", `${qualified} does not take items`, { global: qualified });
        for (const [k, v] of this.#dict(node, depth))
          this.#guard(qualified, () => handler.setItem!(obj, k, v, ctx));
      } else {
        const method = loader === "SetNode" ? handler.add : handler.append;
        if (method === undefined)
          throw new PickleError("refused", `${qualified} does not take items`, { global: qualified });
        const content = node.content;
        if (!Array.isArray(content)) throw malformed(`skops ${loader} content must be a list`);
        content.forEach((c, i) => {
          const v = this.#within(i, () => this.load(c, depth + 1));
          this.#guard(qualified, () => method(obj, v, ctx));
        });
      }
      return obj;
    } finally {
      this.#sites.pop();
    }
  }

  #ndarray(node: Node, qualified: string, depth: number): unknown {
    this.#allowed(qualified);
    const type = node.type;
    if (type === "numpy") {
      const { array } = readNpy(this.#member(node, ".npy"), this.#budget);
      // A numpy scalar (float64, int64, …) is saved as a 0-d array of its dtype.
      if (qualified !== "numpy.ndarray") {
        if (array.shape.length !== 0) throw malformed(`skops ${qualified} scalar must be a 0-d array`);
        return scalarValue(array.dtype, array.bytes ?? new Uint8Array(0));
      }
      return array;
    }
    if (type === "json") {
      const content = node.content;
      if (!Array.isArray(content)) throw malformed("skops NdArrayNode json content must be a list");
      const items = content.map((c, i) => this.#within(i, () => this.load(c, depth + 1)));
      const shape = node.shape === undefined ? [items.length] : this.load(node.shape, depth + 1);
      if (!Array.isArray(shape)) throw malformed("skops NdArrayNode shape must be a tuple");
      return NdArray.fromList(DType.fromCode("O8"), shape, false, items, this.#budget);
    }
    throw malformed(`skops NdArrayNode type ${String(type)} is not supported`);
  }

  async preloadSparse(): Promise<void> {
    for (const [name, bytes] of this.#members) {
      if (name.endsWith(".npz")) this.#npz.set(name, await readZip(bytes, this.#limits, this.#budget));
    }
  }

  readonly #npz = new Map<string, Map<string, Uint8Array>>();

  #sparse(node: Node, qualified: string): unknown {
    const handler = this.#allowed(qualified);
    if (node.type !== "scipy")
      throw malformed(`skops SparseMatrixNode type ${String(node.type)} is not supported`);
    this.#member(node, ".npz");
    const parts = this.#npz.get(str(node, "file"))!;
    const part = (n: string) => {
      const b = parts.get(`${n}.npy`);
      if (b === undefined) throw malformed(`skops sparse matrix ${str(node, "file")} has no ${n}.npy`);
      return readNpy(b, this.#budget).array;
    };
    const format = part("format");
    const fmt = format.data as Uint8Array[] | string[];
    const formatName = typeof fmt[0] === "string" ? fmt[0] : new TextDecoder("latin1").decode(fmt[0]);
    const shape = part("shape").numbers();
    const state: PyDict = new Map<unknown, unknown>([
      ["_shape", tuple([...shape])],
      ["data", part("data")],
      ["indices", part("indices")],
      ["indptr", part("indptr")],
      ["format", formatName],
    ]);
    const ctx = this.#ctx(qualified);
    if (handler.create === undefined || handler.setState === undefined) {
      throw new PickleError("refused", `${qualified} cannot be built from a skops sparse matrix`, {
        global: qualified,
      });
    }
    const obj = this.#guard(qualified, () => handler.create!(tuple([]), ctx));
    this.#guard(qualified, () => handler.setState!(obj, state, ctx));
    return obj;
  }
}

/**
 * Read a skops file (`model.skops`: a zip of `schema.json` plus .npy / .npz members) into the same plain data
 * as `readPickle`, building classes only through the allowlist. The MLmodel's `skops_trusted_types` play no part.
 */
export async function readSkops(bytes: Uint8Array, options: ReadSkopsOptions): Promise<unknown> {
  if (!(bytes instanceof Uint8Array)) throw new TypeError("readSkops needs a Uint8Array (or Buffer)");
  if (!(options?.allowlist instanceof Allowlist)) throw new TypeError("readSkops needs options.allowlist");
  const limits = resolveLimits(options.limits);
  const members = await readZip(bytes, limits, undefined);
  let inflated = 0;
  for (const m of members.values()) inflated += m.length;
  const budget = new Budget(bytes.length + inflated, limits);
  const schemaBytes = members.get("schema.json");
  if (schemaBytes === undefined) throw malformed("not a skops file: no schema.json member");
  let schema: unknown;
  try {
    schema = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(schemaBytes));
  } catch {
    throw malformed("skops schema.json is not valid JSON");
  }
  if (!isNode(schema)) throw malformed("skops schema.json must hold an object");
  const protocol = schema.protocol;
  if (protocol !== undefined && (typeof protocol !== "number" || protocol < 0 || protocol > 3)) {
    throw malformed(`skops protocol ${String(protocol)} is not supported (0-3 are)`);
  }
  const reader = new SkopsReader(members, options, limits, budget);
  await reader.preloadSparse();
  try {
    return reader.load(schema, 0);
  } catch (err) {
    if (err instanceof MlflowException) throw err;
    if (err instanceof RangeError)
      throw new PickleError("limit", `reading the skops file ran out of resources: ${err.message}`, {
        cause: err,
      });
    throw err;
  }
}
