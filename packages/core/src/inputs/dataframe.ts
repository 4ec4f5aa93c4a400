import { MlflowException } from "../errors/mlflow-exception.js";
import { isTypedArray, type NumpyDType, type TypedArray } from "./dtype.js";

/** Values of one column: a typed array for numeric dtypes, a JS array for str/object/bool-with-nulls. */
export type ColumnValues = TypedArray | unknown[];

export interface Column {
  readonly name: string;
  /** numpy dtype as pandas would report it: "float64", "int64", "bool", "object", "datetime64[ns]" … */
  readonly dtype: NumpyDType | "datetime64[ns]";
  readonly values: ColumnValues;
}

/**
 * A small columnar table, pandas-shaped: ordered named columns of equal length.
 * Numeric columns are typed arrays (missing floats are NaN), so numbers are never boxed per cell.
 */
export class DataFrame {
  readonly #columns: Column[];
  readonly #byName: Map<string, Column>;
  readonly numRows: number;

  constructor(columns: Column[]) {
    const numRows = columns.length === 0 ? 0 : columns[0]!.values.length;
    const byName = new Map<string, Column>();
    for (const c of columns) {
      if (c.values.length !== numRows) {
        throw MlflowException.invalidParameter(
          `All columns must have the same length: column '${c.name}' has ${c.values.length} values, expected ${numRows}.`,
        );
      }
      if (byName.has(c.name)) throw MlflowException.invalidParameter(`Duplicate column name '${c.name}'.`);
      byName.set(c.name, c);
    }
    this.#columns = columns;
    this.#byName = byName;
    this.numRows = numRows;
  }

  get columns(): string[] {
    return this.#columns.map((c) => c.name);
  }

  get columnList(): readonly Column[] {
    return this.#columns;
  }

  get numColumns(): number {
    return this.#columns.length;
  }

  has(name: string): boolean {
    return this.#byName.has(name);
  }

  column(name: string): Column {
    const c = this.#byName.get(name);
    if (!c) throw MlflowException.invalidParameter(`DataFrame has no column '${name}'.`);
    return c;
  }

  /** A new frame with the named columns, in the given order (columns are shared, not copied). */
  select(names: readonly string[]): DataFrame {
    return new DataFrame(names.map((n) => this.column(n)));
  }

  /** Row objects, as pandas `to_dict(orient="records")`. Numeric values become JS numbers (int64 too). */
  toRecords(): Record<string, unknown>[] {
    const rows: Record<string, unknown>[] = new Array(this.numRows);
    for (let i = 0; i < this.numRows; i++) {
      const row: Record<string, unknown> = {};
      for (const c of this.#columns) row[c.name] = cellToJs(c.values, i, c.dtype);
      rows[i] = row;
    }
    return rows;
  }

  /**
   * The frame as JSON records, as pandas' `to_json(orient="records")`: one object per row, NaN as null,
   * datetimes as epoch milliseconds (pandas' default `date_format="epoch"`), int64 as numbers.
   * So `JSON.stringify(frame)` gives what Python prints for the same frame.
   */
  toJSON(): Record<string, unknown>[] {
    const rows = this.toRecords();
    for (const c of this.#columns) {
      if (c.dtype !== "datetime64[ns]" && c.dtype !== "object") continue;
      for (const row of rows) {
        const v = row[c.name];
        if (v instanceof Date) row[c.name] = v.getTime();
      }
    }
    return rows;
  }

  /** `console.log(frame)` / `util.inspect`: the first and last rows as pandas prints them, and the size. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return formatFrame(this);
  }

  /** Build a frame from named value arrays; dtypes are inferred as pandas would. */
  static fromColumns(columns: Record<string, ColumnValues> | Map<string, ColumnValues>): DataFrame {
    const entries = columns instanceof Map ? [...columns.entries()] : Object.entries(columns);
    return new DataFrame(entries.map(([name, values]) => inferColumn(name, values)));
  }

  /** Build a frame from row objects, as `pandas.DataFrame(records)`: column order is first appearance. */
  static fromRecords(records: readonly Record<string, unknown>[]): DataFrame {
    return DataFrame.fromColumns(columnsOfRecords(records));
  }

  static isDataFrame(value: unknown): value is DataFrame {
    return value instanceof DataFrame;
  }
}

/** The columns of row objects, as `pandas.DataFrame(records)` sees them: first-appearance order, missing → null. */
export function columnsOfRecords(records: readonly Record<string, unknown>[]): Map<string, unknown[]> {
  const cols = new Map<string, unknown[]>();
  records.forEach((r, i) => {
    for (const k of Object.keys(r)) {
      if (!cols.has(k)) cols.set(k, new Array(records.length).fill(null));
      cols.get(k)![i] = r[k];
    }
  });
  return cols;
}

/** Rows shown by `util.inspect` before and after the "..." line (pandas shows 5 and 5 when truncating). */
const INSPECT_EDGE_ROWS = 5;

function formatCell(values: ColumnValues, i: number, dtype: string): string {
  const v = cellToJs(values, i, dtype);
  if (v === null || v === undefined) return "None";
  if (typeof v === "number") {
    if (Number.isNaN(v)) return "NaN";
    if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
    return dtype.startsWith("float") && Number.isInteger(v) ? `${v}.0` : String(v);
  }
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "string") return v.length > 50 ? `${v.slice(0, 47)}...` : v;
  if (v instanceof Date)
    return Number.isNaN(v.getTime()) ? "NaT" : v.toISOString().replace("T", " ").replace("Z", "");
  if (v instanceof Uint8Array) return `b'…' (${v.length} bytes)`;
  const json = JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? Number(x) : x)) ?? String(v);
  return json.length > 50 ? `${json.slice(0, 47)}...` : json;
}

