import { type CategorySplit, type ForestModel, ForestPredictor, type Tree } from "@pyfunc/forest";
import { argmaxRows, Estimator, Labels, matrixOut, vector } from "../base.js";
import type { Data, Dense } from "../matrix.js";
import { dense } from "../matrix.js";
import { type NdArray, type RecordArray, toNumber } from "../ndarray.js";
import type { PyObjectLike, State } from "../state.js";
import { expit, logInPlace, softmaxRows, twoColumns } from "./linalg.js";

const F32_EPS = 1.1920928955078125e-7;

/** A fitted `sklearn.tree._tree.Tree` (REDUCE args + BUILD {max_depth, node_count, nodes, values}). */
interface SkTree {
  nOutputs: number;
  nClasses: number;
  left: Int32Array;
  right: Int32Array;
  feature: Int32Array;
  threshold: Float64Array;
  nodeSamples: Float64Array;
  /** node_count * n_outputs * max_n_classes */
  values: Float64Array;
  nodeCount: number;
}

function readTree(owner: State, key: string): SkTree {
  const rec = owner.object(key, "sklearn.tree._tree.Tree");
  const st = owner.stateOf(rec);
  const nOutputs = toNumber(rec.args[2]);
  if (nOutputs !== 1) owner.fail("multi-output trees are not supported");
  const nodes = st.records("nodes");
  const count = st.int("node_count");
  const ints = (f: string) => Int32Array.from(nodes.field(f).data as ArrayLike<bigint>, Number);
  const values = st.f64("values", 3);
  return {
    nOutputs,
    nClasses: values.shape[2]!,
    left: ints("left_child"),
    right: ints("right_child"),
    feature: ints("feature"),
    threshold: Float64Array.from(nodes.field("threshold").data as ArrayLike<number>),
    nodeSamples: Float64Array.from(nodes.field("n_node_samples").data as ArrayLike<bigint>, Number),
    values: values.data,
    nodeCount: count,
  };
}

/** The forest form of one sklearn tree: float32 input, x <= threshold goes left, NaN never reaches it. */
function formTree(
  t: SkTree,
  leaf: "proba" | "value" | ((n: number) => number),
  featureMap?: Int32Array,
): Tree {
  const n = t.nodeCount;
  const feature = new Int32Array(n);
  for (let i = 0; i < n; i++)
    feature[i] = t.left[i] === -1 ? 0 : featureMap ? featureMap[t.feature[i]!]! : t.feature[i]!;
  const tree: Tree = {
    numNodes: n,
    left: t.left,
    right: t.right,
    feature,
    threshold: t.threshold,
    defaultLeft: new Uint8Array(n),
    value: new Float64Array(n),
  };
  if (leaf === "proba") {
    const k = t.nClasses;
    const vals = new Float64Array(n * k);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let c = 0; c < k; c++) s += t.values[i * k + c]!;
      if (s === 0) s = 1;
      for (let c = 0; c < k; c++) vals[i * k + c] = t.values[i * k + c]! / s;
    }
    tree.vector = { width: k, values: vals };
  } else if (leaf === "value") {
    for (let i = 0; i < n; i++) tree.value[i] = t.values[i * t.nClasses]!;
  } else for (let i = 0; i < n; i++) tree.value[i] = leaf(i);
  return tree;
}

function forestOf(
  trees: Tree[],
  numFeatures: number,
  numOutputs: number,
  extra: Partial<ForestModel> = {},
): ForestPredictor {
  const model: ForestModel = {
    numFeatures,
    numOutputs,
    trees,
    treeOutput: new Int32Array(trees.length),
    treeWeight: null,
    baseScore: new Float64Array(numOutputs),
    comparison: "<=",
    inputPrecision: "float32",
    aggregation: "mean",
    categoryRule: "truncate",
    ...extra,
  };
  return ForestPredictor.compile(model);
}

/** Tree input: float32 X without NaN (scikit-learn 1.2 trees refuse missing values). */
function treeInput(e: Estimator & { numIn: number }, x: Data): Dense {
  const m = (e as unknown as { treeX(x: Data): Dense }).treeX(x);
  return m;
}

