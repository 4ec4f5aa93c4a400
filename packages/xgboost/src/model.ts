/** One regression tree as stored by XGBoost (column arrays, original node ids). */
export interface RawTree {
  numNodes: number;
  left: Int32Array;
  right: Int32Array;
  splitIndex: Int32Array;
  /** split threshold for inner nodes, leaf value for leaves (float32) */
  splitCondition: Float32Array;
  defaultLeft: Uint8Array;
  /** 0 numerical, 1 categorical; null when the tree has no categorical split */
  splitType: Uint8Array | null;
  /** categories per categorical node id (values going RIGHT) */
  categories: Map<number, Int32Array> | null;
}

export type BoosterKind = "gbtree" | "dart" | "gblinear";

/** Everything prediction needs, independent of the storage format. */
export interface RawModel {
  format: "json" | "ubj" | "binary";
  version: [number, number, number] | null;
  objective: string;
  /** base_score in user (output) space, one per target; length >= 1 */
  baseScore: Float32Array;
  numFeature: number;
  numClass: number;
  numTarget: number;
  booster: BoosterKind;
  trees: RawTree[];
  treeInfo: Int32Array;
  numParallelTree: number;
  /** tree offsets per boosting round (XGBoost >= 2 writes it); null when absent */
  iterationIndptr: Int32Array | null;
  weightDrop: Float32Array | null;
  /** gblinear weights: (numFeature + 1) * numGroups */
  linearWeights: Float32Array | null;
  attributes: Record<string, string>;
  featureNames: string[] | null;
  featureTypes: string[] | null;
}

/** Hard limits checked before anything is allocated from a count read out of the file. */
export const LIMITS = {
  maxTrees: 10_000_000,
  maxNodesPerTree: 1 << 28,
  maxFeatures: 1 << 28,
  maxClasses: 1 << 20,
  maxDepth: 64,
} as const;
