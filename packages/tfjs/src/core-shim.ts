import type { DataFrame } from "@pyfunc/core";
import * as core from "@pyfunc/core";

/**
 * The DataFrame class as a value. @pyfunc/core's index re-exports DataFrame from two modules (one of them
 * type-only), which TypeScript reports as type-only; at runtime the class is there.
 */
export const DataFrameClass: typeof DataFrame = (core as unknown as { DataFrame: typeof DataFrame })
  .DataFrame;
