import { existsSync, rmSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Allowlist, type ClassHandler, inertRecord } from "./allowlist.js";
import { PickleError } from "./errors.js";
import type { NdArray } from "./numpy/ndarray.js";
import { standardAllowlist } from "./standard.js";
import { fixture } from "./test-helpers.js";
import { readPickle } from "./unpickler.js";

const PWNED = "/tmp/pyfunc-pickle-pwned";

/** An allowlist whose every handler records that it ran: a refused file must leave it empty. */
function spyAllowlist(): { list: Allowlist; calls: string[] } {
  const calls: string[] = [];
  const list = new Allowlist();
  for (const [name, handler] of standardAllowlist().entries()) {
    const spy: ClassHandler = {};
    for (const method of ["create", "setState", "setItem", "append", "add"] as const) {
      const fn = handler[method] as ((...a: unknown[]) => unknown) | undefined;
      if (fn !== undefined) {
        (spy as Record<string, unknown>)[method] = (...a: unknown[]) => {
          calls.push(`${name}.${method}`);
          return fn(...a);
        };
      }
    }
    list.register(name, spy);
  }
  return { list, calls };
}

function refusal(name: string, allowlist: Allowlist = standardAllowlist()): PickleError {
  try {
    readPickle(fixture("pickles", name), { allowlist });
  } catch (err) {
    expect(err).toBeInstanceOf(PickleError);
    return err as PickleError;
  }
  throw new Error(`${name} was read without an error`);
}

/** Heap + array buffers grown while `run` reads the file (a coarse bound: bombs would need gigabytes). */
function grownBytes(run: () => void): number {
  const before = process.memoryUsage();
  run();
  const after = process.memoryUsage();
  return after.heapUsed - before.heapUsed + (after.arrayBuffers - before.arrayBuffers);
}

describe("code-executing pickles are refused, never run", () => {
  const cases: [string, string, RegExp][] = [
    ["evil-os-system.pkl", "posix.system", /runs code, commands or imports/],
    ["evil-os-system-p0.pkl", "posix.system", /runs code, commands or imports/],
    ["evil-eval.pkl", "builtins.eval", /Refusing builtins\.eval/],
    ["evil-exec.pkl", "builtins.exec", /Refusing builtins\.exec/],
    ["evil-popen.pkl", "subprocess.Popen", /Refusing subprocess\.Popen/],
    ["evil-getattr.pkl", "builtins.getattr", /Refusing builtins\.getattr/],
    ["evil-import.pkl", "builtins.__import__", /Refusing builtins\.__import__/],
  ];
  for (const [file, global, message] of cases) {
    it(`refuses ${file}, naming ${global}, with no handler run and no side effect`, () => {
      rmSync(PWNED, { force: true });
      const { list, calls } = spyAllowlist();
      const err = refusal(file, list);
      expect(err.kind).toBe("refused");
      expect(err.global).toBe(global);
      expect(err.errorCode).toBe("INVALID_PARAMETER_VALUE");
      expect(err.message).toMatch(message);
      expect(calls).toEqual([]);
      expect(existsSync(PWNED)).toBe(false);
    });
  }

  const opcodes: [string, RegExp][] = [
    ["evil-inst.pkl", /os\.system with the INST opcode/],
    ["evil-obj.pkl", /Refusing posix\.system|Refusing os\.system/],
    ["evil-obj-allowed.pkl", /OBJ opcode/],
    ["evil-persid.pkl", /persistent id/],
    ["evil-binpersid.pkl", /persistent id/],
    ["evil-ext1.pkl", /extension registry/],
    ["evil-ext2.pkl", /extension registry/],
    ["evil-ext4.pkl", /extension registry/],
  ];
  for (const [file, message] of opcodes) {
    it(`refuses ${file} (an opcode no model needs)`, () => {
      const err = refusal(file);
      expect(err.kind).toBe("refused");
      expect(err.message).toMatch(message);
    });
  }
});

