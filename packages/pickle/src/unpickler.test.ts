import { describe, expect, it } from "vitest";
import { inertRecord } from "./allowlist.js";
import { PickleError } from "./errors.js";
import { DType } from "./numpy/dtype.js";
import type { NdArray } from "./numpy/ndarray.js";
import { SparseMatrix } from "./scipy.js";
import { standardAllowlist } from "./standard.js";
import { fixture } from "./test-helpers.js";
import { readPickle } from "./unpickler.js";
import { isTuple, PyFrozenSet, PyGlobal, type PyObject, PySlice } from "./values.js";

const std = () => standardAllowlist();
const read = (name: string, allowlist = std(), extra = {}) =>
  readPickle(fixture("pickles", name), { allowlist, ...extra });

describe("plain Python values", () => {
  for (const p of [0, 1, 2, 3, 4, 5]) {
    it(`reads protocol ${p} values into plain data`, () => {
      const v = read(`values-p${p}.pkl`) as Map<string, unknown>;
      expect(v).toBeInstanceOf(Map);
      expect(v.get("none")).toBeNull();
      expect(v.get("t")).toBe(true);
      expect(v.get("f")).toBe(false);
      expect(v.get("small")).toBe(7);
      expect(v.get("neg")).toBe(-300);
      expect(v.get("i32")).toBe(2 ** 31 - 1);
      expect(v.get("big")).toBe(2n ** 64n + 5n);
      expect(v.get("neg_big")).toBe(-(2n ** 70n));
      expect(v.get("safe_max")).toBe(2 ** 53 - 1);
      expect(v.get("unsafe")).toBe(2n ** 53n);
      expect(v.get("float")).toBe(1.5);
      expect(v.get("nan")).toBeNaN();
      expect(v.get("inf")).toBe(Number.NEGATIVE_INFINITY);
      expect(v.get("str")).toBe("héllo ☃ 𝄞");
      expect([...(v.get("bytes") as Uint8Array)]).toEqual([0, 1, 255]);
      const t = v.get("tuple");
      expect(isTuple(t)).toBe(true);
      expect(t).toEqual([1, "a", [2.5]]);
      expect(isTuple((t as unknown[])[2])).toBe(true);
      expect(v.get("list")).toEqual([1, [2, [3]]]);
      expect(isTuple(v.get("list"))).toBe(false);
      expect(v.get("set")).toEqual(new Set([1, 2, 3]));
      expect(v.get("frozenset")).toBeInstanceOf(PyFrozenSet);
      expect([...(v.get("frozenset") as Set<unknown>)]).toEqual(["x"]);
      expect(v.get("slice")).toEqual(new PySlice(1, 10, 2));
      expect([...(v.get("bytearray") as Uint8Array)]).toEqual([97, 98]);
      expect(v.get("dict_int_keys")).toEqual(
        new Map([
          [1, "one"],
          [2, "two"],
        ]),
      );
    });
  }

  it("keeps shared references shared and reads a list that holds itself", () => {
    for (const p of [0, 2, 4]) {
      const v = read(`shared-p${p}.pkl`) as Map<string, unknown>;
      expect(v.get("a")).toBe(v.get("b"));
      const cyc = v.get("cycle") as unknown[];
      expect(cyc[0]).toBe(cyc);
    }
  });
});

