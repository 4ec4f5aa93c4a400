import { MlflowException } from "@pyfunc/core";
import {
  Allowlist,
  type CallContext,
  type ClassHandler,
  inertRecord,
  type RefusalDescriber,
} from "./allowlist.js";
import { limitExceeded, malformed, PickleError } from "./errors.js";
import { walk } from "./graph.js";
import { Budget, type Limits, resolveLimits } from "./limits.js";
import { classifyGlobal, type RefusalSite, RefusedCall, RefusedGlobal, refusalError } from "./refusal.js";
import {
  type CallKind,
  type PyDict,
  PyFrozenSet,
  PyGlobal,
  PyObject,
  type PyTuple,
  tuple,
} from "./values.js";

export interface ReadPickleOptions {
  /** The classes and functions the file may name; everything else is refused. */
  allowlist: Allowlist;
  /** Protocol 5 out-of-band buffers, in the order the pickler's `buffer_callback` received them. */
  buffers?: Iterable<Uint8Array>;
  /** Words the error when a global is refused (e.g. "FunctionTransformer(func=<lambda>) holds Python code"). */
  describeRefusal?: RefusalDescriber;
  limits?: Partial<Limits>;
}

// Protocol < 3 pickles written by Python 2 name these modules differently (pickle's fix_imports).
const PY2_MODULES: Record<string, string> = {
  __builtin__: "builtins",
  copy_reg: "copyreg",
  exceptions: "builtins",
};

// The pickle protocol's own helpers: interpreted here, never looked up.
const INTRINSICS = new Set([
  "copyreg._reconstructor",
  "copyreg.__newobj__",
  "copyreg.__newobj_ex__",
  "_codecs.encode",
]);

const utf8 = new TextDecoder("utf-8", { fatal: true });

interface Owner {
  handler: ClassHandler;
  ctx: CallContext;
}

function isRefused(v: unknown): v is RefusedGlobal | RefusedCall {
  return v instanceof RefusedGlobal || v instanceof RefusedCall;
}

function normalizeInt(b: bigint): number | bigint {
  return b >= -9007199254740991n && b <= 9007199254740991n ? Number(b) : b;
}

function typeName(v: unknown): string {
  if (v === null) return "None";
  if (Array.isArray(v)) return Object.isFrozen(v) ? "tuple" : "list";
  if (v instanceof Map) return "dict";
  if (v instanceof Set) return "set";
  if (v instanceof Uint8Array) return "bytes";
  if (v instanceof PyGlobal) return v.qualifiedName;
  if (v instanceof PyObject) return v.className;
  if (typeof v === "object") return (v as object).constructor?.name ?? "object";
  return typeof v;
}

/** One run of the pickle virtual machine over untrusted bytes. */
class Unpickler {
  readonly #data: Uint8Array;
  readonly #view: DataView;
  #pos = 0;
  #proto = 0;
  readonly #stack: unknown[] = [];
  readonly #marks: number[] = [];
  readonly #memo = new Map<number, unknown>();
  readonly #owners = new WeakMap<object, Owner>();
  readonly #allow: Allowlist;
  readonly #limits: Limits;
  readonly #budget: Budget;
  readonly #buffers: Iterator<Uint8Array> | undefined;
  readonly #describe: RefusalDescriber | undefined;
  /** The first refused global: from then on, no handler runs; reading goes on only to name the place. */
  #refused: { global: RefusedGlobal; offset: number } | undefined;
  /** BUILD states of handler objects that arrived after a refusal (kept to find where the refused value sits). */
  readonly #pending = new Map<object, unknown[]>();

  constructor(data: Uint8Array, options: ReadPickleOptions) {
    this.#data = data;
    this.#view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    this.#allow = options.allowlist;
    this.#limits = resolveLimits(options.limits);
    let extra = 0;
    const buffers = options.buffers === undefined ? undefined : [...options.buffers];
    for (const b of buffers ?? []) extra += b.byteLength;
    this.#budget = new Budget(data.byteLength + extra, this.#limits);
    this.#buffers = buffers?.[Symbol.iterator]();
    this.#describe = options.describeRefusal;
  }

