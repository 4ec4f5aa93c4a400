import { modelError } from "./errors.js";

/**
 * One tree of LightGBM's text model format (`Tree=i` block), validated: every child index is in range,
 * every node is reached exactly once from the root, categorical nodes point at a bitset that exists.
 */
export interface LgbTree {
  numLeaves: number;
  numCat: number;
  /** per internal node (numLeaves - 1): the model feature the node tests */
  splitFeature: Int32Array;
  /** numerical node: the double threshold; categorical node: the index into catBoundaries */
  threshold: Float64Array;
  /** bit 0 categorical, bit 1 default_left, bits 2-3 missing type (0 None, 1 Zero, 2 NaN) */
  decisionType: Int8Array;
  /** >= 0: internal node; < 0: leaf ~v */
  leftChild: Int32Array;
  rightChild: Int32Array;
  leafValue: Float64Array;
  /** numCat + 1 offsets into catThreshold (empty without categorical nodes) */
  catBoundaries: Int32Array;
  /** uint32 bitset words: bit i set = category i goes left */
  catThreshold: Uint32Array;
  /** linear_tree: per-leaf model leafConst[l] + Σ coeff·x[feature]; null for ordinary trees */
  linear: LinearLeaves | null;
  /** learning rate the tree was built with (already applied to the leaf values) */
  shrinkage: number;
}

/** The per-leaf linear models of a `linear_tree` tree, flattened: leaf l owns [start[l], start[l+1]). */
export interface LinearLeaves {
  leafConst: Float64Array;
  start: Int32Array;
  features: Int32Array;
  coeff: Float64Array;
}

/** `pandas_categorical`: null (numpy-trained), or one training category list per pandas category column. */
export type PandasCategorical = (string | number | boolean)[][] | null;

/** A parsed LightGBM model (what `Booster.save_model` / `model_to_string` writes). */
export interface LgbModel {
  version: string | null;
  numClass: number;
  /** trees per boosting round (K); tree t belongs to class t % K and round floor(t / K) */
  numTreePerIteration: number;
  maxFeatureIdx: number;
  numFeatures: number;
  /** the objective line as written (e.g. "binary sigmoid:1"), null when absent (custom objective) */
  objective: string | null;
  /** boosting=rf: predictions are the mean over iterations */
  averageOutput: boolean;
  /** names as LightGBM stores them (spaces replaced by '_') */
  featureNames: string[];
  featureInfos: string[] | null;
  trees: LgbTree[];
  /** number of complete boosting rounds (trees / K) */
  numIterations: number;
  /** the `parameters:` block, `[key: value]` lines */
  parameters: Record<string, string>;
  pandasCategorical: PandasCategorical;
}

const INT = /^[+-]?\d+$/;
const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const SPECIAL = /^([+-]?)(nan|inf|infinity)$/i;
const WS = /\s+/;

function tokens(s: string): string[] {
  const t = s.trim();
  return t.length === 0 ? [] : t.split(WS);
}

function parseIntToken(tok: string, what: string, min: number, max: number): number {
  if (!INT.test(tok)) throw modelError(`${what}: '${tok.slice(0, 40)}' is not an integer`);
  const v = Number(tok);
  if (!(v >= min && v <= max))
    throw modelError(`${what}: ${tok.slice(0, 40)} is out of range [${min}, ${max}]`);
  return v;
}