describe("numpy", () => {
  for (const p of [2, 3, 4, 5]) {
    it(`reads arrays, dtypes and scalars in protocol ${p}`, () => {
      const v = read(`numpy-p${p}.pkl`) as Map<string, unknown>;
      const a = (k: string) => v.get(k) as NdArray;
      expect(a("f8").shape).toEqual([2, 3]);
      expect(a("f8").dtype.str).toBe("<f8");
      expect([...(a("f8").data as Float64Array)]).toEqual([0, 1 / 3, 2 / 3, 1, 4 / 3, 5 / 3]);
      expect([...(a("f4").data as Float32Array)].slice(0, 2)).toEqual([1.5, -2.25]);
      expect(a("f4").data).toBeInstanceOf(Float32Array);
      expect([...(a("f2").data as Float32Array)]).toEqual([1.5, -2, 65504]);
      expect([...(a("i8").data as BigInt64Array)]).toEqual([-1n, 2n ** 40n, 3n]);
      expect(a("i4").data).toBeInstanceOf(Int32Array);
      expect([...(a("i4").data as Int32Array)]).toEqual([1, -2, 3, -4]);
      expect([...(a("u1").data as Uint8Array)]).toEqual([0, 255]);
      expect([...(a("u8").data as BigUint64Array)]).toEqual([2n ** 63n + 1n]);
      expect(a("b1").dtype.name).toBe("bool");
      expect([...(a("b1").data as Uint8Array)]).toEqual([1, 0, 1]);
      expect(a("fortran").fortran).toBe(true);
      expect([...(a("fortran").data as Float64Array)]).toEqual([0, 3, 1, 4, 2, 5]);
      expect([...a("fortran").numbers()]).toEqual([0, 1, 2, 3, 4, 5]);
      expect(a("big_endian").dtype.byteOrder).toBe(">");
      expect([...(a("big_endian").data as Float64Array)]).toEqual([1, 2, -3.5]);
      expect([...(a("big_endian_i4").data as Int32Array)]).toEqual([1, -2]);
      expect(a("unicode").data).toEqual(["a", "héllo", "𝄞x"]);
      expect(a("unicode").dtype.str).toBe("<U5");
      expect((a("bytes_S").data as Uint8Array[]).map((b) => [...b])).toEqual([[97, 98], [99]]);
      expect(a("object").data).toEqual(["x", 1, null]);
      expect(a("object_2d").shape).toEqual([2, 2]);
      expect(a("object_2d").data).toEqual(["a", "b", "c", "d"]);
      expect(a("empty").shape).toEqual([0, 3]);
      expect(v.get("scalar_f8")).toBe(2.5);
      expect(v.get("scalar_i8")).toBe(-7);
      expect(v.get("scalar_big")).toBe(2n ** 62n);
      expect(v.get("scalar_bool")).toBe(true);
      expect(v.get("scalar_u")).toBe("hey");
      expect([...(a("c16").data as Float64Array)]).toEqual([1, 2, -0, -3.5]);
      expect(v.get("dtype_f8")).toBeInstanceOf(DType);
      expect((v.get("dtype_f8") as DType).str).toBe("<f8");
      const sa = a("structured_aligned");
      expect(sa.fieldNames).toEqual(["a", "b"]);
      expect([...(sa.field("a").data as BigInt64Array)]).toEqual([1n, -3n]);
      expect([...(sa.field("b").data as Float64Array)]).toEqual([2.5, 4]);
      const sp = a("structured_packed");
      expect(sp.dtype.itemsize).toBe(13);
      expect([...(sp.field("v").data as Float64Array)]).toEqual([1.5, -2]);
      expect([...(sp.field("c").data as Uint32Array)]).toEqual([7, 9]);
      expect([...(sp.field("leaf").data as Uint8Array)]).toEqual([1, 0]);
      const sub = a("structured_subarray").field("s");
      expect(sub.shape).toEqual([1, 3]);
      expect([...(sub.data as Uint32Array)]).toEqual([1, 2, 3]);
      expect(a("zero_d").shape).toEqual([]);
      expect([...(a("zero_d").data as Float64Array)]).toEqual([3.25]);
      expect(a("random").shape).toEqual([100, 7]);
    });
  }

  for (const p of [0, 1]) {
    it(`reads numpy arrays in protocol ${p} (latin-1 str data, copyreg._reconstructor)`, () => {
      const v = read(`numpy-p${p}.pkl`) as Map<string, NdArray>;
      expect([...(v.get("f8")!.data as Float64Array)]).toEqual([0, 1 / 3, 2 / 3, 1, 4 / 3, 5 / 3]);
      expect([...(v.get("i8")!.data as BigInt64Array)]).toEqual([-1n, 2n ** 40n, 3n]);
      expect(v.get("unicode")!.data).toEqual(["a", "héllo", "𝄞x"]);
      expect(v.get("object")!.data).toEqual(["x", 1, null]);
      expect(v.get("fortran")!.numbers()).toEqual(new Float64Array([0, 1, 2, 3, 4, 5]));
    });
  }

  it("reads protocol 5 out-of-band buffers passed by the caller, as views without a copy", () => {
    // Fresh, aligned buffers (readFileSync may hand out a slice of a shared pool).
    const buffers = ["numpy-oob-p5.buffer0", "numpy-oob-p5.buffer1"].map(
      (n) => new Uint8Array(fixture("pickles", n)),
    );
    const v = read("numpy-oob-p5.pkl", std(), { buffers }) as Map<string, NdArray>;
    const a = v.get("a")!.data as Float64Array;
    expect([...a]).toEqual([0, 1, 2, 3, 4]);
    expect(a.buffer).toBe(buffers[0]!.buffer);
    expect([...(v.get("b")!.data as Int32Array)]).toEqual([1, 2]);
    expect((v.get("b")!.data as Int32Array).buffer).toBe(buffers[1]!.buffer);
  });

  it("copies array data that is not aligned, so the values are still right", () => {
    const bytes = new Uint8Array(fixture("pickles", "numpy-p4.pkl"));
    const shifted = new Uint8Array(bytes.length + 1).subarray(1);
    shifted.set(bytes);
    for (const input of [bytes, shifted]) {
      const v = readPickle(input, { allowlist: std() }) as Map<string, NdArray>;
      expect([...(v.get("f8")!.data as Float64Array)]).toEqual([0, 1 / 3, 2 / 3, 1, 4 / 3, 5 / 3]);
    }
  });

  it("refuses out-of-band buffers that were not passed", () => {
    expect(() => read("numpy-oob-p5.pkl")).toThrow(/out-of-band buffer/);
  });

  it("reads scipy csr and csc matrices", () => {
    const v = read("sparse-p4.pkl") as Map<string, SparseMatrix>;
    const csr = v.get("csr")!;
    expect(csr).toBeInstanceOf(SparseMatrix);
    expect(csr.format).toBe("csr");
    expect(csr.shape).toEqual([2, 3]);
    expect([...csr.data!.numbers()]).toEqual([1.5, 2, 3]);
    expect([...csr.indptr!.numbers()]).toEqual([0, 1, 3]);
    expect(v.get("csc")!.format).toBe("csc");
  });
});

