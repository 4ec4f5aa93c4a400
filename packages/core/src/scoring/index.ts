export {
  AdaptiveBatcher,
  type BatchingOptions,
  type BatchReport,
  type BatchTarget,
  batchKeyOf,
  mergeInputs,
  splitOutput,
} from "./batcher.js";
export { PoolTaskError, ScoringPool } from "./pool.js";
export {
  ABANDONED,
  INFO_TASK,
  type PoolInfo,
  type PoolRunOptions,
  type PoolTaskResult,
  type ScoringHandler,
  type ScoringHandlerModule,
  type ScoringPoolOptions,
} from "./types.js";