abstract class TreeModel extends Estimator {
  #predictor: ForestPredictor | null = null;
  protected make: () => ForestPredictor = () => {
    throw new Error("no trees");
  };
  /** Compiled on first use (ensemble members are only read for their trees). */
  get predictor(): ForestPredictor {
    this.#predictor ??= this.make();
    return this.#predictor;
  }
  /** X as the trees read it (finite, cast to float32 by the predictor). */
  treeX(x: Data): Dense {
    const m = this.denseInput(x);
    for (let i = 0; i < m.data.length; i++) {
      if (Math.abs(m.data[i]!) > 3.4028234663852886e38)
        throw new Error("Input X contains infinity or a value too large for dtype('float32').");
    }
    return m;
  }
  #precomputed: Dense | null = null;
  raw(x: Data): Dense {
    const pre = this.#precomputed;
    if (pre !== null) {
      this.#precomputed = null;
      return pre;
    }
    const m = this.treeX(x);
    const out = this.predictor.predict(m.data, m.rows);
    return dense(
      m.rows,
      this.predictor.numOutputs,
      out instanceof Float64Array ? out : Float64Array.from(out),
    );
  }
  /** Large batches on worker threads (same numbers as raw). */
  async rawAsync(x: Data, workers: number): Promise<Dense> {
    const m = this.treeX(x);
    const out = await this.predictor.predictAsync(m.data, m.rows, { workers });
    return dense(
      m.rows,
      this.predictor.numOutputs,
      out instanceof Float64Array ? out : Float64Array.from(out),
    );
  }
  /**
   * `method` (predict, predictProba, …) with the trees evaluated on worker threads: the raw sums come from
   * the pool, then the method's own finishing runs on them synchronously, so results are identical.
   */
  async callAsync<T>(method: (x: Data) => T, x: Data, workers: number): Promise<T> {
    const raw = await this.rawAsync(x, workers);
    this.#precomputed = raw;
    try {
      return method.call(this, x);
    } finally {
      this.#precomputed = null;
    }
  }

  close(): Promise<void> {
    return this.#predictor?.close() ?? Promise.resolve();
  }
}

/** DecisionTree*, ExtraTree*, RandomForest*, ExtraTrees*: the mean of the trees' leaf distributions / values. */
class TreeClassifier extends TreeModel {
  readonly classes: Labels;
  constructor(s: State) {
    super(s);
    this.classes = new Labels(s.array("classes_"));
    const members = s.has("estimators_")
      ? s.list("estimators_").map((e, i) => s.estOf<TreeLeafSource>(e, `estimators_[${i}]`))
      : null;
    const trees = members ? members.map((m) => m.tree) : [readTree(s, "tree_")];
    if (trees.some((t) => t.nClasses !== this.classes.length))
      s.fail("tree class counts do not match classes_");
    this.make = () =>
      forestOf(
        trees.map((t) => formTree(t, "proba")),
        s.int("n_features_in_"),
        this.classes.length,
      );
  }
  override predictProba(x: Data): Dense {
    return this.raw(x);
  }
  override predictLogProba(x: Data): Dense {
    return logInPlace(this.raw(x));
  }
  override predict(x: Data): NdArray {
    return this.classes.take(argmaxRows(this.raw(x)));
  }
}

class TreeRegressor extends TreeModel {
  constructor(s: State) {
    super(s);
    const members = s.has("estimators_")
      ? s.list("estimators_").map((e, i) => s.estOf<TreeLeafSource>(e, `estimators_[${i}]`))
      : null;
    const trees = members ? members.map((m) => m.tree) : [readTree(s, "tree_")];
    this.make = () =>
      forestOf(
        trees.map((t) => formTree(t, "value")),
        s.int("n_features_in_"),
        1,
      );
  }
  override predict(x: Data): NdArray {
    return vector(this.raw(x).data);
  }
}

/** A single tree as a member of an ensemble: only its Tree is read. */
class TreeLeafSource extends Estimator {
  readonly tree: SkTree;
  readonly classes: Labels | null;
  constructor(s: State) {
    super(s);
    this.tree = readTree(s, "tree_");
    this.classes = s.has("classes_") ? new Labels(s.array("classes_")) : null;
  }
}

