// Shared helper (a relative import of the model code): rows of a DataFrame-like input or a list of records.
export type Row = Record<string, unknown>;

export function toRows(input: unknown): Row[] {
  const frame = input as { toRecords?: () => Row[] };
  if (input && typeof frame.toRecords === "function") return frame.toRecords();
  if (Array.isArray(input)) return input as Row[];
  return [input as Row];
}
