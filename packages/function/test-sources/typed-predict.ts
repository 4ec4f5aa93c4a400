// A model function with typed rows (MLflow: `def score(model_input: list[Row]) -> list[Out]`), imported by a test
// and saved from the function value.
import { z } from "zod";

const Row = z.object({ x: z.number(), name: z.string().min(1) });
type Row = z.infer<typeof Row>;

export function score(rows: Row[]) {
  return rows.map((r) => ({ y: r.x * 2, label: r.name.toUpperCase() }));
}
score.inputSchema = Row;
score.outputSchema = z.object({ y: z.number(), label: z.string() });

export function unrelated(rows: Row[]) {
  return rows.length;
}