describe("allowlisted classes", () => {
  const sklearn = () =>
    std()
      .register("sklearn.tree._classes.DecisionTreeClassifier", inertRecord)
      .register("sklearn.tree._tree.Tree", inertRecord)
      .register("sklearn.utils._bunch.Bunch", inertRecord);

  for (const p of [0, 2, 4, 5]) {
    it(`builds an estimator from NEWOBJ/REDUCE + BUILD in protocol ${p}`, () => {
      const est = read(`sklearn-tree-p${p}.pkl`, sklearn()) as PyObject;
      expect(est.className).toBe("sklearn.tree._classes.DecisionTreeClassifier");
      expect(est.get("max_depth")).toBe(3);
      expect(est.get("_sklearn_version")).toMatch(/^1\./);
      const tree = est.get("tree_") as PyObject;
      expect(tree.how).toBe("reduce");
      expect(tree.args[0]).toBe(3);
      const nodes = tree.get("nodes") as NdArray;
      expect(nodes.dtype.isStructured).toBe(true);
      const left = nodes.field("left_child").numbers();
      expect(left.length).toBe(tree.get("node_count"));
      expect(left[left.length - 1]).toBe(-1);
    });
  }

  it("passes SETITEMS of a dict subclass (Bunch) to the handler", () => {
    for (const p of [2, 4]) {
      const b = read(`bunch-p${p}.pkl`, sklearn()) as PyObject;
      expect(b.className).toBe("sklearn.utils._bunch.Bunch");
      expect(b.items).toEqual(
        new Map<unknown, unknown>([
          ["a", 1],
          ["b", "two"],
        ]),
      );
    }
  });

  it("hands args and state to a custom constructor and never calls anything by name", () => {
    const seen: unknown[] = [];
    const allow = std()
      .register("sklearn.tree._tree.Tree", inertRecord)
      .register("sklearn.tree._classes.DecisionTreeClassifier", {
        create: (args, ctx) => {
          seen.push(["create", args.length, ctx.how]);
          return { kind: "tree-model", state: undefined as unknown };
        },
        setState: (obj, state) => {
          seen.push(["state", state instanceof Map]);
          obj.state = state;
        },
      });
    const m = read("sklearn-tree-p4.pkl", allow) as { kind: string; state: Map<string, unknown> };
    expect(m.kind).toBe("tree-model");
    expect(seen).toEqual([
      ["create", 0, "newobj"],
      ["state", true],
    ]);
    expect(m.state.get("criterion")).toBe("gini");
  });

  it("refuses a class that is not on the allowlist, naming it", () => {
    const err = catchError(() => read("sklearn-tree-p4.pkl"));
    expect(err).toBeInstanceOf(PickleError);
    expect(err.kind).toBe("refused");
    expect(err.errorCode).toBe("INVALID_PARAMETER_VALUE");
    expect(err.global).toBe("sklearn.tree._classes.DecisionTreeClassifier");
    expect(err.message).toContain("sklearn.tree._classes.DecisionTreeClassifier is not supported");
  });

  it("refuses calling a global that is allowed only as a reference", () => {
    const allow = std().reference("numpy.dtype");
    expect(() => read("numpy-p4.pkl", allow)).toThrow(/allowed only as a value/);
  });

  it("keeps referenced-but-not-called globals as PyGlobal values", () => {
    const v = readPickle(
      new Uint8Array([
        0x80,
        0x04,
        0x8c,
        0x05,
        ...Buffer.from("numpy"),
        0x8c,
        0x07,
        ...Buffer.from("float64"),
        0x93,
        0x2e,
      ]),
      { allowlist: std() },
    );
    expect(v).toBeInstanceOf(PyGlobal);
    expect((v as PyGlobal).qualifiedName).toBe("numpy.float64");
  });
});

function catchError(run: () => unknown): PickleError {
  try {
    run();
  } catch (err) {
    return err as PickleError;
  }
  throw new Error("expected an error");
}
