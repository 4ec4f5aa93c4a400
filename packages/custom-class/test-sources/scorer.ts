// A context-taking custom model in TypeScript: artifacts (a file and a directory), model config, params,
// a zod row schema, and imports of two packages (zod, @pyfunc/custom-class) plus a relative helper.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { PyFuncModelBase, type PythonModelContext, setModel } from "@pyfunc/custom-class";
import { z } from "zod";
import { type Row, toRows } from "./lib/rows.js";

const Input = z.object({ x: z.number(), name: z.string().min(1) });

class Scorer extends PyFuncModelBase {
  static inputSchema = Input;
  static outputSchema = z.object({ score: z.number(), greeting: z.string(), known: z.boolean() });
  weight = 0;
  vocab = new Set<string>();
  greeting = "";

  override loadContext(context: PythonModelContext): void {
    this.weight = (JSON.parse(readFileSync(context.artifacts.weights as string, "utf8")) as { w: number }).w;
    const dir = context.artifacts.vocab as string;
    for (const f of readdirSync(dir))
      for (const w of readFileSync(path.join(dir, f), "utf8").split("\n")) if (w) this.vocab.add(w);
    this.greeting = String(context.modelConfig.greeting ?? "hello");
  }

  override predict(context: PythonModelContext, modelInput: Row[], params?: Record<string, unknown>) {
    const multiplier = typeof params?.multiplier === "number" ? params.multiplier : 1;
    const scale = Number(context.modelConfig.scale ?? 1);
    return toRows(modelInput).map((r) => {
      const row = Input.parse(r);
      return {
        score: row.x * this.weight * scale * multiplier,
        greeting: `${this.greeting} ${row.name}`,
        known: this.vocab.has(row.name),
      };
    });
  }
}

setModel(new Scorer());