describe("cloudpickle functions pickled by value", () => {
  const sklearn = () =>
    standardAllowlist().register(
      "sklearn.preprocessing._function_transformer.FunctionTransformer",
      inertRecord,
    );

  it("refuses a lambda in a FunctionTransformer, naming the owner, the attribute and the function", () => {
    const err = refusal("cloudpickle-lambda.pkl", sklearn());
    expect(err.kind).toBe("refused");
    expect(err.global).toMatch(/^cloudpickle\./);
    expect(err.message).toMatch(
      /^FunctionTransformer\(func=<lambda>\) holds Python code .*; it cannot be loaded outside Python/,
    );
  });

  it("names a def'd function pickled by value too", () => {
    const err = refusal("cloudpickle-named.pkl", sklearn());
    expect(err.message).toMatch(/^FunctionTransformer\(func=named_function\) holds Python code/);
  });

  it("lets the flavor word the message from the refusal's context", () => {
    let seen: unknown;
    try {
      readPickle(fixture("pickles", "cloudpickle-lambda.pkl"), {
        allowlist: sklearn(),
        describeRefusal: (r) => {
          seen = r;
          return `${r.owner?.split(".").pop()}(${r.key}=${r.functionName}) holds Python code; it cannot be loaded outside Python`;
        },
      });
    } catch (err) {
      expect((err as PickleError).message).toBe(
        "FunctionTransformer(func=<lambda>) holds Python code; it cannot be loaded outside Python",
      );
    }
    expect(seen).toMatchObject({
      reason: "python-code",
      owner: "sklearn.preprocessing._function_transformer.FunctionTransformer",
      key: "func",
      functionName: "<lambda>",
    });
  });

  it("finds the owner and attribute inside objects built by a flavor's own handlers, and runs none after the refusal", () => {
    const calls: string[] = [];
    const opaque = (name: string) => ({
      create: () => {
        calls.push(`${name}.create`);
        return { name };
      },
      setState: () => {
        calls.push(`${name}.setState`);
      },
    });
    const list = standardAllowlist().register(
      "sklearn.preprocessing._function_transformer.FunctionTransformer",
      opaque("FunctionTransformer"),
    );
    const err = refusal("cloudpickle-lambda.pkl", list);
    expect(err.message).toMatch(/^FunctionTransformer\(func=<lambda>\) holds Python code/);
    // Created before the refusal was seen; its state (which holds the lambda) was never handed over.
    expect(calls).toEqual(["FunctionTransformer.create"]);
  });

  it("refuses the lambda even when the class around it is not allowed", () => {
    const err = refusal("cloudpickle-lambda.pkl");
    expect(err.kind).toBe("refused");
  });
});

describe("bombs and broken files end in a typed error, within bounded memory", () => {
  const cases: [string, PickleError["kind"], RegExp][] = [
    ["bomb-nesting.pkl", "limit", /nested more than 1000 levels/],
    ["bomb-memo-chain.pkl", "limit", /nested more than 1000 levels/],
    ["bomb-marks.pkl", "limit", /MARKs/],
    ["bomb-build-merge.pkl", "limit", /more work than its size allows/],
    ["bomb-set-repeat.pkl", "limit", /more work than its size allows|would allocate/],
    ["bomb-object-array-repeat.pkl", "limit", /more work than its size allows|would allocate/],
    ["bomb-numpy-huge.pkl", "malformed", /needs 8000000000000 bytes, the file has 8/],
    ["bomb-numpy-huge-2d.pkl", "malformed", /more elements than can exist/],
    ["bomb-numpy-empty-elements.pkl", "limit", /would allocate/],
    ["bomb-numpy-negative.pkl", "malformed", /bad numpy shape dimension -5/],
    ["broken-long4.pkl", "malformed", /truncated/],
    ["broken-binunicode8.pkl", "malformed", /longer than the whole pickle/],
    ["broken-frame.pkl", "malformed", /longer than the whole pickle/],
    ["broken-get.pkl", "malformed", /memo entry 7 was never stored/],
    ["broken-stack-global.pkl", "malformed", /STACK_GLOBAL needs two str/],
    ["broken-no-stop.pkl", "malformed", /ends without STOP/],
    ["broken-protocol.pkl", "malformed", /protocol 9/],
    ["broken-utf8.pkl", "malformed", /not valid UTF-8/],
    ["broken-pop-empty.pkl", "malformed", /empty stack/],
  ];
  const allowlist = standardAllowlist().register("mylib.Thing", inertRecord);
  for (const [file, kind, message] of cases) {
    it(`${file}: ${kind}`, () => {
      let err: PickleError | undefined;
      const grown = grownBytes(() => {
        err = refusal(file, allowlist);
      });
      expect(err!.kind).toBe(kind);
      expect(err!.message).toMatch(message);
      expect(grown).toBeLessThan(256 * 1024 * 1024);
    });
  }

  it("reads the memo bomb as 200,000 references to one list, not copies", () => {
    const v = readPickle(fixture("pickles", "bomb-memo.pkl"), { allowlist }) as unknown[][];
    expect(v.length).toBe(200_000);
    expect(v[0]).toBe(v[199_999]);
  });

  it("applies the memo and stack limits", () => {
    expect(() =>
      readPickle(fixture("pickles", "bomb-memo.pkl"), { allowlist, limits: { maxMemo: 1000 } }),
    ).toThrow(/memo grows past 1000/);
    expect(() =>
      readPickle(fixture("pickles", "bomb-nesting.pkl"), { allowlist, limits: { maxStack: 10_000 } }),
    ).toThrow(/stack grows past 10000/);
  });

  it("reads the hand-made array the bombs are built like (the builder is right)", () => {
    const a = readPickle(fixture("pickles", "numpy-small.pkl"), { allowlist }) as NdArray;
    expect([...a.numbers()]).toEqual([1.5, -2]);
  });

  it("fails every truncation of a real pickle with a typed error", () => {
    const full = fixture("pickles", "sklearn-tree-p4.pkl");
    const list = standardAllowlist()
      .register("sklearn.tree._classes.DecisionTreeClassifier", inertRecord)
      .register("sklearn.tree._tree.Tree", inertRecord);
    expect(() => readPickle(full, { allowlist: list })).not.toThrow();
    for (let n = 0; n < full.length; n += Math.max(1, Math.floor(full.length / 400))) {
      expect(() => readPickle(full.subarray(0, n), { allowlist: list })).toThrow(PickleError);
    }
  });
});
