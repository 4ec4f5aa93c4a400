import type { Refusal, RefusalDescriber } from "./allowlist.js";
import { PickleError } from "./errors.js";

/** A global the file names that is not on the allowlist; kept (never resolved) while reading goes on. */
export class RefusedGlobal {
  constructor(
    readonly global: string,
    readonly reason: Refusal["reason"],
  ) {}
}

/** A call on a refused global (or on the result of one): recorded, never made. */
export class RefusedCall {
  /** Calls that took this value as their first argument (cloudpickle's `_function_setstate(func, state)`). */
  readonly later: RefusedCall[] = [];
  constructor(
    readonly callee: RefusedGlobal | RefusedCall,
    readonly args: readonly unknown[],
  ) {}

  get root(): RefusedGlobal {
    let c: RefusedGlobal | RefusedCall = this.callee;
    while (c instanceof RefusedCall) c = c.callee;
    return c;
  }
}

// Modules whose every global builds or runs Python code objects (pickling functions by value).
const CODE_MODULES = /^(cloudpickle|dill|marshal|types)(\.|$)/;
// Globals that run commands, code, imports, file or network access, or reach arbitrary attributes.
const DANGEROUS_MODULES =
  /^(os|posix|nt|subprocess|sys|importlib|pty|socket|shutil|runpy|code|codeop|ctypes|webbrowser|io|_io|pathlib|tempfile|multiprocessing|threading|_thread|signal|asyncio|urllib|http|ftplib|smtplib|telnetlib|platform|pdb|bdb|timeit|trace|profile|cProfile|operator|functools|inspect|gc|pickle|_pickle|pickletools|shelve)(\.|$)/;
const DANGEROUS_BUILTINS = new Set([
  "eval",
  "exec",
  "compile",
  "getattr",
  "setattr",
  "delattr",
  "__import__",
  "open",
  "input",
  "breakpoint",
  "globals",
  "locals",
  "vars",
  "help",
  "exit",
  "quit",
  "memoryview",
  "classmethod",
  "staticmethod",
  "property",
  "super",
  "type",
]);

export function classifyGlobal(module: string, name: string): Refusal["reason"] {
  if (CODE_MODULES.test(module)) return "python-code";
  if ((module === "builtins" || module === "__builtin__") && DANGEROUS_BUILTINS.has(name)) return "dangerous";
  if (DANGEROUS_MODULES.test(module)) return "dangerous";
  return "not-allowed";
}

function shortName(qualified: string): string {
  const i = qualified.lastIndexOf(".");
  return i < 0 ? qualified : qualified.slice(i + 1);
}

/** `key` of a state dict, or of either dict of a `(state, slotstate)` pair (cloudpickle puts names in the second). */
function stringFrom(state: unknown, key: string): string | undefined {
  const parts = Array.isArray(state) ? state : [state];
  for (const part of parts) {
    const v = part instanceof Map ? part.get(key) : undefined;
    if (typeof v === "string") return v;
  }
  return undefined;
}

/** The name of a Python function pickled by value, read from cloudpickle's state or its code object. */
export function functionNameOf(value: unknown): string | undefined {
  if (!(value instanceof RefusedCall)) return undefined;
  for (const call of value.later) {
    for (const arg of call.args.slice(1)) {
      const name = stringFrom(arg, "__name__") ?? stringFrom(arg, "__qualname__");
      if (name !== undefined) return name;
    }
  }
  const code = value.args[0];
  if (code instanceof RefusedCall) {
    // types.CodeType(argcount, posonlyargcount, kwonlyargcount, nlocals, stacksize, flags, code, consts,
    // names, varnames, filename, name, ...) since Python 3.8; one field fewer before.
    for (const i of [11, 10]) {
      const name = code.args[i];
      if (typeof name === "string") return name;
    }
  }
  for (const arg of value.args) if (typeof arg === "string" && arg.length > 0) return arg;
  return undefined;
}

export interface RefusalSite {
  owner: string | undefined;
  key: string | number | undefined;
}

export function refusalError(
  refused: RefusedGlobal,
  value: unknown,
  site: RefusalSite,
  describe: RefusalDescriber | undefined,
  offset: number | undefined,
): PickleError {
  const functionName = refused.reason === "python-code" ? functionNameOf(value) : undefined;
  const where =
    site.owner !== undefined
      ? `${shortName(site.owner)}(${site.key === undefined ? "…" : String(site.key)}=${
          functionName ?? (refused.reason === "python-code" ? "<function>" : shortName(refused.global))
        })`
      : undefined;
  let defaultMessage: string;
  switch (refused.reason) {
    case "python-code":
      defaultMessage = `${where ?? `The model's ${functionName ?? "function"}`} holds Python code (a function pickled by value: ${refused.global}); it cannot be loaded outside Python. Use a numpy ufunc or a scikit-learn transformer instead of a custom function, or convert the model to ONNX.`;
      break;
    case "dangerous":
      defaultMessage = `Refusing ${refused.global}: it runs code, commands or imports, which no model needs. The file is unsafe; do not load it in Python either.`;
      break;
    default:
      defaultMessage = `${refused.global} is not supported${where !== undefined ? ` (in ${where})` : ""}: it is not on the allowlist of classes this reader can load. Convert the model to ONNX or use only supported classes.`;
  }
  const refusal: Refusal = {
    global: refused.global,
    reason: refused.reason,
    owner: site.owner,
    key: site.key,
    functionName,
    defaultMessage,
  };
  const message = describe?.(refusal) ?? defaultMessage;
  return new PickleError("refused", message, { global: refused.global, offset });
}