/** DecisionTreeClassifier / ExtraTreeClassifier: a standalone classifier, or a member of an ensemble. */
class SingleTreeClassifier extends TreeClassifier {
  get tree(): SkTree {
    return this.#tree;
  }
  readonly #tree: SkTree;
  constructor(s: State) {
    super(s);
    this.#tree = readTree(s, "tree_");
  }
}

class SingleTreeRegressor extends TreeRegressor {
  readonly #tree: SkTree;
  get tree(): SkTree {
    return this.#tree;
  }
  constructor(s: State) {
    super(s);
    this.#tree = readTree(s, "tree_");
  }
}

function initRaw(s: State, k: number, kind: "regression" | "binary" | "multiclass"): Float64Array {
  const init = s.raw("init_");
  if (init === "zero") return new Float64Array(k);
  const rec = s.objectOf(init, "init_");
  const st = s.stateOf(rec);
  if (rec.className === "sklearn.dummy.DummyRegressor") return Float64Array.from(st.f64("constant_").data);
  if (rec.className === "sklearn.dummy.DummyClassifier") {
    if (st.str("strategy") !== "prior") s.fail("init_ DummyClassifier should use strategy='prior'");
    const p = st.f64("class_prior_").data.map((v) => Math.min(Math.max(v, F32_EPS), 1 - F32_EPS));
    if (kind === "binary") return Float64Array.of(Math.log(p[1]! / (1 - p[1]!)));
    return p.map(Math.log);
  }
  return s.fail(`init_ ${rec.className} is not supported (only DummyRegressor/DummyClassifier or 'zero')`);
}

function gbForest(s: State, kind: "regression" | "binary" | "multiclass"): ForestPredictor {
  const ests = s.array("estimators_");
  const [stages, k] = [ests.shape[0]!, ests.shape[1]!];
  const lr = s.num("learning_rate");
  const trees: Tree[] = [];
  const out: number[] = [];
  for (let i = 0; i < stages; i++)
    for (let j = 0; j < k; j++) {
      const m = s.estOf<TreeLeafSource>(ests.data[i * k + j], `estimators_[${i}, ${j}]`);
      trees.push(formTree(m.tree, "value"));
      out.push(j);
    }
  return forestOf(trees, s.int("n_features_in_"), k, {
    treeOutput: Int32Array.from(out),
    treeWeight: new Float64Array(trees.length).fill(lr),
    baseScore: initRaw(s, k, kind),
    aggregation: "sum-float64",
  });
}

class GradientBoostingRegressor extends TreeModel {
  constructor(s: State) {
    super(s);
    this.make = () => gbForest(s, "regression");
  }
  override predict(x: Data): NdArray {
    return vector(this.raw(x).data);
  }
}

class GradientBoostingClassifier extends TreeModel {
  readonly classes: Labels;
  constructor(s: State) {
    super(s);
    this.classes = new Labels(s.array("classes_"));
    const loss = s.object("_loss").className;
    if (!/BinomialDeviance|MultinomialDeviance/.test(loss)) s.fail(`loss ${loss} is not supported`);
    this.make = () => gbForest(s, this.classes.length === 2 ? "binary" : "multiclass");
  }
  override decisionFunction(x: Data): NdArray {
    const r = this.raw(x);
    return r.cols === 1 ? vector(r.data) : matrixOut(r);
  }
  override predictProba(x: Data): Dense {
    const r = this.raw(x);
    if (r.cols === 1) return twoColumns(r.data, r.rows, expit);
    // np.nan_to_num(np.exp(raw - logsumexp(raw)))
    for (let i = 0; i < r.rows; i++) {
      let mx = -Infinity;
      for (let c = 0; c < r.cols; c++) mx = Math.max(mx, r.data[i * r.cols + c]!);
      let t = 0;
      for (let c = 0; c < r.cols; c++) t += Math.exp(r.data[i * r.cols + c]! - mx);
      const lse = Math.log(t) + mx;
      for (let c = 0; c < r.cols; c++) {
        const v = Math.exp(r.data[i * r.cols + c]! - lse);
        r.data[i * r.cols + c] = Number.isNaN(v) ? 0 : v;
      }
    }
    return r;
  }
  override predictLogProba(x: Data): Dense {
    return logInPlace(this.predictProba(x));
  }
  override predict(x: Data): NdArray {
    return this.classes.take(argmaxRows(this.predictProba(x)));
  }
}

