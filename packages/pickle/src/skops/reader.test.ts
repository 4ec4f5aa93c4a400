import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { inertRecord } from "../allowlist.js";
import { PickleError } from "../errors.js";
import { DType } from "../numpy/dtype.js";
import { NdArray } from "../numpy/ndarray.js";
import { SparseMatrix } from "../scipy.js";
import { standardAllowlist } from "../standard.js";
import { FIXTURES, fixture } from "../test-helpers.js";
import { readPickle } from "../unpickler.js";
import { isTuple, type PyGlobal, PyObject, PySlice } from "../values.js";
import { readSkops } from "./reader.js";

const expected = JSON.parse(readFileSync(join(FIXTURES, "skops", "expected.json"), "utf8")) as Record<
  string,
  {
    class?: string;
    arrays?: Record<string, { dtype: string; shape: number[]; head: (number | string)[]; sum?: number }>;
  }
>;

// Every class the copied real skops files hold, as inert records (a flavor registers its own handlers).
const SKLEARN = [
  "sklearn.linear_model._logistic.LogisticRegression",
  "sklearn.neighbors._classification.KNeighborsClassifier",
  "sklearn.neighbors._kd_tree.KDTree",
  "sklearn.metrics._dist_metrics.EuclideanDistance",
  "sklearn.pipeline.Pipeline",
  "sklearn.compose._column_transformer.ColumnTransformer",
  "sklearn.feature_extraction.text.TfidfVectorizer",
  "sklearn.feature_extraction.text.TfidfTransformer",
  "sklearn.preprocessing._encoders.OrdinalEncoder",
  "sklearn.preprocessing._function_transformer.FunctionTransformer",
  "sklearn.tree._classes.DecisionTreeClassifier",
  "sklearn.tree._tree.Tree",
  "sklearn.ensemble._hist_gradient_boosting.gradient_boosting.HistGradientBoostingClassifier",
  "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper",
  "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
  "sklearn._loss.loss.HalfMultinomialLoss",
  "sklearn._loss._loss.CyHalfMultinomialLoss",
  "sklearn._loss.link.MultinomialLogit",
  "sklearn._loss.link.Interval",
  "sklearn.preprocessing._label.LabelBinarizer",
  "mylib.Thing",
];
const allowlist = () => {
  const list = standardAllowlist();
  for (const name of SKLEARN) list.register(name, inertRecord);
  return list.reference("numpy.core._multiarray_umath.log1p", "numpy.log1p");
};
const read = (name: string, list = allowlist()) => readSkops(fixture("skops", name), { allowlist: list });