  // ---- reading bytes -------------------------------------------------------------------------------

  #need(n: number): number {
    const at = this.#pos;
    if (!(n >= 0) || at + n > this.#data.length) {
      throw malformed(`the pickle is truncated: ${n} more bytes needed, ${this.#data.length - at} left`, at);
    }
    this.#pos = at + n;
    return at;
  }
  #u8(): number {
    return this.#data[this.#need(1)]!;
  }
  #u16(): number {
    return this.#view.getUint16(this.#need(2), true);
  }
  #u32(): number {
    return this.#view.getUint32(this.#need(4), true);
  }
  #i32(): number {
    return this.#view.getInt32(this.#need(4), true);
  }
  #u64(): number {
    const v = this.#view.getBigUint64(this.#need(8), true);
    if (v > BigInt(this.#data.length)) {
      throw malformed(`a length of ${v} bytes is longer than the whole pickle`, this.#pos - 8);
    }
    return Number(v);
  }
  #bytes(n: number): Uint8Array {
    const at = this.#need(n);
    return this.#data.subarray(at, at + n);
  }
  #line(): string {
    const start = this.#pos;
    const end = this.#data.indexOf(0x0a, start);
    if (end < 0) throw malformed("the pickle is truncated inside a text line", start);
    this.#pos = end + 1;
    this.#budget.allocate(end - start, "a text line");
    let s = "";
    for (let i = start; i < end; i++) s += String.fromCharCode(this.#data[i]!);
    return s;
  }
  #utf8(n: number): string {
    const b = this.#bytes(n);
    this.#budget.allocate(n, "a string");
    // Short ASCII strings (attribute names, class paths) are most of a model's strings: skip the decoder.
    if (n <= 64) {
      let ascii = true;
      for (let i = 0; i < n; i++) {
        if (b[i]! >= 0x80) {
          ascii = false;
          break;
        }
      }
      if (ascii) return String.fromCharCode.apply(null, b as unknown as number[]);
    }
    try {
      return utf8.decode(b);
    } catch {
      throw malformed("a str is not valid UTF-8", this.#pos - n);
    }
  }

  // ---- the stack -----------------------------------------------------------------------------------

  #push(v: unknown): void {
    if (this.#stack.length >= this.#limits.maxStack) {
      throw limitExceeded(`the pickle stack grows past ${this.#limits.maxStack} values`);
    }
    this.#stack.push(v);
  }
  #pop(): unknown {
    if (this.#stack.length === 0 || this.#stack.length <= (this.#marks[this.#marks.length - 1] ?? -1)) {
      throw malformed("the pickle pops from an empty stack", this.#pos - 1);
    }
    return this.#stack.pop();
  }
  #top(): unknown {
    if (this.#stack.length === 0 || this.#stack.length <= (this.#marks[this.#marks.length - 1] ?? -1)) {
      throw malformed("the pickle reads an empty stack", this.#pos - 1);
    }
    return this.#stack[this.#stack.length - 1];
  }
  #mark(): void {
    if (this.#marks.length >= this.#limits.maxMarks) {
      throw limitExceeded(`the pickle nests more than ${this.#limits.maxMarks} MARKs`);
    }
    this.#marks.push(this.#stack.length);
  }
  #popMark(): unknown[] {
    const at = this.#marks.pop();
    if (at === undefined) throw malformed("the pickle has no MARK to pop to", this.#pos - 1);
    const items = this.#stack.splice(at);
    this.#budget.work(items.length, "items after a MARK");
    return items;
  }
  #memoize(index: number, value: unknown): void {
    if (!this.#memo.has(index) && this.#memo.size >= this.#limits.maxMemo) {
      throw limitExceeded(`the pickle memo grows past ${this.#limits.maxMemo} entries`);
    }
    this.#memo.set(index, value);
  }
  #get(index: number): void {
    if (!this.#memo.has(index)) throw malformed(`memo entry ${index} was never stored`, this.#pos);
    this.#push(this.#memo.get(index));
  }

  // ---- globals and calls ---------------------------------------------------------------------------

  #global(module: string, name: string): void {
    if (this.#proto < 3 && PY2_MODULES[module] !== undefined) module = PY2_MODULES[module]!;
    const qualified = `${module}.${name}`;
    if (INTRINSICS.has(qualified) || this.#allow.has(qualified)) {
      this.#push(new PyGlobal(module, name));
      return;
    }
    const reason = classifyGlobal(module, name);
    const refused = new RefusedGlobal(qualified, reason);
    if (reason === "dangerous")
      throw refusalError(refused, refused, { owner: undefined, key: undefined }, this.#describe, this.#pos);
    this.#refused ??= { global: refused, offset: this.#pos };
    this.#push(refused);
  }

  #handlerFor(g: PyGlobal): ClassHandler | undefined {
    return this.#allow.get(g.qualifiedName);
  }

  #create(g: PyGlobal, args: PyTuple, how: CallKind, kwargs?: PyDict): unknown {
    const ctx: CallContext = { global: g.qualifiedName, how, kwargs, budget: this.#budget };
    if (this.#refused !== undefined) {
      const rec = new PyObject(g.qualifiedName, args, how, kwargs);
      this.#owners.set(rec, { handler: inertRecord as ClassHandler, ctx });
      return rec;
    }
    const handler = this.#handlerFor(g);
    if (handler?.create === undefined) {
      throw new PickleError(
        "refused",
        `${g.qualifiedName} is allowed only as a value, but the pickle calls it; refusing to build it`,
        { global: g.qualifiedName, offset: this.#pos },
      );
    }
    const obj = this.#guard(g.qualifiedName, () => handler.create!(args, ctx));
    if (typeof obj === "object" && obj !== null) this.#owners.set(obj, { handler, ctx });
    return obj;
  }

  #guard<T>(global: string, run: () => T): T {
    try {
      return run();
    } catch (err) {
      if (err instanceof MlflowException) throw err;
      throw new PickleError("malformed", `${global}: ${err instanceof Error ? err.message : String(err)}`, {
        global,
        offset: this.#pos,
        cause: err,
      });
    }
  }

  #call(callee: unknown, args: unknown, how: CallKind, kwargs?: PyDict): unknown {
    if (!Array.isArray(args))
      throw malformed(`call arguments must be a tuple, not ${typeName(args)}`, this.#pos);
    const argv = args as PyTuple;
    if (isRefused(callee)) {
      const call = new RefusedCall(callee, argv);
      if (argv[0] instanceof RefusedCall) argv[0].later.push(call);
      return call;
    }
    if (!(callee instanceof PyGlobal)) {
      throw malformed(`the pickle calls a ${typeName(callee)}, which is not a class or function`, this.#pos);
    }
    switch (callee.qualifiedName) {
      case "copyreg._reconstructor": {
        // Protocols 0-1: copyreg._reconstructor(cls, object, None) is object.__new__(cls).
        const [cls, base, state] = argv;
        if (isRefused(cls)) return new RefusedCall(cls, []);
        if (
          !(cls instanceof PyGlobal) ||
          !(base instanceof PyGlobal) ||
          base.qualifiedName !== "builtins.object" ||
          state !== null
        ) {
          throw malformed(
            "copyreg._reconstructor is supported for plain classes (base object, no state)",
            this.#pos,
          );
        }
        return this.#create(cls, [], "newobj");
      }
      case "copyreg.__newobj__": {
        const [cls, ...rest] = argv;
        if (isRefused(cls)) return new RefusedCall(cls, rest);
        if (!(cls instanceof PyGlobal)) throw malformed("copyreg.__newobj__ needs a class", this.#pos);
        return this.#create(cls, tuple(rest), "newobj");
      }
      case "copyreg.__newobj_ex__": {
        const [cls, a, kw] = argv;
        if (isRefused(cls)) return new RefusedCall(cls, []);
        if (!(cls instanceof PyGlobal) || !Array.isArray(a) || !(kw instanceof Map)) {
          throw malformed("copyreg.__newobj_ex__(cls, args, kwargs)", this.#pos);
        }
        return this.#create(cls, a as PyTuple, "newobj", kw);
      }
      case "_codecs.encode": {
        // Protocol 2 writes bytes as _codecs.encode(latin-1 text, 'latin1').
        const [text, enc] = argv;
        if (typeof text !== "string" || (enc !== "latin1" && enc !== "latin-1")) {
          throw malformed("_codecs.encode is supported only as protocol 2's encoding of bytes", this.#pos);
        }
        this.#budget.allocate(text.length, "bytes");
        const out = new Uint8Array(text.length);
        for (let i = 0; i < text.length; i++) {
          const c = text.charCodeAt(i);
          if (c > 255) throw malformed("_codecs.encode of non latin-1 text", this.#pos);
          out[i] = c;
        }
        return out;
      }
    }
    return this.#create(callee, argv, how, kwargs);
  }

  #owner(obj: unknown): Owner | undefined {
    return typeof obj === "object" && obj !== null ? this.#owners.get(obj) : undefined;
  }

  #build(obj: unknown, state: unknown): void {
    if (isRefused(obj)) return;
    const size = state instanceof Map ? state.size : Array.isArray(state) ? state.length : 1;
    this.#budget.work(size, "BUILD state");
    const owner = this.#owner(obj);
    if (owner === undefined) throw malformed(`BUILD on a ${typeName(obj)}, which takes no state`, this.#pos);
    if (this.#refused !== undefined && !(obj instanceof PyObject && owner.handler === inertRecord)) {
      const list = this.#pending.get(obj as object) ?? [];
      list.push(state);
      this.#pending.set(obj as object, list);
      return;
    }
    const { handler, ctx } = owner;
    if (handler.setState === undefined) {
      throw new PickleError("refused", `${ctx.global} takes no state, but the pickle gives it some (BUILD)`, {
        global: ctx.global,
        offset: this.#pos,
      });
    }
    this.#guard(ctx.global, () => handler.setState!(obj, state, ctx));
  }

  #items(target: unknown, pairs: unknown[]): void {
    if (pairs.length % 2 !== 0) throw malformed("SETITEMS with an odd number of items", this.#pos);
    if (isRefused(target)) return;
    if (target instanceof Map) {
      for (let i = 0; i < pairs.length; i += 2) target.set(pairs[i], pairs[i + 1]);
      return;
    }
    this.#each(
      target,
      "setItem",
      "SETITEM",
      (h, ctx) => {
        for (let i = 0; i < pairs.length; i += 2) h.setItem!(target, pairs[i], pairs[i + 1], ctx);
      },
      pairs,
    );
  }

  #appends(target: unknown, items: unknown[]): void {
    if (isRefused(target)) return;
    if (Array.isArray(target) && !Object.isFrozen(target)) {
      for (const item of items) target.push(item);
      return;
    }
    this.#each(
      target,
      "append",
      "APPEND",
      (h, ctx) => {
        for (const item of items) h.append!(target, item, ctx);
      },
      items,
    );
  }

  #adds(target: unknown, items: unknown[]): void {
    if (isRefused(target)) return;
    if (target instanceof Set && !(target instanceof PyFrozenSet)) {
      for (const item of items) target.add(item);
      return;
    }
    this.#each(
      target,
      "add",
      "ADDITEMS",
      (h, ctx) => {
        for (const item of items) h.add!(target, item, ctx);
      },
      items,
    );
  }

  #each(
    target: unknown,
    method: "setItem" | "append" | "add",
    op: string,
    run: (h: ClassHandler, ctx: CallContext) => void,
    items: unknown[],
  ): void {
    const owner = this.#owner(target);
    if (owner === undefined) throw malformed(`${op} on a ${typeName(target)}`, this.#pos);
    if (this.#refused !== undefined && !(target instanceof PyObject && owner.handler === inertRecord)) {
      const list = this.#pending.get(target as object) ?? [];
      list.push(items);
      this.#pending.set(target as object, list);
      return;
    }
    if (owner.handler[method] === undefined) {
      throw new PickleError("refused", `${owner.ctx.global} does not take ${op}`, {
        global: owner.ctx.global,
        offset: this.#pos,
      });
    }
    this.#guard(owner.ctx.global, () => run(owner.handler, owner.ctx));
  }

  // ---- protocol 0 text values ------------------------------------------------------------------------

  #textInt(s: string): number | bigint | boolean {
    if (s === "00") return false;
    if (s === "01") return true;
    const t = s.endsWith("L") ? s.slice(0, -1) : s;
    if (!/^[+-]?\d{1,4300}$/.test(t))
      throw malformed(`bad int literal ${JSON.stringify(s.slice(0, 40))}`, this.#pos);
    return normalizeInt(BigInt(t));
  }

  #textFloat(s: string): number {
    const t = s.trim().toLowerCase();
    if (t === "nan" || t === "+nan" || t === "-nan") return Number.NaN;
    if (t === "inf" || t === "+inf" || t === "infinity") return Number.POSITIVE_INFINITY;
    if (t === "-inf" || t === "-infinity") return Number.NEGATIVE_INFINITY;
    if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(t))
      throw malformed(`bad float literal ${JSON.stringify(s.slice(0, 40))}`, this.#pos);
    return Number(t);
  }

  /** STRING: a Python 2 `repr` of a byte string; kept as a latin-1 str. */
  #textString(s: string): string {
    const q = s[0];
    if (s.length < 2 || (q !== "'" && q !== '"') || s[s.length - 1] !== q) {
      throw malformed("STRING opcode argument must be quoted", this.#pos);
    }
    const body = s.slice(1, -1);
    let out = "";
    for (let i = 0; i < body.length; i++) {
      const c = body[i]!;
      if (c !== "\\") {
        out += c;
        continue;
      }
      const n = body[++i];
      const simple: Record<string, string> = {
        n: "\n",
        t: "\t",
        r: "\r",
        "\\": "\\",
        "'": "'",
        '"': '"',
        a: "\x07",
        b: "\b",
        f: "\f",
        v: "\v",
        "\n": "",
      };
      if (n !== undefined && simple[n] !== undefined) out += simple[n];
      else if (n === "x" && /^[0-9a-fA-F]{2}$/.test(body.slice(i + 1, i + 3))) {
        out += String.fromCharCode(Number.parseInt(body.slice(i + 1, i + 3), 16));
        i += 2;
      } else if (n !== undefined && /[0-7]/.test(n)) {
        const oct = /^[0-7]{1,3}/.exec(body.slice(i, i + 3))![0];
        out += String.fromCharCode(Number.parseInt(oct, 8) & 0xff);
        i += oct.length - 1;
      } else throw malformed("bad escape in a STRING opcode", this.#pos);
    }
    return out;
  }

  /** UNICODE: raw-unicode-escape text (\uXXXX and \UXXXXXXXX escapes, other bytes latin-1). */
  #rawUnicode(s: string): string {
    return s.replace(
      /\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g,
      (_, u4: string | undefined, u8: string | undefined) => {
        const cp = Number.parseInt((u4 ?? u8)!, 16);
        if (cp > 0x10ffff) throw malformed("bad \\U escape in a UNICODE opcode", this.#pos);
        return String.fromCodePoint(cp);
      },
    );
  }

  #long(n: number): number | bigint {
    const b = this.#bytes(n);
    if (n === 0) return 0;
    this.#budget.work(n, "a long int");
    let hex = "";
    for (let i = n - 1; i >= 0; i--) hex += b[i]!.toString(16).padStart(2, "0");
    let v = BigInt(`0x${hex}`);
    if (b[n - 1]! & 0x80) v -= 1n << BigInt(8 * n);
    return normalizeInt(v);
  }

  // ---- the interpreter loop ------------------------------------------------------------------------

  run(): unknown {
    for (;;) {
      const at = this.#pos;
      if (at >= this.#data.length) throw malformed("the pickle ends without STOP", at);
      const op = this.#data[this.#pos++]!;
      switch (op) {
        case 0x80: {
          // PROTO
          const p = this.#u8();
          if (p > 5) throw malformed(`pickle protocol ${p} is not supported (0-5 are)`, at);
          this.#proto = p;
          break;
        }
        case 0x95: // FRAME: a length hint; the frame must fit in the file.
          this.#u64();
          break;
        case 0x2e: // STOP
          return this.#finish(this.#pop());
        case 0x28: // MARK
          this.#mark();
          break;
        case 0x30: // POP
          if (this.#stack.length > (this.#marks[this.#marks.length - 1] ?? 0) || this.#marks.length === 0)
            this.#pop();
          else this.#popMark();
          break;
        case 0x31: // POP_MARK
          this.#popMark();
          break;
        case 0x32: // DUP
          this.#push(this.#top());
          break;
        // ---- ints, floats
        case 0x4a: // BININT
          this.#push(this.#i32());
          break;
        case 0x4b: // BININT1
          this.#push(this.#u8());
          break;
        case 0x4d: // BININT2
          this.#push(this.#u16());
          break;
        case 0x8a: // LONG1
          this.#push(this.#long(this.#u8()));
          break;
        case 0x8b: {
          // LONG4
          const n = this.#i32();
          if (n < 0) throw malformed("LONG4 with a negative length", at);
          this.#push(this.#long(n));
          break;
        }
        case 0x49: // INT
          this.#push(this.#textInt(this.#line()));
          break;
        case 0x4c: // LONG
          this.#push(this.#textInt(this.#line()));
          break;
        case 0x46: // FLOAT
          this.#push(this.#textFloat(this.#line()));
          break;
        case 0x47: // BINFLOAT
          this.#push(this.#view.getFloat64(this.#need(8), false));
          break;
        case 0x4e: // NONE
          this.#push(null);
          break;
        case 0x88: // NEWTRUE
          this.#push(true);
          break;
        case 0x89: // NEWFALSE
          this.#push(false);
          break;
        // ---- str, bytes
        case 0x58: // BINUNICODE
          this.#push(this.#utf8(this.#u32()));
          break;
        case 0x8c: // SHORT_BINUNICODE
          this.#push(this.#utf8(this.#u8()));
          break;
        case 0x8d: // BINUNICODE8
          this.#push(this.#utf8(this.#u64()));
          break;
        case 0x56: // UNICODE
          this.#push(this.#rawUnicode(this.#line()));
          break;
        case 0x53: // STRING
          this.#push(this.#textString(this.#line()));
          break;
        case 0x54: {
          // BINSTRING
          const n = this.#i32();
          if (n < 0) throw malformed("BINSTRING with a negative length", at);
          this.#push(this.#latin1(n));
          break;
        }
        case 0x55: // SHORT_BINSTRING
          this.#push(this.#latin1(this.#u8()));
          break;
        case 0x42: // BINBYTES
          this.#push(this.#bytes(this.#u32()));
          break;
        case 0x43: // SHORT_BINBYTES
          this.#push(this.#bytes(this.#u8()));
          break;
        case 0x8e: // BINBYTES8
          this.#push(this.#bytes(this.#u64()));
          break;
        case 0x96: // BYTEARRAY8
          this.#push(this.#bytes(this.#u64()));
          break;
        case 0x97: {
          // NEXT_BUFFER
          const next = this.#buffers?.next();
          if (next === undefined || next.done) {
            throw malformed(
              "the pickle uses an out-of-band buffer (protocol 5) that was not passed in `buffers`",
              at,
            );
          }
          this.#push(next.value);
          break;
        }
        case 0x98: // READONLY_BUFFER: data here is never written, nothing to do.
          this.#top();
          break;
        // ---- containers
        case 0x29: // EMPTY_TUPLE
          this.#push(tuple([]));
          break;
        case 0x74: // TUPLE
          this.#push(tuple(this.#popMark()));
          break;
        case 0x85: // TUPLE1
          this.#push(tuple([this.#pop()]));
          break;
        case 0x86: {
          // TUPLE2
          const b = this.#pop();
          this.#push(tuple([this.#pop(), b]));
          break;
        }
        case 0x87: {
          // TUPLE3
          const c = this.#pop();
          const b = this.#pop();
          this.#push(tuple([this.#pop(), b, c]));
          break;
        }
        case 0x5d: // EMPTY_LIST
          this.#push([]);
          break;
        case 0x6c: // LIST
          this.#push(this.#popMark());
          break;
        case 0x61: {
          // APPEND
          const v = this.#pop();
          this.#appends(this.#top(), [v]);
          break;
        }
        case 0x65: {
          // APPENDS
          const items = this.#popMark();
          this.#appends(this.#top(), items);
          break;
        }
        case 0x7d: // EMPTY_DICT
          this.#push(new Map());
          break;
        case 0x64: {
          // DICT
          const items = this.#popMark();
          const d: PyDict = new Map();
          this.#items(d, items);
          this.#push(d);
          break;
        }
        case 0x73: {
          // SETITEM
          const v = this.#pop();
          const k = this.#pop();
          this.#items(this.#top(), [k, v]);
          break;
        }
        case 0x75: {
          // SETITEMS
          const items = this.#popMark();
          this.#items(this.#top(), items);
          break;
        }
        case 0x8f: // EMPTY_SET
          this.#push(new Set());
          break;
        case 0x90: {
          // ADDITEMS
          const items = this.#popMark();
          this.#adds(this.#top(), items);
          break;
        }
        case 0x91: // FROZENSET
          this.#push(new PyFrozenSet(this.#popMark()));
          break;
        // ---- memo
        case 0x94: // MEMOIZE
          this.#memoize(this.#memo.size, this.#top());
          break;
        case 0x70: // PUT
          this.#memoize(this.#memoIndex(this.#line()), this.#top());
          break;
        case 0x71: // BINPUT
          this.#memoize(this.#u8(), this.#top());
          break;
        case 0x72: // LONG_BINPUT
          this.#memoize(this.#u32(), this.#top());
          break;
        case 0x67: // GET
          this.#get(this.#memoIndex(this.#line()));
          break;
        case 0x68: // BINGET
          this.#get(this.#u8());
          break;
        case 0x6a: // LONG_BINGET
          this.#get(this.#u32());
          break;
        // ---- globals, objects
        case 0x63: {
          // GLOBAL
          const module = this.#line();
          const name = this.#line();
          this.#global(module, name);
          break;
        }
        case 0x93: {
          // STACK_GLOBAL
          const name = this.#pop();
          const module = this.#pop();
          if (typeof module !== "string" || typeof name !== "string") {
            throw malformed("STACK_GLOBAL needs two str values", at);
          }
          this.#global(module, name);
          break;
        }
        case 0x52: {
          // REDUCE
          const args = this.#pop();
          const callee = this.#pop();
          this.#push(this.#call(callee, args, "reduce"));
          break;
        }
        case 0x81: {
          // NEWOBJ
          const args = this.#pop();
          const cls = this.#pop();
          this.#push(this.#call(cls, args, "newobj"));
          break;
        }
        case 0x92: {
          // NEWOBJ_EX
          const kwargs = this.#pop();
          const args = this.#pop();
          const cls = this.#pop();
          if (!(kwargs instanceof Map)) throw malformed("NEWOBJ_EX keyword arguments must be a dict", at);
          this.#push(this.#call(cls, args, "newobj", kwargs));
          break;
        }
        case 0x62: {
          // BUILD
          const state = this.#pop();
          this.#build(this.#top(), state);
          break;
        }
        case 0x69: {
          // INST
          const module = this.#line();
          const name = this.#line();
          throw new PickleError(
            "refused",
            `The pickle builds ${module}.${name} with the INST opcode (a call by name from protocol 0), which this reader never does; re-save the model with pickle protocol 2 or newer`,
            { global: `${module}.${name}`, offset: at },
          );
        }
        case 0x6f: // OBJ
          throw new PickleError(
            "refused",
            "The pickle builds an object with the OBJ opcode (a call of an arbitrary stack value), which this reader never does; re-save the model with pickle protocol 2 or newer",
            { offset: at },
          );
        case 0x50: // PERSID
        case 0x51: // BINPERSID
          throw new PickleError(
            "refused",
            "The pickle refers to a persistent id, an object stored outside the file that only the program that wrote it can resolve; it cannot be loaded here",
            { offset: at },
          );
        case 0x82: // EXT1
        case 0x83: // EXT2
        case 0x84: // EXT4
          throw new PickleError(
            "refused",
            "The pickle uses the copyreg extension registry (EXT1/EXT2/EXT4), which names classes by a number registered in the writing process; it cannot be loaded here",
            { offset: at },
          );
        default:
          throw malformed(`unknown pickle opcode 0x${op.toString(16).padStart(2, "0")}`, at);
      }
    }
  }

  #latin1(n: number): string {
    const b = this.#bytes(n);
    this.#budget.allocate(n, "a string");
    let s = "";
    for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode(...b.subarray(i, i + 8192));
    return s;
  }

  #memoIndex(s: string): number {
    if (!/^\d{1,10}$/.test(s)) throw malformed(`bad memo index ${JSON.stringify(s.slice(0, 20))}`, this.#pos);
    return Number(s);
  }

  #finish(result: unknown): unknown {
    const { refused } = walk(
      result,
      this.#limits.maxDepth,
      (obj) => this.#pending.get(obj),
      (n) => this.#budget.work(n, "checking the result"),
    );
    if (this.#refused !== undefined) {
      const site = refused !== undefined ? this.#site(refused.path) : { owner: undefined, key: undefined };
      throw refusalError(
        this.#refused.global,
        refused?.value ?? this.#refused.global,
        site,
        this.#describe,
        this.#refused.offset,
      );
    }
    return result;
  }

  /** The nearest object on the path that a handler built, and the attribute / key under it. */
  #site(path: { node: object; step: string | number | undefined }[]): RefusalSite {
    for (let i = path.length - 2; i >= 0; i--) {
      const node = path[i]!.node;
      const owner = this.#owners.get(node);
      if (owner === undefined) continue;
      const below = path[i + 1]?.step;
      let key: string | number | undefined = below;
      if (below === "state" || below === "args" || below === "items" || below === "list") {
        // The step after the state dict is the attribute name.
        const after = path[i + 2]?.step;
        if (after !== undefined && after !== "key") key = after;
      }
      return { owner: owner.ctx.global, key };
    }
    return { owner: undefined, key: undefined };
  }

  /** The refusal, if one was seen: it wins over a later malformed byte (the file is refused either way). */
  refusalOr(err: unknown): unknown {
    if (this.#refused === undefined || (err instanceof PickleError && err.kind === "refused")) return err;
    return refusalError(
      this.#refused.global,
      this.#refused.global,
      { owner: undefined, key: undefined },
      this.#describe,
      this.#refused.offset,
    );
  }
}

/**
 * Read a pickle (protocols 0-5, as pickle and cloudpickle write them) into plain data. Classes and functions
 * resolve only through `options.allowlist`; nothing in the file is ever executed. Throws a PickleError for
 * anything refused, malformed or over the limits.
 */
export function readPickle(bytes: Uint8Array, options: ReadPickleOptions): unknown {
  if (!(bytes instanceof Uint8Array)) throw new TypeError("readPickle needs a Uint8Array (or Buffer)");
  if (!(options?.allowlist instanceof Allowlist)) throw new TypeError("readPickle needs options.allowlist");
  const u = new Unpickler(bytes, options);
  try {
    return u.run();
  } catch (caught) {
    const err = u.refusalOr(caught);
    if (err instanceof MlflowException) throw err;
    if (err instanceof RangeError) {
      throw new PickleError("limit", `reading the pickle ran out of resources: ${err.message}`, {
        cause: err,
      });
    }
    throw err;
  }
}