/** HistGradientBoosting predictors: packed nodes, NaN routing, categorical bitsets folded with known categories. */
function hgbForest(s: State): { predictor: ForestPredictor; k: number } {
  // scikit-learn >= 1.4 may encode pandas categories with an internal ColumnTransformer first
  if (s.opt("_preprocessor") !== null)
    s.fail("an internal _preprocessor (categorical_features='from_dtype') is not supported");
  const iters = s.list("_predictors");
  const base = s.f64("_baseline_prediction").data;
  const k = base.length;
  const bm = s.stateOf(s.object("_bin_mapper"));
  const known = bm.opt("known_categories") === null ? [] : bm.list("known_categories");
  const knownSets = known.map((a) =>
    a === null ? null : new Set(Array.from(bm.arrayOf(a, "known_categories").data, Number)),
  );
  const trees: Tree[] = [];
  const outs: number[] = [];
  iters.forEach((row, i) => {
    if (!Array.isArray(row)) s.fail(`_predictors[${i}] should be a list`);
    row.forEach((p, j) => {
      const rec = s.objectOf(
        p,
        `_predictors[${i}][${j}]`,
        "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
      );
      trees.push(hgbTree(s.stateOf(rec), knownSets));
      outs.push(j);
    });
  });
  const predictor = forestOf(trees, s.int("n_features_in_"), k, {
    treeOutput: Int32Array.from(outs),
    baseScore: Float64Array.from(base),
    aggregation: "sum-float64",
    inputPrecision: "float64",
  });
  return { predictor, k };
}

function hgbTree(st: State, known: (Set<number> | null)[]): Tree {
  const nodes: RecordArray = st.records("nodes");
  const n = nodes.shape[0]!;
  const num = (f: string) => Float64Array.from(nodes.field(f).data as ArrayLike<number | bigint>, Number);
  const isLeaf = num("is_leaf");
  const left = num("left");
  const right = num("right");
  const feat = num("feature_idx");
  const missLeft = num("missing_go_to_left");
  const isCat = num("is_categorical");
  const bidx = num("bitset_idx");
  const raw = st.array("raw_left_cat_bitsets");
  const rawBits = Uint32Array.from(raw.data as ArrayLike<number>, Number);
  const tree: Tree = {
    numNodes: n,
    left: new Int32Array(n),
    right: new Int32Array(n),
    feature: new Int32Array(n),
    threshold: Float64Array.from(nodes.field("num_threshold").data as ArrayLike<number>),
    defaultLeft: new Uint8Array(n),
    value: Float64Array.from(nodes.field("value").data as ArrayLike<number>),
  };
  const cats = new Map<number, CategorySplit>();
  for (let i = 0; i < n; i++) {
    if (isLeaf[i]) {
      tree.left[i] = -1;
      tree.right[i] = -1;
      continue;
    }
    tree.left[i] = left[i]!;
    tree.right[i] = right[i]!;
    tree.feature[i] = feat[i]!;
    tree.defaultLeft[i] = missLeft[i]!;
    if (isCat[i]) {
      // 256 codes: a known category follows its bit; an unknown one takes the missing direction
      const bits = new Uint32Array(8);
      const b = bidx[i]!;
      const ks = known[feat[i]!] ?? null;
      for (let c = 0; c < 256; c++) {
        const inRaw = ((rawBits[b * 8 + (c >>> 5)]! >>> (c & 31)) & 1) === 1;
        const goLeft = ks?.has(c) ? inRaw : missLeft[i] === 1;
        if (goLeft) bits[c >>> 5] = bits[c >>> 5]! | (1 << (c & 31));
      }
      cats.set(i, { bits, inSetGoesLeft: true });
    }
  }
  if (cats.size > 0) tree.categories = cats;
  return tree;
}