/** LightGBM's Atof: decimal numbers plus nan / inf / infinity in any case, with a sign. */
function parseDoubleToken(tok: string, what: string): number {
  if (FLOAT.test(tok)) return Number(tok);
  const m = SPECIAL.exec(tok);
  if (m !== null) {
    if (m[2]!.toLowerCase() === "nan") return Number.NaN;
    return m[1] === "-" ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  throw modelError(`${what}: '${tok.slice(0, 40)}' is not a number`);
}

function countError(what: string, got: number, want: number): never {
  throw modelError(`${what} has ${got} values, expected ${want}`);
}

function doubles(s: string | undefined, n: number, what: string): Float64Array {
  const t = tokens(s ?? "");
  if (t.length !== n) countError(what, t.length, n);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = parseDoubleToken(t[i]!, what);
  return out;
}

function ints(s: string | undefined, n: number, what: string, min: number, max: number): Int32Array {
  const t = tokens(s ?? "");
  if (t.length !== n) countError(what, t.length, n);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = parseIntToken(t[i]!, what, min, max);
  return out;
}

function scalarInt(fields: Map<string, string>, key: string, what: string, min: number, max: number): number {
  const v = fields.get(key);
  if (v === undefined) throw modelError(`${what} has no ${key}`);
  return parseIntToken(v.trim(), `${what} ${key}`, min, max);
}

const I32_MAX = 2 ** 31 - 1;
/** Outputs per row are allocated for every predicted row, so their count is bounded (LightGBM has no limit). */
const MAX_CLASSES = 1 << 16;

function parseTree(fields: Map<string, string>, index: number, numFeatures: number): LgbTree {
  const what = `Tree=${index}`;
  const L = scalarInt(fields, "num_leaves", what, 1, I32_MAX);
  const numCat = fields.has("num_cat") ? scalarInt(fields, "num_cat", what, 0, I32_MAX) : 0;
  const n = L - 1;
  if (numCat > n) throw modelError(`${what}: num_cat ${numCat} exceeds its ${n} internal nodes`);
  const leafValue = doubles(fields.get("leaf_value"), L, `${what} leaf_value`);
  const splitFeature = ints(fields.get("split_feature"), n, `${what} split_feature`, 0, numFeatures - 1);
  const threshold = doubles(fields.get("threshold"), n, `${what} threshold`);
  const dt = ints(fields.get("decision_type"), n, `${what} decision_type`, -128, 127);
  const decisionType = Int8Array.from(dt);
  const leftChild = ints(fields.get("left_child"), n, `${what} left_child`, -L, n - 1);
  const rightChild = ints(fields.get("right_child"), n, `${what} right_child`, -L, n - 1);
  let catBoundaries: Int32Array = new Int32Array(0);
  let catThreshold: Uint32Array = new Uint32Array(0);
  if (numCat > 0) {
    const thr = tokens(fields.get("cat_threshold") ?? "");
    catBoundaries = ints(fields.get("cat_boundaries"), numCat + 1, `${what} cat_boundaries`, 0, thr.length);
    if (catBoundaries[0] !== 0 || catBoundaries[numCat] !== thr.length) {
      throw modelError(`${what}: cat_boundaries do not cover cat_threshold (${thr.length} words)`);
    }
    for (let i = 0; i < numCat; i++) {
      if (catBoundaries[i + 1]! < catBoundaries[i]!) throw modelError(`${what}: cat_boundaries decrease`);
    }
    catThreshold = new Uint32Array(thr.length);
    for (let i = 0; i < thr.length; i++) {
      catThreshold[i] = parseIntToken(thr[i]!, `${what} cat_threshold`, 0, 0xffffffff);
    }
  }
  for (let i = 0; i < n; i++) {
    const d = decisionType[i]!;
    if (((d >> 2) & 3) === 3)
      throw modelError(`${what}: node ${i} has an unknown missing type (decision_type ${d})`);
    if ((d & 1) !== 0) {
      const t = threshold[i]!;
      if (!(Number.isInteger(t) && t >= 0 && t < numCat)) {
        throw modelError(`${what}: categorical node ${i} has bitset index ${t}, the tree has ${numCat}`);
      }
    } else if (Number.isNaN(threshold[i]!)) {
      throw modelError(`${what}: node ${i} has a NaN threshold`);
    }
  }
  checkShape(leftChild, rightChild, L, what);
  const linear = fields.get("is_linear")?.trim() === "1" ? parseLinear(fields, L, numFeatures, what) : null;
  const shrinkage = fields.has("shrinkage")
    ? parseDoubleToken(fields.get("shrinkage")!.trim(), `${what} shrinkage`)
    : 1;
  return {
    numLeaves: L,
    numCat,
    splitFeature,
    threshold,
    decisionType,
    leftChild,
    rightChild,
    leafValue,
    catBoundaries,
    catThreshold,
    linear,
    shrinkage,
  };
}

/** Every internal node but the root and every leaf is referenced exactly once, and all are reachable. */
function checkShape(left: Int32Array, right: Int32Array, L: number, what: string): void {
  const n = L - 1;
  if (n === 0) return;
  const seenNode = new Uint8Array(n);
  const seenLeaf = new Uint8Array(L);
  seenNode[0] = 1;
  const queue = new Int32Array(n);
  let head = 0;
  let tail = 0;
  queue[tail++] = 0;
  let leaves = 0;
  while (head < tail) {
    const node = queue[head++]!;
    for (const c of [left[node]!, right[node]!]) {
      if (c >= 0) {
        if (seenNode[c]) throw modelError(`${what}: node ${c} is reached twice (not a tree)`);
        seenNode[c] = 1;
        queue[tail++] = c;
      } else {
        const leaf = ~c;
        if (seenLeaf[leaf]) throw modelError(`${what}: leaf ${leaf} is reached twice (not a tree)`);
        seenLeaf[leaf] = 1;
        leaves++;
      }
    }
  }
  if (tail !== n || leaves !== L) throw modelError(`${what}: some nodes are not reachable from the root`);
}

function parseLinear(
  fields: Map<string, string>,
  L: number,
  numFeatures: number,
  what: string,
): LinearLeaves {
  const leafConst = doubles(fields.get("leaf_const"), L, `${what} leaf_const`);
  const featTokens = tokens(fields.get("leaf_features") ?? "");
  const counts = ints(fields.get("num_features"), L, `${what} num_features`, 0, featTokens.length);
  const start = new Int32Array(L + 1);
  for (let l = 0; l < L; l++) {
    start[l + 1] = start[l]! + counts[l]!;
    if (start[l + 1]! > featTokens.length) break;
  }
  const total = start[L]!;
  if (total !== featTokens.length) countError(`${what} leaf_features`, featTokens.length, total);
  const features = new Int32Array(total);
  for (let i = 0; i < total; i++) {
    features[i] = parseIntToken(featTokens[i]!, `${what} leaf_features`, 0, numFeatures - 1);
  }
  const coeff = doubles(fields.get("leaf_coeff"), total, `${what} leaf_coeff`);
  return { leafConst, start, features, coeff };
}

function parsePandasCategorical(json: string): PandasCategorical {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch (e) {
    throw modelError(`pandas_categorical is not JSON: ${(e as Error).message}`, e);
  }
  if (v === null) return null;
  if (!Array.isArray(v)) throw modelError("pandas_categorical must be null or a list of lists");
  return v.map((cats, i) => {
    if (!Array.isArray(cats)) throw modelError(`pandas_categorical[${i}] is not a list`);
    for (const c of cats) {
      if (typeof c !== "string" && typeof c !== "number" && typeof c !== "boolean") {
        throw modelError(`pandas_categorical[${i}] holds a ${c === null ? "null" : typeof c} value`);
      }
    }
    return cats as (string | number | boolean)[];
  });
}

/** The first line of `text` (from `pos`) ending at '\n', without a trailing '\r'. */
function lineAt(text: string, pos: number): [line: string, next: number] {
  let end = text.indexOf("\n", pos);
  if (end < 0) end = text.length;
  const raw = text.slice(pos, end);
  return [raw.endsWith("\r") ? raw.slice(0, -1) : raw, end + 1];
}

/**
 * Parse LightGBM's text model format. Runs in time and memory linear in the text: every array is sized from
 * the tokens actually present, never from a count read out of the file. Anything malformed is an
 * MlflowException (INVALID_PARAMETER_VALUE) naming what is wrong.
 */
export function parseModelText(text: string): LgbModel {
  if (typeof text !== "string") throw modelError("the model must be text");
  let pos = 0;
  let line: string;
  // header
  [line, pos] = lineAt(text, pos);
  if (line.trim() !== "tree") {
    throw modelError(`unknown model type '${line.slice(0, 40)}' (a LightGBM text model starts with 'tree')`);
  }
  const header = new Map<string, string>();
  let averageOutput = false;
  while (pos < text.length) {
    const start = pos;
    [line, pos] = lineAt(text, pos);
    if (line.startsWith("Tree=") || line === "end of trees") {
      pos = start;
      break;
    }
    if (line.trim() === "") continue;
    const eq = line.indexOf("=");
    if (eq < 0) {
      if (line.trim() === "average_output") averageOutput = true;
      continue;
    }
    header.set(line.slice(0, eq).trim(), line.slice(eq + 1));
  }
  const req = (k: string): string => {
    const v = header.get(k);
    if (v === undefined) throw modelError(`the model text has no ${k}`);
    return v.trim();
  };
  const numClass = parseIntToken(req("num_class"), "num_class", 1, MAX_CLASSES);
  const numTreePerIteration = header.has("num_tree_per_iteration")
    ? parseIntToken(req("num_tree_per_iteration"), "num_tree_per_iteration", 1, MAX_CLASSES)
    : numClass;
  const maxFeatureIdx = parseIntToken(req("max_feature_idx"), "max_feature_idx", 0, I32_MAX - 1);
  const numFeatures = maxFeatureIdx + 1;
  const featureNames = tokens(req("feature_names"));
  if (featureNames.length !== numFeatures) {
    throw modelError(`feature_names has ${featureNames.length} names, max_feature_idx says ${numFeatures}`);
  }
  const infoLine = header.get("feature_infos");
  const featureInfos = infoLine === undefined ? null : tokens(infoLine);
  if (featureInfos !== null && featureInfos.length !== numFeatures) {
    throw modelError(`feature_infos has ${featureInfos.length} entries, expected ${numFeatures}`);
  }
  const objLine = header.get("objective");
  const objective = objLine === undefined ? null : objLine.trim();

  // trees
  const trees: LgbTree[] = [];
  let sawEnd = false;
  let fields: Map<string, string> | null = null;
  const finish = () => {
    if (fields !== null) trees.push(parseTree(fields, trees.length, numFeatures));
    fields = null;
  };
  while (pos < text.length) {
    [line, pos] = lineAt(text, pos);
    if (line === "end of trees") {
      sawEnd = true;
      break;
    }
    if (line.startsWith("Tree=")) {
      finish();
      const id = line.slice(5).trim();
      if (id !== String(trees.length))
        throw modelError(`expected Tree=${trees.length}, found '${line.slice(0, 40)}'`);
      fields = new Map();
      continue;
    }
    if (line.trim() === "") {
      finish();
      continue;
    }
    if (fields === null) throw modelError(`unexpected line '${line.slice(0, 40)}' between trees`);
    const eq = line.indexOf("=");
    if (eq < 0) throw modelError(`Tree=${trees.length}: line '${line.slice(0, 40)}' is not key=value`);
    (fields as Map<string, string>).set(line.slice(0, eq), line.slice(eq + 1));
  }
  finish();
  if (!sawEnd) throw modelError("the model text ends before 'end of trees' (truncated?)");
  if (trees.length % numTreePerIteration !== 0) {
    throw modelError(
      `${trees.length} trees is not a whole number of rounds of num_tree_per_iteration=${numTreePerIteration}`,
    );
  }

  // trailer: the parameters block and the last pandas_categorical line
  const parameters: Record<string, string> = {};
  let pandasLine: string | null = null;
  let inParams = false;
  while (pos < text.length) {
    [line, pos] = lineAt(text, pos);
    if (line === "parameters:") inParams = true;
    else if (line === "end of parameters") inParams = false;
    else if (inParams && line.startsWith("[") && line.endsWith("]")) {
      const colon = line.indexOf(": ");
      if (colon > 0) parameters[line.slice(1, colon)] = line.slice(colon + 2, -1);
    } else if (line.startsWith("pandas_categorical:")) pandasLine = line.slice("pandas_categorical:".length);
  }
  const pandasCategorical = pandasLine === null ? null : parsePandasCategorical(pandasLine);
  const version = header.get("version")?.trim() ?? null;
  return {
    version,
    numClass,
    numTreePerIteration,
    maxFeatureIdx,
    numFeatures,
    objective,
    averageOutput,
    featureNames,
    featureInfos,
    trees,
    numIterations: trees.length / numTreePerIteration,
    parameters,
    pandasCategorical,
  };
}

/** Decode model bytes (UTF-8; feature names and pandas categories may hold any text) and parse them. */
export function parseModelBytes(bytes: Uint8Array): LgbModel {
  return parseModelText(new TextDecoder("utf-8").decode(bytes));
}
