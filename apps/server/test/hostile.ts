import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { saveModel } from "@pyfunc/function";

const HOSTILE = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures", "hostile-model.mjs");

/** Save the hostile function model (user code: never run in the HTTP thread) into a fresh directory. */
export async function saveHostileModel(): Promise<string> {
  const dir = path.join(await mkdtemp(path.join(os.tmpdir(), "pyfunc-hostile-")), "model");
  await saveModel(dir, { modelCode: HOSTILE, signature: null });
  return dir;
}

/** A dataframe_split body of `rows` rows of one `mode`. */
export function modeBody(mode: string, rows = 1): string {
  return JSON.stringify({
    dataframe_split: { columns: ["mode", "x"], data: Array.from({ length: rows }, (_, i) => [mode, i]) },
  });
}