describe("real skops files (skops 0.14, copied from ../shared)", () => {
  for (const [name, facts] of Object.entries(expected)) {
    if (facts.class === undefined) continue;
    it(`reads ${name} into the same arrays numpy reads`, async () => {
      const root = (await read(name)) as PyObject;
      expect(root).toBeInstanceOf(PyObject);
      expect(root.className).toBe(facts.class);
      expect(root.get("_sklearn_version")).toBe("1.2.1");
      for (const [attr, want] of Object.entries(facts.arrays ?? {})) {
        const arr = root.get(attr) as NdArray;
        expect(arr, attr).toBeInstanceOf(NdArray);
        expect(arr.dtype.str).toBe(want.dtype);
        expect(arr.shape).toEqual(want.shape);
        if (want.dtype.includes("U")) {
          expect((arr.data as string[]).slice(0, want.head.length)).toEqual(want.head);
        } else {
          const nums = arr.numbers();
          expect([...nums.slice(0, want.head.length)]).toEqual(want.head);
          expect(nums.reduce((a, b) => a + b, 0)).toBeCloseTo(want.sum!, 9);
        }
      }
    });
  }

  it("reads a TreeNode into a Tree record with its __reduce__ args and structured nodes", async () => {
    const pipe = (await read("pipeline-ordinal-encoder.skops")) as PyObject;
    const steps = pipe.get("steps") as unknown[][];
    const clf = steps[steps.length - 1]![1] as PyObject;
    const tree = clf.get("tree_") as PyObject;
    expect(tree.className).toBe("sklearn.tree._tree.Tree");
    expect(tree.how).toBe("skops");
    expect(tree.args.length).toBe(3);
    expect(tree.args[1]).toBeInstanceOf(NdArray);
    const nodes = tree.get("nodes") as NdArray;
    expect(nodes.fieldNames).toEqual([
      "left_child",
      "right_child",
      "feature",
      "threshold",
      "impurity",
      "n_node_samples",
      "weighted_n_node_samples",
    ]);
    expect(nodes.field("left_child").numbers().length).toBe(tree.get("node_count"));
  });

  it("reads HistGradientBoosting's packed node records, its LossNode and shared ids", async () => {
    const hgb = (await read("hist-gradient-boosting-classifier.skops")) as PyObject;
    const predictors = hgb.get("_predictors") as PyObject[][];
    const nodes = predictors[0]![0]!.get("nodes") as NdArray;
    expect(nodes.dtype.itemsize).toBe(52);
    expect(nodes.dtype.fields!.get("left")!.offset).toBe(25);
    const left = nodes.field("left").numbers();
    const isLeaf = nodes.field("is_leaf").numbers();
    for (let i = 0; i < left.length; i++) if (isLeaf[i] === 0) expect(left[i]).toBeGreaterThan(i);
    const loss = hgb.get("_loss") as PyObject;
    expect((loss.get("closs") as PyObject).className).toBe("sklearn._loss._loss.CyHalfMultinomialLoss");
    const mapper = hgb.get("_bin_mapper") as PyObject;
    expect(mapper.get("random_state")).toBe(hgb.get("_random_seed"));
  });

  it("reads the sparse idf matrix, the stop-word set and the slices of a text pipeline", async () => {
    const pipe = (await read("text-tfidf-logreg.skops")) as PyObject;
    const ct = (pipe.get("steps") as unknown[][])[0]![1] as PyObject;
    const tfidf = (ct.get("transformers_") as unknown[][])[0]![1] as PyObject;
    const vocab = tfidf.get("vocabulary_") as Map<string, number>;
    expect(vocab.size).toBeGreaterThan(5);
    const idf = (tfidf.get("_tfidf") as PyObject).get("_idf_diag") as SparseMatrix;
    expect(idf).toBeInstanceOf(SparseMatrix);
    expect(idf.shape).toEqual([vocab.size, vocab.size]);
    expect(tfidf.get("stop_words_")).toBeInstanceOf(Set);
    const slices = ct.get("output_indices_") as Map<string, PySlice>;
    expect(slices.get("tfidf")).toEqual(new PySlice(0, vocab.size, null));
  });

  it("reads a KDTree whose state is a tuple", async () => {
    const knn = (await read("kneighbors-classifier.skops")) as PyObject;
    const tree = knn.get("_tree") as PyObject;
    expect(isTuple(tree.state)).toBe(true);
    expect((tree.state as unknown[])[0]).toBeInstanceOf(NdArray);
  });

  it("gives the pickle and the skops file of one model the same kind of data", async () => {
    const list = allowlist();
    const fromPickle = readPickle(fixture("skops", "logreg-multinomial.pkl"), {
      allowlist: list,
    }) as PyObject;
    const fromSkops = (await read("logreg-multinomial.skops", list)) as PyObject;
    expect([...fromSkops.dictState()!.keys()].sort()).toEqual([...fromPickle.dictState()!.keys()].sort());
    for (const key of ["coef_", "intercept_", "classes_"]) {
      const a = fromPickle.get(key) as NdArray;
      const b = fromSkops.get(key) as NdArray;
      expect(b.dtype.str).toBe(a.dtype.str);
      expect(b.shape.length).toBe(a.shape.length);
    }
  });
});

