/**
 * Arrow tables as DataFrames. apache-arrow is never imported at run time: a table the caller passes is
 * recognised by its shape and read through its own methods, so `import("@pyfunc/core")` does not pay for
 * loading Arrow (about half of core's cold import before) and tables from any Arrow copy work.
 */
import type { Table } from "apache-arrow";
import { type Column, DataFrame, dtypeOfTypedArray } from "./dataframe.js";
import { isTypedArray } from "./dtype.js";

/**
 * The Arrow columnar format's type ids (`union Type` in the format's Schema.fbs, mirrored by apache-arrow's
 * `Type` enum). They are part of the IPC format and cannot change; a test compares them with apache-arrow's.
 */
export const ARROW_TYPE = Object.freeze({ Int: 2, Float: 3, Bool: 6, Date: 8, Timestamp: 10 });

/** Duck-typed check for an apache-arrow `Table` (works across arrow copies). */
export function isArrowTable(value: unknown): value is Table {
  if (typeof value !== "object" || value === null) return false;
  const v = value as {
    schema?: { fields?: unknown };
    getChildAt?: unknown;
    numRows?: unknown;
    batches?: unknown;
  };
  return (
    typeof v.getChildAt === "function" &&
    typeof v.numRows === "number" &&
    Array.isArray(v.batches) &&
    Array.isArray(v.schema?.fields)
  );
}

/** An Arrow Table as a DataFrame: numeric columns without nulls are taken as typed arrays (zero-copy when single-chunk). */
export function dataFrameFromArrow(table: Table): DataFrame {
  const cols: Column[] = [];
  table.schema.fields.forEach((field, i) => {
    const vec = table.getChildAt(i);
    if (!vec) return;
    const typeId = field.type.typeId;
    const nulls = vec.nullCount;
    const arr = vec.toArray() as unknown;
    if ((typeId === ARROW_TYPE.Float || typeId === ARROW_TYPE.Int) && isTypedArray(arr)) {
      const dtype = dtypeOfTypedArray(arr);
      if (nulls === 0) {
        cols.push({ name: field.name, dtype, values: arr });
      } else {
        // pandas: an int column with nulls becomes float64 with NaN; floats get NaN
        const out = new Float64Array(vec.length);
        for (let r = 0; r < vec.length; r++) {
          const v = vec.get(r) as number | bigint | null;
          out[r] = v === null ? Number.NaN : Number(v);
        }
        cols.push({
          name: field.name,
          dtype: typeId === ARROW_TYPE.Float && dtype === "float32" ? "float32" : "float64",
          values: typeId === ARROW_TYPE.Float && dtype === "float32" ? Float32Array.from(out) : out,
        });
      }
      return;
    }
    const values: unknown[] = new Array(vec.length);
    for (let r = 0; r < vec.length; r++) {
      let v = vec.get(r) as unknown;
      if (typeId === ARROW_TYPE.Timestamp || typeId === ARROW_TYPE.Date)
        v = v === null ? null : new Date(Number(v));
      else if (
        typeof v === "object" &&
        v !== null &&
        typeof (v as { toJSON?: unknown }).toJSON === "function"
      ) {
        v = (v as { toJSON(): unknown }).toJSON();
      }
      values[r] = v;
    }
    if (typeId === ARROW_TYPE.Bool && nulls === 0) {
      cols.push({
        name: field.name,
        dtype: "bool",
        values: Uint8Array.from(values as boolean[], (b) => (b ? 1 : 0)),
      });
    } else if (typeId === ARROW_TYPE.Timestamp || typeId === ARROW_TYPE.Date) {
      cols.push({ name: field.name, dtype: "datetime64[ns]", values });
    } else {
      cols.push({ name: field.name, dtype: "object", values });
    }
  });
  return new DataFrame(cols);
}
