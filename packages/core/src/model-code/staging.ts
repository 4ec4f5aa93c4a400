import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { type BundleModelCodeResult, bundleModelCode } from "./bundle.js";
import { importModelCode } from "./import.js";

export interface StagedModelCode extends BundleModelCodeResult {
  /** Directory holding the compiled bundle until it is copied into the model directory. */
  stagingDir: string;
  /** Absolute path of the compiled bundle inside `stagingDir`. */
  bundlePath: string;
  /** File name the bundle gets in the model directory (`<entry stem>.mjs`). */
  fileName: string;
  /** Import the staged bundle (runs the model code) with the same resolution rules as loading. */
  importStaged(extraResolveFrom: string[]): Promise<Record<string, unknown>>;
  dispose(): Promise<void>;
}

/** Compile the model code into a temporary directory (see bundleModelCode). */
export async function stageModelCode(entry: string, cwd = process.cwd()): Promise<StagedModelCode> {
  const stagingDir = await mkdtemp(path.join(os.tmpdir(), "pyfunc-model-code-"));
  const stem = path.basename(entry).replace(/\.[^.]+$/, "");
  const fileName = `${stem}.mjs`;
  const bundlePath = path.join(stagingDir, fileName);
  try {
    const result = await bundleModelCode({ entry, outfile: bundlePath, cwd });
    return {
      ...result,
      stagingDir,
      bundlePath,
      fileName,
      importStaged: (extra) => importModelCode(stagingDir, bundlePath, { extraResolveFrom: extra }),
      dispose: () => rm(stagingDir, { recursive: true, force: true }),
    };
  } catch (error) {
    await rm(stagingDir, { recursive: true, force: true });
    throw error;
  }
}
