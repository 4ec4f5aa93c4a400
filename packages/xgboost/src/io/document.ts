import { modelError } from "../errors.js";
import { type BoosterKind, LIMITS, type RawModel, type RawTree } from "../model.js";
import type { DocObject, DocValue } from "./value.js";

type NumArray = ArrayLike<number>;

function isObject(v: DocValue | undefined): v is DocObject {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

function obj(v: DocValue | undefined, path: string): DocObject {
  if (!isObject(v)) throw modelError(`'${path}' is missing or not an object`);
  return v;
}

function get(o: DocObject, key: string): DocValue | undefined {
  return Object.hasOwn(o, key) ? o[key] : undefined;
}

/** dmlc parameters are strings ("3"); UBJSON/2.x may store numbers. */
function intParam(v: DocValue | undefined, path: string, fallback?: number): number {
  if (v === undefined || v === null) {
    if (fallback !== undefined) return fallback;
    throw modelError(`'${path}' is missing`);
  }
  const n = typeof v === "string" ? Number(v) : v;
  if (typeof n !== "number" || !Number.isSafeInteger(n)) throw modelError(`'${path}' is not an integer`);
  return n;
}

function strParam(v: DocValue | undefined, path: string): string {
  if (typeof v !== "string") throw modelError(`'${path}' is missing or not a string`);
  return v;
}

/** A numeric array: JSON list (null = NaN, booleans = 0/1) or a UBJSON typed array. */
function numArray(v: DocValue | undefined, path: string, length?: number): NumArray {
  let out: NumArray;
  if (ArrayBuffer.isView(v)) out = v as NumArray;
  else if (Array.isArray(v)) {
    const a = new Float64Array(v.length);
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (typeof x === "number") a[i] = x;
      else if (x === null) a[i] = Number.NaN;
      else if (typeof x === "boolean") a[i] = x ? 1 : 0;
      else throw modelError(`'${path}[${i}]' is not a number`);
    }
    out = a;
  } else throw modelError(`'${path}' is missing or not an array`);
  if (length !== undefined && out.length !== length) {
    throw modelError(`'${path}' has ${out.length} entries, expected ${length}`);
  }
  return out;
}

function intArray(v: DocValue | undefined, path: string, length?: number): Int32Array {
  const a = numArray(v, path, length);
  if (a instanceof Int32Array) return a;
  const out = new Int32Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    if (!Number.isInteger(x) || x < -2147483648 || x > 4294967295)
      throw modelError(`'${path}[${i}]' is not an int32`);
    out[i] = x | 0;
  }
  return out;
}

function floatArray(v: DocValue | undefined, path: string, length?: number): Float32Array {
  const a = numArray(v, path, length);
  return a instanceof Float32Array ? a : Float32Array.from(a);
}

function stringList(v: DocValue | undefined, path: string): string[] | null {
  if (v === undefined || v === null) return null;
  if (!Array.isArray(v)) throw modelError(`'${path}' is not a list`);
  const out: string[] = [];
  for (const s of v) {
    if (typeof s !== "string") throw modelError(`'${path}' holds a non-string`);
    out.push(s);
  }
  return out.length === 0 ? null : out;
}

/** base_score: "5E-1" (1.x), "[5E-1]" or "[5E-1,2E-1]" (2.x/3.x vector), or a number. */
export function parseBaseScore(v: DocValue | undefined): Float32Array {
  if (v === undefined || v === null) return Float32Array.of(0.5);
  if (typeof v === "number") return Float32Array.of(v);
  if (typeof v !== "string") throw modelError("'base_score' is not a string");
  let s = v.trim();
  if (s.startsWith("[") && s.endsWith("]")) s = s.slice(1, -1);
  const parts = s.split(",").map((p) => p.trim());
  if (parts.length === 0 || parts.length > LIMITS.maxClasses) throw modelError(`bad base_score '${v}'`);
  const out = new Float32Array(parts.length);
  for (let i = 0; i < parts.length; i++) {
    const x = Number(parts[i]);
    if (parts[i] === "" || Number.isNaN(x)) throw modelError(`bad base_score '${v}'`);
    out[i] = x;
  }
  return out;
}

