import { limitExceeded } from "./errors.js";

/** Bounds on what reading one file may cost. Every default scales with the input size. */
export interface Limits {
  /** Most memo entries (MEMOIZE / PUT). Default 10,000,000 (also never more than the opcodes read). */
  maxMemo: number;
  /** Most values on the pickle stack at once. Default 1,000,000. */
  maxStack: number;
  /** Most open MARKs (nesting while building). Default 10,000. */
  maxMarks: number;
  /** Deepest nesting of containers in the result (lists, dicts, tuples, sets, records, object arrays). Default 1,000. */
  maxDepth: number;
  /** Bytes the reader may allocate (copies of arrays, decoded strings, inflated zip members), as a multiple
   *  of the input size, plus `allocationSlack`. Default 16. */
  allocationFactor: number;
  /** Bytes allowed on top of `allocationFactor × input size`. Default 1 MiB. */
  allocationSlack: number;
  /** Elementary steps (items copied, merged, decoded) as a multiple of the input size, plus 1,000,000. Default 64. */
  workFactor: number;
  /** skops: most zip members. Default 100,000. */
  maxZipEntries: number;
  /** skops: largest inflated size ÷ compressed size, for each member and for the whole archive (then plus
   *  1 MiB). Default 200: skops stores its members uncompressed, and deflated numeric arrays rarely pass 20. */
  maxZipRatio: number;
  /** skops: most bytes all members may inflate to, whatever the ratio. Default 2 GiB. */
  maxZipTotal: number;
}

export const DEFAULT_LIMITS: Limits = Object.freeze({
  maxMemo: 10_000_000,
  maxStack: 1_000_000,
  maxMarks: 10_000,
  maxDepth: 1_000,
  allocationFactor: 16,
  allocationSlack: 1 << 20,
  workFactor: 64,
  maxZipEntries: 100_000,
  maxZipRatio: 200,
  maxZipTotal: 2 ** 31,
});

export function resolveLimits(partial: Partial<Limits> | undefined): Limits {
  return { ...DEFAULT_LIMITS, ...(partial ?? {}) };
}

/** Counts allocation and work against bounds proportional to the input size. */
export class Budget {
  #allocated = 0;
  #work = 0;
  readonly maxAllocation: number;
  readonly maxWork: number;

  constructor(inputBytes: number, limits: Limits) {
    this.maxAllocation = limits.allocationFactor * inputBytes + limits.allocationSlack;
    this.maxWork = limits.workFactor * inputBytes + 1_000_000;
  }

  /** Charge `bytes` about to be allocated; throws before the allocation when over budget. */
  allocate(bytes: number, what: string): void {
    this.#allocated += bytes;
    if (!(this.#allocated <= this.maxAllocation)) {
      throw limitExceeded(
        `${what} would allocate ${bytes} bytes; the reader allows ${this.maxAllocation} bytes for this input`,
      );
    }
  }

  /** Charge `steps` elementary steps (items copied, merged or scanned). */
  work(steps: number, what: string): void {
    this.#work += steps;
    if (!(this.#work <= this.maxWork)) {
      throw limitExceeded(`${what}: the file needs more work than its size allows (${this.maxWork} steps)`);
    }
  }

  get allocated(): number {
    return this.#allocated;
  }
}