/** pandas' text form of a frame: a header of column names, index-labelled rows (truncated), and the shape. */
function formatFrame(df: DataFrame): string {
  const n = df.numRows;
  const cols = df.columnList;
  if (cols.length === 0) return `Empty DataFrame\nColumns: []\nIndex: [${n} rows]`;
  const shown =
    n <= 2 * INSPECT_EDGE_ROWS
      ? Array.from({ length: n }, (_, i) => i)
      : [
          ...Array.from({ length: INSPECT_EDGE_ROWS }, (_, i) => i),
          -1,
          ...Array.from({ length: INSPECT_EDGE_ROWS }, (_, i) => n - INSPECT_EDGE_ROWS + i),
        ];
  const index = shown.map((i) => (i < 0 ? "..." : String(i)));
  const columns = cols.map((c) => {
    const cells = shown.map((i) => (i < 0 ? "..." : formatCell(c.values, i, c.dtype)));
    const width = Math.max(c.name.length, ...cells.map((x) => x.length));
    return { header: c.name.padStart(width), cells: cells.map((x) => x.padStart(width)) };
  });
  const indexWidth = Math.max(0, ...index.map((x) => x.length));
  const lines = [`${" ".repeat(indexWidth)}  ${columns.map((c) => c.header).join("  ")}`];
  shown.forEach((_, r) => {
    lines.push(`${index[r]!.padEnd(indexWidth)}  ${columns.map((c) => c.cells[r]).join("  ")}`);
  });
  lines.push("", `[${n} rows x ${cols.length} columns]`);
  return lines.join("\n");
}

function cellToJs(values: ColumnValues, i: number, dtype?: string): unknown {
  const v = values[i];
  if (dtype === "bool" && typeof v === "number") return v !== 0; // bool stored as a Uint8Array
  return typeof v === "bigint" ? Number(v) : v;
}

/**
 * pandas-like dtype inference for a column of JS values: all-boolean → bool; all integers → int64;
 * numbers with null/NaN → float64; anything else → object. Typed arrays keep their dtype.
 */
export function inferColumn(name: string, values: ColumnValues): Column {
  if (isTypedArray(values)) return { name, dtype: dtypeOfTypedArray(values), values };
  let allBool = values.length > 0;
  let allNumber = values.length > 0;
  let allInt = true;
  let hasMissing = false;
  let hasValueOrNaN = false;
  for (const v of values) {
    if (v === null || v === undefined || (typeof v === "number" && Number.isNaN(v))) {
      hasMissing = true;
      allBool = false;
      if (typeof v === "number") hasValueOrNaN = true;
      continue;
    }
    hasValueOrNaN = true;
    if (typeof v !== "boolean") allBool = false;
    if (typeof v !== "number") allNumber = false;
    else if (!Number.isInteger(v)) allInt = false;
  }
  if (allBool) return { name, dtype: "bool", values: values.slice() };
  // pandas: a column of only None is object, not float64
  if (allNumber && hasValueOrNaN) {
    if (allInt && !hasMissing)
      return { name, dtype: "int64", values: BigInt64Array.from(values as number[], BigInt) };
    const out = new Float64Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      out[i] = typeof v === "number" ? v : Number.NaN;
    }
    return { name, dtype: "float64", values: out };
  }
  return { name, dtype: "object", values };
}

export function dtypeOfTypedArray(values: TypedArray): NumpyDType {
  if (values instanceof Float64Array) return "float64";
  if (values instanceof Float32Array) return "float32";
  if (values instanceof Int32Array) return "int32";
  if (values instanceof Int16Array) return "int16";
  if (values instanceof Int8Array) return "int8";
  if (values instanceof Uint8Array) return "uint8";
  if (values instanceof Uint16Array) return "uint16";
  if (values instanceof Uint32Array) return "uint32";
  if (values instanceof BigInt64Array) return "int64";
  return "uint64";
}