function readTree(t: DocValue | undefined, path: string): RawTree {
  const tree = obj(t, path);
  const tp = obj(get(tree, "tree_param"), `${path}.tree_param`);
  const numNodes = intParam(get(tp, "num_nodes"), `${path}.tree_param.num_nodes`);
  if (numNodes < 1 || numNodes > LIMITS.maxNodesPerTree)
    throw modelError(`${path}: bad num_nodes ${numNodes}`);
  const sizeLeaf = intParam(get(tp, "size_leaf_vector"), `${path}.tree_param.size_leaf_vector`, 1);
  if (sizeLeaf > 1) {
    throw modelError(
      `${path}: multi-target trees (size_leaf_vector=${sizeLeaf}, multi_strategy="multi_output_tree") are not supported; ` +
        'train with multi_strategy="one_output_per_tree"',
    );
  }
  const left = intArray(get(tree, "left_children"), `${path}.left_children`, numNodes);
  const right = intArray(get(tree, "right_children"), `${path}.right_children`, numNodes);
  const splitIndex = intArray(get(tree, "split_indices"), `${path}.split_indices`, numNodes);
  const splitCondition = floatArray(get(tree, "split_conditions"), `${path}.split_conditions`, numNodes);
  const dl = numArray(get(tree, "default_left"), `${path}.default_left`, numNodes);
  const defaultLeft = dl instanceof Uint8Array ? dl : Uint8Array.from(dl, (x) => (x ? 1 : 0));
  let splitType: Uint8Array | null = null;
  let categories: Map<number, Int32Array> | null = null;
  const st = get(tree, "split_type");
  if (st !== undefined) {
    const a = numArray(st, `${path}.split_type`, numNodes);
    let any = false;
    for (let i = 0; i < a.length; i++) if (a[i] !== 0) any = true;
    if (any) {
      splitType = Uint8Array.from(a, (x) => (x ? 1 : 0));
      const nodes = intArray(get(tree, "categories_nodes"), `${path}.categories_nodes`);
      const segs = numArray(get(tree, "categories_segments"), `${path}.categories_segments`, nodes.length);
      const sizes = numArray(get(tree, "categories_sizes"), `${path}.categories_sizes`, nodes.length);
      const cats = intArray(get(tree, "categories"), `${path}.categories`);
      categories = new Map();
      for (let k = 0; k < nodes.length; k++) {
        const nid = nodes[k]!;
        const beg = segs[k]!;
        const len = sizes[k]!;
        if (nid < 0 || nid >= numNodes || !(beg >= 0 && len >= 0 && beg + len <= cats.length)) {
          throw modelError(`${path}: categories out of range`);
        }
        categories.set(nid, cats.subarray(beg, beg + len));
      }
    }
  }
  return { numNodes, left, right, splitIndex, splitCondition, defaultLeft, splitType, categories };
}

function readTrees(model: DocObject, path: string) {
  const param = obj(get(model, "gbtree_model_param"), `${path}.gbtree_model_param`);
  const numTrees = intParam(get(param, "num_trees"), `${path}.gbtree_model_param.num_trees`);
  const numParallelTree = intParam(
    get(param, "num_parallel_tree"),
    `${path}.gbtree_model_param.num_parallel_tree`,
    1,
  );
  const treesV = get(model, "trees");
  if (!Array.isArray(treesV)) throw modelError(`'${path}.trees' is not a list`);
  if (numTrees < 0 || numTrees !== treesV.length) {
    throw modelError(`num_trees is ${numTrees} but the model holds ${treesV.length} trees`);
  }
  const trees = treesV.map((t, i) => readTree(t, `${path}.trees[${i}]`));
  const treeInfo = intArray(get(model, "tree_info"), `${path}.tree_info`, numTrees);
  const ip = get(model, "iteration_indptr");
  const iterationIndptr = ip === undefined ? null : intArray(ip, `${path}.iteration_indptr`);
  return { trees, treeInfo, numParallelTree: Math.max(1, numParallelTree), iterationIndptr };
}

