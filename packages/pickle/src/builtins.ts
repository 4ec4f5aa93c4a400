import { Allowlist, type CallContext, type ClassHandler } from "./allowlist.js";
import { malformed } from "./errors.js";
import { bytesOf } from "./numpy/handlers.js";
import { type PyDict, PyFrozenSet, PySlice, type PyTuple } from "./values.js";

function iterableItems(v: unknown, what: string, ctx: CallContext): unknown[] {
  if (v === undefined) return [];
  const items = Array.isArray(v)
    ? v
    : v instanceof Set
      ? [...v]
      : v instanceof Map
        ? [...v.keys()]
        : undefined;
  if (items === undefined) throw malformed(`${what}: expected a list, tuple or set`);
  // The same big list can be passed again and again through the memo: charge every copy.
  ctx.budget.work(items.length, what);
  ctx.budget.allocate(items.length * 8, what);
  return items;
}

const slice: ClassHandler<PySlice> = {
  create(args: PyTuple) {
    if (args.length < 1 || args.length > 3) throw malformed("slice takes 1 to 3 arguments");
    if (args.length === 1) return new PySlice(null, args[0], null);
    return new PySlice(args[0], args[1], args[2] ?? null);
  },
};

const set: ClassHandler<Set<unknown>> = {
  create: (args, ctx) => new Set(iterableItems(args[0], "set", ctx)),
};

const frozenset: ClassHandler<Set<unknown>> = {
  create: (args, ctx) => new PyFrozenSet(iterableItems(args[0], "frozenset", ctx)),
};

// Protocols < 3 pickle bytes / bytearray as bytearray(str, 'latin-1') or bytearray(bytes).
const bytearray: ClassHandler<Uint8Array> = {
  create(args, ctx) {
    if (args.length === 0) return new Uint8Array(0);
    const v = args[0];
    if (typeof v === "string") {
      const enc = args[1];
      if (enc !== undefined && enc !== "latin-1" && enc !== "latin1" && enc !== "iso-8859-1") {
        throw malformed(`bytearray with encoding ${String(enc)}`);
      }
    }
    const bytes = bytesOf(v, "bytearray");
    ctx.budget.allocate(bytes.length, "bytearray");
    return new Uint8Array(bytes);
  },
};

// Protocol 2 writes b"" as bytes() (and non-empty bytes as _codecs.encode, handled by the reader).
const bytes: ClassHandler<Uint8Array> = {
  create(args, ctx) {
    if (args.length === 0) return new Uint8Array(0);
    return bytearray.create!(args, ctx);
  },
};

const dict: ClassHandler<PyDict> = {
  create: () => new Map(),
};

/**
 * Python's own containers as protocols 0-3 and the standard library pickle them: `slice`, `set`, `frozenset`,
 * `bytearray`, `collections.OrderedDict` and `collections.defaultdict` (both become a plain `Map`), and the
 * builtin types as references (`builtins.object`, `int`, `float`, `str`, `list`, `dict`, `tuple`, `bool`).
 */
export function builtinsAllowlist(): Allowlist {
  return new Allowlist()
    .register("builtins.slice", slice)
    .register("builtins.set", set)
    .register("builtins.frozenset", frozenset)
    .register("builtins.bytearray", bytearray)
    .register("builtins.bytes", bytes)
    .register("collections.OrderedDict", dict)
    .register("collections.defaultdict", dict)
    .reference(
      "builtins.object",
      "builtins.int",
      "builtins.float",
      "builtins.str",
      "builtins.list",
      "builtins.dict",
      "builtins.tuple",
      "builtins.bool",
      "builtins.complex",
      "builtins.NoneType",
    );
}