class HistGradientBoostingRegressor extends TreeModel {
  readonly inverse: (v: number) => number;
  constructor(s: State) {
    super(s);
    this.make = () => hgbForest(s).predictor;
    const link = s.object("_loss").dictState()?.get("link") as PyObjectLike | undefined;
    const lc = link?.className ?? "";
    this.inverse = lc.endsWith("LogLink") ? Math.exp : (v) => v;
  }
  override treeX(x: Data): Dense {
    return this.denseInput(x, { allowNaN: true, allowInf: true });
  }
  override predict(x: Data): NdArray {
    return vector(this.raw(x).data.map(this.inverse));
  }
}

class HistGradientBoostingClassifier extends TreeModel {
  readonly classes: Labels;
  constructor(s: State) {
    super(s);
    this.classes = new Labels(s.array("classes_"));
    this.make = () => hgbForest(s).predictor;
  }
  override treeX(x: Data): Dense {
    return this.denseInput(x, { allowNaN: true, allowInf: true });
  }
  override decisionFunction(x: Data): NdArray {
    const r = this.raw(x);
    return r.cols === 1 ? vector(r.data) : matrixOut(r);
  }
  override predictProba(x: Data): Dense {
    const r = this.raw(x);
    if (r.cols === 1) return twoColumns(r.data, r.rows, expit);
    return softmaxRows(r);
  }
  override predict(x: Data): NdArray {
    return this.classes.take(argmaxRows(this.predictProba(x)));
  }
}

function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + 0.5772156649015329) - (2 * (n - 1)) / n;
}

class IsolationForest extends TreeModel {
  readonly denominator: number;
  readonly offset: number;
  constructor(s: State) {
    super(s);
    const members = s.list("estimators_").map((e, i) => s.estOf<TreeLeafSource>(e, `estimators_[${i}]`));
    const feats = s
      .list("estimators_features_")
      .map((f, i) =>
        Int32Array.from(s.arrayOf(f, `estimators_features_[${i}]`).data as ArrayLike<bigint>, Number),
      );
    const trees = members.map((m, t) => {
      const tr = m.tree;
      // leaf value: nodes on the path (depth + 1) + c(n_node_samples) - 1, as _compute_score_samples adds it
      const depth = new Float64Array(tr.nodeCount);
      for (let i = 0; i < tr.nodeCount; i++) {
        if (tr.left[i] !== -1) {
          depth[tr.left[i]!] = depth[i]! + 1;
          depth[tr.right[i]!] = depth[i]! + 1;
        }
      }
      return formTree(tr, (i) => depth[i]! + 1 + averagePathLength(tr.nodeSamples[i]!) - 1, feats[t]);
    });
    this.make = () => forestOf(trees, s.int("n_features_in_"), 1, { aggregation: "sum-float64" });
    this.denominator = members.length * averagePathLength(s.num("max_samples_"));
    this.offset = s.num("offset_");
  }
  override scoreSamples(x: Data): NdArray {
    const d = this.raw(x).data;
    return vector(d.map((v) => -(2 ** -(this.denominator !== 0 ? v / this.denominator : 1))));
  }
  override decisionFunction(x: Data): NdArray {
    const s = this.scoreSamples(x).data as Float64Array;
    return vector(s.map((v) => v - this.offset));
  }
  override predict(x: Data): NdArray {
    const d = this.decisionFunction(x).data as Float64Array;
    const out = new BigInt64Array(d.length);
    for (let i = 0; i < d.length; i++) out[i] = d[i]! < 0 ? -1n : 1n;
    return { dtype: "int64", shape: [d.length], data: out };
  }
}