/** Turn a parsed JSON/UBJSON model document (XGBoost's doc/model.schema) into a RawModel. */
export function documentToModel(doc: DocValue, format: "json" | "ubj"): RawModel {
  const root = obj(doc, "(root)");
  let version: [number, number, number] | null = null;
  const ver = get(root, "version");
  if (ver !== undefined) {
    const v = numArray(ver, "version");
    if (v.length >= 3) version = [v[0]!, v[1]!, v[2]!];
  }
  const learner = obj(get(root, "learner"), "learner");
  const lmp = obj(get(learner, "learner_model_param"), "learner.learner_model_param");
  const baseScore = parseBaseScore(get(lmp, "base_score"));
  const numFeature = intParam(get(lmp, "num_feature"), "learner_model_param.num_feature");
  const numClass = intParam(get(lmp, "num_class"), "learner_model_param.num_class", 0);
  const numTarget = intParam(get(lmp, "num_target"), "learner_model_param.num_target", 1);
  if (numFeature < 0 || numFeature > LIMITS.maxFeatures) throw modelError(`bad num_feature ${numFeature}`);
  if (numClass < 0 || numClass > LIMITS.maxClasses) throw modelError(`bad num_class ${numClass}`);
  if (numTarget < 1 || numTarget > LIMITS.maxClasses) throw modelError(`bad num_target ${numTarget}`);
  const objective = strParam(
    get(obj(get(learner, "objective"), "learner.objective"), "name"),
    "objective.name",
  );
  const gb = obj(get(learner, "gradient_booster"), "learner.gradient_booster");
  const name = strParam(get(gb, "name"), "gradient_booster.name");
  const attributes: Record<string, string> = {};
  const attrs = get(learner, "attributes");
  if (isObject(attrs)) {
    for (const [k, v] of Object.entries(attrs)) if (typeof v === "string") attributes[k] = v;
  }
  const base = {
    format,
    version,
    objective,
    baseScore,
    numFeature,
    numClass,
    numTarget,
    attributes,
    featureNames: stringList(get(learner, "feature_names"), "learner.feature_names"),
    featureTypes: stringList(get(learner, "feature_types"), "learner.feature_types"),
  };
  let booster: BoosterKind;
  if (name === "gbtree") {
    booster = "gbtree";
    const t = readTrees(obj(get(gb, "model"), "gradient_booster.model"), "gradient_booster.model");
    return { ...base, booster, ...t, weightDrop: null, linearWeights: null };
  }
  if (name === "dart") {
    booster = "dart";
    const inner = obj(get(gb, "gbtree"), "gradient_booster.gbtree");
    const t = readTrees(
      obj(get(inner, "model"), "gradient_booster.gbtree.model"),
      "gradient_booster.gbtree.model",
    );
    const weightDrop = floatArray(get(gb, "weight_drop"), "gradient_booster.weight_drop", t.trees.length);
    return { ...base, booster, ...t, weightDrop, linearWeights: null };
  }
  if (name === "gblinear") {
    const m = obj(get(gb, "model"), "gradient_booster.model");
    const linearWeights = floatArray(get(m, "weights"), "gradient_booster.model.weights");
    return {
      ...base,
      booster: "gblinear",
      trees: [],
      treeInfo: new Int32Array(0),
      numParallelTree: 1,
      iterationIndptr: null,
      weightDrop: null,
      linearWeights,
    };
  }
  throw modelError(`unknown gradient booster '${name}'`);
}
