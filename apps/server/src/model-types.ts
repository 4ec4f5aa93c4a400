import type { Params, PyFuncInput, PyFuncOutput } from "@pyfunc/core";

/** The raw MLmodel `signature` block (JSON strings), as core's Model keeps it. */
export interface RawSignature {
  inputs?: string | null;
  outputs?: string | null;
  params?: string | null;
}

/** What the server needs from a loaded model: core's PyFuncModel satisfies it. */
export interface ServableModel {
  predict(input: PyFuncInput, params?: Params): Promise<PyFuncOutput>;
  /** The output itself when the model computes synchronously (core's PyFuncModel.predictEager). */
  predictEager?(input: PyFuncInput, params?: Params): PyFuncOutput | Promise<PyFuncOutput>;
  predictStream?(input: PyFuncInput, params?: Params): AsyncIterable<unknown>;
  readonly isStreamable?: boolean;
  readonly loaderModule?: string;
  readonly modelDir?: string;
  readonly metadata?: {
    signature?: RawSignature | null;
    savedInputExampleInfo?: Record<string, unknown> | null;
    mlflowVersion?: string | null;
  };
  close?(): Promise<void>;
}

/** Facts about the served model the HTTP layer needs (sent from a worker to the main thread). */
export interface ModelInfo {
  isStreamable: boolean;
  loaderModule: string | undefined;
  modelDir: string | undefined;
  signature: RawSignature | undefined;
  /** `serving_input_example.json` (a request body), when the model has one. */
  servingInputExample: unknown;
  mlflowVersion: string | undefined;
  /** The flavor declares `safeInThread`: its predictions may run in the HTTP thread. */
  safeInThread: boolean;
}