class AdaBoostClassifier extends Estimator {
  readonly classes: Labels;
  readonly members: TreeClassifier[];
  readonly weights: Float64Array;
  readonly real: boolean;
  constructor(s: State) {
    super(s);
    this.classes = new Labels(s.array("classes_"));
    this.members = s.list("estimators_").map((e, i) => s.estOf<TreeClassifier>(e, `estimators_[${i}]`));
    if (this.members.some((m) => !(m instanceof TreeClassifier)))
      s.fail("only tree base estimators are supported");
    this.weights = s.f64("estimator_weights_").data;
    this.real = s.str("algorithm") === "SAMME.R";
  }
  override decisionFunction(x: Data): NdArray {
    const d = this.decision(x);
    if (d.cols === 1) return vector(d.data);
    return matrixOut(d);
  }
  private decision(x: Data): Dense {
    this.checkFeatures(x);
    const nc = this.classes.length;
    let pred: Dense | null = null;
    this.members.forEach((m, e) => {
      let contrib: Dense;
      if (this.real) {
        const p = m.predictProba(x);
        contrib = dense(p.rows, nc);
        for (let r = 0; r < p.rows; r++) {
          let sum = 0;
          const lp = new Float64Array(nc);
          for (let c = 0; c < nc; c++) {
            lp[c] = Math.log(Math.max(p.data[r * nc + c]!, 2.220446049250313e-16));
            sum += lp[c]!;
          }
          for (let c = 0; c < nc; c++) contrib.data[r * nc + c] = (nc - 1) * (lp[c]! - (1 / nc) * sum);
        }
      } else {
        const idx = m.classes.indexOf(m.predict(x).data as ArrayLike<unknown>);
        contrib = dense(x.rows, nc);
        for (let r = 0; r < x.rows; r++) contrib.data[r * nc + idx[r]!] = this.weights[e]!;
      }
      if (pred === null) pred = contrib;
      else for (let i = 0; i < pred.data.length; i++) pred.data[i] = pred.data[i]! + contrib.data[i]!;
    });
    const p = pred as Dense | null;
    const out = p ?? dense(x.rows, nc);
    let wsum = 0;
    for (const w of this.weights) wsum += w;
    for (let i = 0; i < out.data.length; i++) out.data[i] = out.data[i]! / wsum;
    if (nc === 2) {
      const two = dense(out.rows, 1);
      for (let r = 0; r < out.rows; r++) two.data[r] = -out.data[2 * r]! + out.data[2 * r + 1]!;
      return two;
    }
    return out;
  }
  override predict(x: Data): NdArray {
    const d = this.decision(x);
    if (d.cols === 1) {
      const idx = new Int32Array(d.rows);
      for (let r = 0; r < d.rows; r++) idx[r] = d.data[r]! > 0 ? 1 : 0;
      return this.classes.take(idx);
    }
    return this.classes.take(argmaxRows(d));
  }
  override predictProba(x: Data): Dense {
    const d = this.decision(x);
    const nc = this.classes.length;
    if (nc === 2) {
      const two = dense(d.rows, 2);
      for (let r = 0; r < d.rows; r++) {
        two.data[2 * r] = -d.data[r]! / 2;
        two.data[2 * r + 1] = d.data[r]! / 2;
      }
      return softmaxRows(two);
    }
    for (let i = 0; i < d.data.length; i++) d.data[i] = d.data[i]! / (nc - 1);
    return softmaxRows(d);
  }
  override predictLogProba(x: Data): Dense {
    return logInPlace(this.predictProba(x));
  }
}

void treeInput;

export const TREE_ESTIMATORS = {
  "sklearn.tree._classes.DecisionTreeClassifier": SingleTreeClassifier,
  "sklearn.tree._classes.ExtraTreeClassifier": SingleTreeClassifier,
  "sklearn.tree._classes.DecisionTreeRegressor": SingleTreeRegressor,
  "sklearn.tree._classes.ExtraTreeRegressor": SingleTreeRegressor,
  "sklearn.ensemble._forest.RandomForestClassifier": TreeClassifier,
  "sklearn.ensemble._forest.ExtraTreesClassifier": TreeClassifier,
  "sklearn.ensemble._forest.RandomForestRegressor": TreeRegressor,
  "sklearn.ensemble._forest.ExtraTreesRegressor": TreeRegressor,
  "sklearn.ensemble._gb.GradientBoostingRegressor": GradientBoostingRegressor,
  "sklearn.ensemble._gb.GradientBoostingClassifier": GradientBoostingClassifier,
  "sklearn.ensemble._hist_gradient_boosting.gradient_boosting.HistGradientBoostingRegressor":
    HistGradientBoostingRegressor,
  "sklearn.ensemble._hist_gradient_boosting.gradient_boosting.HistGradientBoostingClassifier":
    HistGradientBoostingClassifier,
  "sklearn.ensemble._iforest.IsolationForest": IsolationForest,
  "sklearn.ensemble._weight_boosting.AdaBoostClassifier": AdaBoostClassifier,
} as const;

export { TreeModel };
