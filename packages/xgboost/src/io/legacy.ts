import { modelError } from "../errors.js";
import { LIMITS, type RawModel, type RawTree } from "../model.js";

const latin1 = new TextDecoder("latin1");
const utf8 = new TextDecoder("utf-8");

/**
 * Reader for XGBoost's legacy binary model (`binf` header; what XGBoost < 2.1 writes for any
 * extension other than .json/.ubj). Layout from dmlc/xgboost src/learner.cc, src/gbm/gbtree_model.cc,
 * src/tree/tree_model.cc and src/gbm/gblinear_model.h; little endian.
 */
export function parseLegacyBinary(bytes: Uint8Array): RawModel {
  const r = new Reader(bytes);
  if (r.ascii(4) !== "binf") throw modelError("legacy binary model must start with 'binf'");
  // LearnerModelParamLegacy: 136 bytes
  const pStart = r.pos;
  const baseScore = r.f32();
  const numFeature = r.u32();
  const numClass = r.i32();
  const containExtraAttrs = r.i32();
  r.i32(); // contain_eval_metrics
  const major = r.u32();
  const minor = r.u32();
  let numTarget = r.u32();
  r.skipTo(pStart + 136);
  if (numFeature > LIMITS.maxFeatures) throw modelError(`bad num_feature ${numFeature}`);
  if (numClass < 0 || numClass > LIMITS.maxClasses) throw modelError(`bad num_class ${numClass}`);
  if (numTarget === 0) numTarget = 1;
  if (numTarget > LIMITS.maxClasses) throw modelError(`bad num_target ${numTarget}`);
  const objective = r.str(256);
  const boosterName = r.str(256);
  let trees: RawTree[] = [];
  let treeInfo = new Int32Array(0);
  let numParallelTree = 1;
  let weightDrop: Float32Array | null = null;
  let linearWeights: Float32Array | null = null;
  if (boosterName === "gbtree" || boosterName === "dart") {
    const mStart = r.pos;
    const numTrees = r.i32();
    numParallelTree = r.i32();
    r.skipTo(mStart + 160);
    // every tree takes at least 148 + 36 bytes
    if (numTrees < 0 || numTrees > LIMITS.maxTrees || numTrees > r.remaining / 184) {
      throw modelError(`bad num_trees ${numTrees}`);
    }
    if (numParallelTree < 1) numParallelTree = 1;
    trees = new Array(numTrees);
    for (let t = 0; t < numTrees; t++) trees[t] = readTree(r, t);
    treeInfo = new Int32Array(numTrees);
    r.need(4 * numTrees);
    for (let t = 0; t < numTrees; t++) treeInfo[t] = r.i32();
    if (boosterName === "dart") {
      const n = r.count(4);
      if (n !== numTrees) throw modelError(`dart weight_drop has ${n} entries for ${numTrees} trees`);
      weightDrop = new Float32Array(n);
      for (let i = 0; i < n; i++) weightDrop[i] = r.f32();
    }
  } else if (boosterName === "gblinear") {
    r.skipTo(r.pos + 136);
    const n = r.count(4);
    linearWeights = new Float32Array(n);
    for (let i = 0; i < n; i++) linearWeights[i] = r.f32();
  } else {
    throw modelError(`unknown gradient booster '${boosterName}'`);
  }
  const attributes: Record<string, string> = {};
  if (containExtraAttrs !== 0) {
    const n = r.count(16);
    for (let i = 0; i < n; i++) {
      const k = r.str(1 << 20);
      const v = r.str(1 << 24);
      attributes[k] = v;
    }
  }
  return {
    format: "binary",
    version: [major, minor, 0],
    objective,
    baseScore: Float32Array.of(baseScore),
    numFeature,
    numClass,
    numTarget,
    booster: boosterName === "gblinear" ? "gblinear" : boosterName === "dart" ? "dart" : "gbtree",
    trees,
    treeInfo,
    numParallelTree,
    iterationIndptr: null,
    weightDrop,
    linearWeights,
    attributes,
    featureNames: null,
    featureTypes: null,
  };
}

function readTree(r: Reader, t: number): RawTree {
  const start = r.pos;
  r.i32(); // deprecated_num_roots
  const numNodes = r.i32();
  r.i32(); // num_deleted
  r.i32(); // max_depth
  r.i32(); // num_feature
  const sizeLeafVector = r.i32();
  r.skipTo(start + 148);
  if (sizeLeafVector > 1) throw modelError(`tree ${t}: multi-target trees are not supported`);
  if (numNodes < 1 || numNodes > LIMITS.maxNodesPerTree || numNodes > r.remaining / 36) {
    throw modelError(`tree ${t}: bad num_nodes ${numNodes}`);
  }
  const left = new Int32Array(numNodes);
  const right = new Int32Array(numNodes);
  const splitIndex = new Int32Array(numNodes);
  const splitCondition = new Float32Array(numNodes);
  const defaultLeft = new Uint8Array(numNodes);
  const dv = r.dv;
  let p = r.pos;
  for (let i = 0; i < numNodes; i++, p += 20) {
    left[i] = dv.getInt32(p + 4, true);
    right[i] = dv.getInt32(p + 8, true);
    const sindex = dv.getUint32(p + 12, true);
    splitIndex[i] = sindex & 0x7fffffff;
    defaultLeft[i] = sindex >>> 31;
    splitCondition[i] = dv.getFloat32(p + 16, true);
  }
  r.skipTo(p + 16 * numNodes); // node stats are not needed for prediction
  return {
    numNodes,
    left,
    right,
    splitIndex,
    splitCondition,
    defaultLeft,
    splitType: null,
    categories: null,
  };
}

class Reader {
  readonly dv: DataView;
  pos = 0;
  readonly #b: Uint8Array;
  constructor(b: Uint8Array) {
    this.#b = b;
    this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
  get remaining(): number {
    return this.#b.length - this.pos;
  }
  need(n: number): void {
    if (n < 0 || this.pos + n > this.#b.length)
      throw modelError(`legacy binary truncated at byte ${this.pos}`);
  }
  skipTo(p: number): void {
    if (p > this.#b.length) throw modelError(`legacy binary truncated at byte ${this.pos}`);
    this.pos = p;
  }
  ascii(n: number): string {
    this.need(n);
    const s = latin1.decode(this.#b.subarray(this.pos, this.pos + n));
    this.pos += n;
    return s;
  }
  i32(): number {
    this.need(4);
    const v = this.dv.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.dv.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  f32(): number {
    this.need(4);
    const v = this.dv.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }
  u64(): number {
    this.need(8);
    const v = this.dv.getBigUint64(this.pos, true);
    this.pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw modelError("legacy binary: length out of range");
    return Number(v);
  }
  /** a uint64 element count, checked against the bytes that remain */
  count(elementBytes: number): number {
    const n = this.u64();
    if (n > this.remaining / elementBytes) throw modelError(`legacy binary: count ${n} exceeds the file`);
    return n;
  }
  str(max: number): string {
    const n = this.u64();
    if (n > max) throw modelError(`legacy binary: string of ${n} bytes is too long`);
    this.need(n);
    const s = utf8.decode(this.#b.subarray(this.pos, this.pos + n));
    this.pos += n;
    return s;
  }
}