describe("synthetic skops files (every node kind)", () => {
  it("reads DTypeNode, FunctionNode, TypeNode, SliceNode, SetNode, key types, NaN, big ints and shared ids", async () => {
    const t = (await read("synthetic-all-nodes.skops")) as PyObject;
    expect(t.get("nan")).toBeNaN();
    expect(t.get("big")).toBe(2n ** 70n);
    expect(t.get("text")).toBe("héllo");
    const packed = t.get("packed") as NdArray;
    expect(packed.dtype.itemsize).toBe(13);
    expect([...packed.field("c").numbers()]).toEqual([7, 9]);
    expect(t.get("scalar")).toBe(2.5);
    expect(t.get("dtype")).toBeInstanceOf(DType);
    expect((t.get("dtype") as DType).str).toBe(">i4");
    expect((t.get("ufunc") as PyGlobal).qualifiedName).toBe("numpy.log1p");
    expect((t.get("type") as PyGlobal).qualifiedName).toBe("numpy.float64");
    expect(t.get("slice")).toEqual(new PySlice(0, 4, null));
    expect(t.get("set")).toEqual(new Set(["a", "b"]));
    expect(isTuple(t.get("tuple"))).toBe(true);
    expect(t.get("int_keys")).toEqual(
      new Map([
        [1, "one"],
        [2, "two"],
      ]),
    );
    expect(t.get("first")).toBe(t.get("again"));
    expect((t.get("objects") as NdArray).data).toEqual(["x", "y"]);
  });

  it("reads a deflated archive with a scipy sparse matrix (.npz inside the zip)", async () => {
    const t = (await read("synthetic-sparse-deflated.skops")) as PyObject;
    const m = t.get("m") as SparseMatrix;
    expect(m.format).toBe("csr");
    expect(m.shape).toEqual([2, 3]);
    expect([...m.data!.numbers()]).toEqual([1.5, 2, 3]);
    expect([...(t.get("v") as NdArray).numbers()]).toEqual([0, 1, 2, 3]);
  });
});

describe("refusals", () => {
  const refusals: [string, RegExp, PickleError["kind"]][] = [
    ["evil-skops-function.skops", /os\.system/, "refused"],
    ["evil-skops-class.skops", /subprocess\.Popen/, "refused"],
    ["evil-skops-loader.skops", /MethodNode/, "refused"],
    [
      "evil-skops-unlisted.skops",
      /mylib\.secret\.Other is not supported \(in Thing\(inner=Other\)\)/,
      "refused",
    ],
    ["evil-skops-npy-pickle.skops", /Python objects/, "refused"],
    ["evil-skops-npy-huge.skops", /needs 8000000000000 bytes, the file has 8/, "malformed"],
    ["evil-skops-zip-bomb.skops", /zip bomb/, "limit"],
    ["evil-skops-zip-slip.skops", /not a plain relative path|invalid relative path/, "malformed"],
    ["evil-skops-deep.skops", /nested more than 1000 levels/, "limit"],
  ];
  for (const [name, message, kind] of refusals) {
    it(`refuses ${name} with a typed error, within bounded memory and writing nothing`, async () => {
      const before = process.memoryUsage();
      const err = await read(name).then(
        () => undefined,
        (e: unknown) => e,
      );
      const after = process.memoryUsage();
      expect(err).toBeInstanceOf(PickleError);
      expect((err as PickleError).kind).toBe(kind);
      expect((err as PickleError).message).toMatch(message);
      expect(after.heapUsed - before.heapUsed + after.arrayBuffers - before.arrayBuffers).toBeLessThan(
        256 * 2 ** 20,
      );
      expect(existsSync(resolve(process.cwd(), "../../etc/cron.d/evil"))).toBe(false);
      expect(existsSync("/tmp/pyfunc-pickle-pwned")).toBe(false);
    });
  }

  it("rejects every truncation of a skops file with a typed error", async () => {
    const full = fixture("skops", "synthetic-all-nodes.skops");
    for (let n = 0; n < full.length; n += 37) {
      const err = await readSkops(full.subarray(0, n), { allowlist: allowlist() }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, `first ${n} bytes`).toBeInstanceOf(PickleError);
    }
  });

  it("refuses every class of a real file when the allowlist is empty, whatever the file trusts", async () => {
    const err = await readSkops(fixture("skops", "logreg-multinomial.skops"), {
      allowlist: standardAllowlist(),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PickleError);
    expect((err as PickleError).global).toBe("sklearn.linear_model._logistic.LogisticRegression");
  });
});
