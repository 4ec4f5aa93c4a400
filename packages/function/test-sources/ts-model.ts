// A function model in TypeScript: a package import (@pyfunc/core, esbuild) and a relative helper.
import type { DataFrame } from "@pyfunc/core";
import { MlflowException } from "@pyfunc/core";
import { version } from "esbuild";
import { double, label } from "./lib/helpers.js";

type Row = { x: number; name: string };

export function predict(modelInput: Row[] | DataFrame): Record<string, unknown>[] {
  // Duck-typed: the DataFrame may come from another copy of @pyfunc/core than the one imported here.
  const frame = modelInput as { toRecords?: () => Row[] };
  const rows: Row[] = typeof frame.toRecords === "function" ? frame.toRecords() : (modelInput as Row[]);
  if (!Array.isArray(rows)) throw new MlflowException("expected rows", "INVALID_PARAMETER_VALUE");
  return rows.map((r) => ({ y: double(r.x), label: label(r.name), bundler: typeof version }));
}
