/** The part of @pyfunc/core's DataFrame the custom-class wrappers use, checked by shape (works across copies). */
export interface FrameLike {
  readonly numRows: number;
  readonly columns: string[];
  toRecords(): Record<string, unknown>[];
}

export function isFrameLike(value: unknown): value is FrameLike {
  const v = value as Partial<FrameLike> | null;
  return (
    typeof v === "object" &&
    v !== null &&
    typeof v.numRows === "number" &&
    Array.isArray(v.columns) &&
    typeof v.toRecords === "function"
  );
}
