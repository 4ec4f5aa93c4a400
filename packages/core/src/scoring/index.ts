export { PoolTaskError, ScoringPool } from "./pool.js";
export {
  INFO_TASK,
  type PoolInfo,
  type PoolRunOptions,
  type PoolTaskResult,
  type ScoringHandler,
  type ScoringHandlerModule,
  type ScoringPoolOptions,
} from "./types.js";
