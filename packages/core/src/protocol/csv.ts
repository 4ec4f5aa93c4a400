import { parse } from "csv-parse/sync";
import type { MlflowException } from "../errors/mlflow-exception.js";
import { type Column, DataFrame } from "../inputs/dataframe.js";
import { parsePyFloat } from "./coerce.js";
import { badRequest, pyRepr } from "./errors.js";
import { type InputSchemaView, isScalarColSpec, specNumpyType } from "./schema-view.js";

/** Cells pandas.read_csv reads as missing by default. */
/** Cells pandas.read_csv reads as missing by default. */
export const NA_VALUES: ReadonlySet<string> = new Set([
  "",
  "#N/A",
  "#N/A N/A",
  "#NA",
  "-1.#IND",
  "-1.#QNAN",
  "-NaN",
  "-nan",
  "1.#IND",
  "1.#QNAN",
  "<NA>",
  "N/A",
  "NA",
  "NULL",
  "NaN",
  "None",
  "n/a",
  "nan",
  "null",
]);
export const TRUE_VALUES: ReadonlySet<string> = new Set(["True", "true", "TRUE"]);
export const FALSE_VALUES: ReadonlySet<string> = new Set(["False", "false", "FALSE"]);
export const INT_RE = /^\s*[+-]?\d+\s*$/;

function csvFailure(message: string, cause?: unknown): MlflowException {
  return badRequest(
    "Failed to parse input as a Pandas DataFrame. Ensure that the input is a valid CSV-formatted Pandas DataFrame " +
      `produced using the \`pandas.DataFrame.to_csv()\` method. Error: '${message}'`,
    cause,
  );
}

/**
 * Parse a `text/csv` body as MLflow does with `pandas.read_csv(body, dtype=<schema dtypes>)`: a header row,
 * missing cells → NaN/None, short rows padded, schema columns typed, other columns inferred as pandas would.
 */
export function parseCsvBody(text: string, view: InputSchemaView | undefined): DataFrame {
  if (view !== undefined && (view.isTensor || view.specs.some((s) => !isScalarColSpec(s)))) {
    throw csvFailure(
      "CSV input is only supported for models with a column-based signature of scalar types (TensorSpec and " +
        "array/object/map columns cannot be read from CSV)",
    );
  }
  let rows: string[][];
  try {
    rows = parse(text, { relax_column_count: true, skip_empty_lines: true, bom: true, relax_quotes: true });
  } catch (error) {
    throw csvFailure(error instanceof Error ? error.message : String(error), error);
  }
  if (rows.length === 0) throw csvFailure("No columns to parse from file");
  const header = rows[0]!;
  const names = uniqueNames(header);
  const width = names.length;
  const body = rows.slice(1);
  body.forEach((r, i) => {
    if (r.length > width) {
      throw csvFailure(
        `Error tokenizing data. C error: Expected ${width} fields in line ${i + 2}, saw ${r.length}`,
      );
    }
  });
  const specs = new Map<string, string>();
  if (view !== undefined) {
    if (view.hasNames) for (const s of view.specs) specs.set(s.name as string, s.type);
  }
  const columns: Column[] = names.map((name, j) => {
    const cells = body.map((r) => (j < r.length ? r[j]! : ""));
    const type = specs.get(name);
    return type === undefined ? inferCsvColumn(name, cells) : typedCsvColumn(name, cells, type, j);
  });
  return new DataFrame(columns);
}

/** pandas' names for a header: empty → `Unnamed: i`, repeats → `name.1`, `name.2`… */
export function uniqueNames(header: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return header.map((raw, i) => {
    const base = raw === "" ? `Unnamed: ${i}` : raw;
    const count = seen.get(base);
    if (count === undefined) {
      seen.set(base, 0);
      return base;
    }
    seen.set(base, count + 1);
    return `${base}.${count + 1}`;
  });
}

function typedCsvColumn(name: string, cells: string[], type: string, index: number): Column {
  const n = cells.length;
  switch (type) {
    case "double":
    case "float": {
      const out = type === "double" ? new Float64Array(n) : new Float32Array(n);
      for (let i = 0; i < n; i++) {
        const c = cells[i]!;
        if (NA_VALUES.has(c)) out[i] = Number.NaN;
        else {
          const f = parsePyFloat(c);
          if (f === undefined) throw csvFailure(`could not convert string to float: ${pyRepr(c)}`);
          out[i] = f;
        }
      }
      return { name, dtype: type === "double" ? "float64" : "float32", values: out };
    }
    case "long":
    case "integer": {
      const out = type === "long" ? new BigInt64Array(n) : new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const c = cells[i]!;
        if (NA_VALUES.has(c)) throw csvFailure(`Integer column has NA values in column ${index}`);
        if (!INT_RE.test(c)) {
          throw csvFailure(
            `cannot safely convert passed user dtype of ${specNumpyType({ type })} for ${parsePyFloat(c) === undefined ? "object" : "float64"} dtyped data in column ${index}`,
          );
        }
        if (out instanceof BigInt64Array) out[i] = BigInt(c.trim());
        else out[i] = Number(c);
      }
      return { name, dtype: type === "long" ? "int64" : "int32", values: out };
    }
    case "boolean": {
      const out: boolean[] = new Array(n);
      for (let i = 0; i < n; i++) {
        const c = cells[i]!;
        if (TRUE_VALUES.has(c)) out[i] = true;
        else if (FALSE_VALUES.has(c)) out[i] = false;
        else throw csvFailure(`Bool column has NA values in column ${index}`);
      }
      return { name, dtype: "bool", values: out };
    }
    case "binary":
      return {
        name,
        dtype: "object",
        values: cells.map((c) => (NA_VALUES.has(c) ? null : new Uint8Array(Buffer.from(c, "base64")))),
      };
    case "datetime":
      return {
        name,
        dtype: "datetime64[ns]",
        values: cells.map((c) => {
          if (NA_VALUES.has(c)) return null;
          const d = new Date(c);
          if (Number.isNaN(d.getTime())) throw csvFailure(`Unable to parse datetime value ${pyRepr(c)}`);
          return d;
        }),
      };
    default:
      return { name, dtype: "object", values: cells.map((c) => (NA_VALUES.has(c) ? null : c)) };
  }
}

/** pandas' inference for an untyped CSV column. */
function inferCsvColumn(name: string, cells: string[]): Column {
  const n = cells.length;
  let allInt = true;
  let allFloat = true;
  let allBool = true;
  let hasNa = false;
  for (const c of cells) {
    if (NA_VALUES.has(c)) {
      hasNa = true;
      allBool = false;
      continue;
    }
    if (!INT_RE.test(c)) allInt = false;
    if (allFloat && parsePyFloat(c) === undefined) allFloat = false;
    if (!TRUE_VALUES.has(c) && !FALSE_VALUES.has(c)) allBool = false;
  }
  if (n > 0 && allBool) return { name, dtype: "bool", values: cells.map((c) => TRUE_VALUES.has(c)) };
  if (n > 0 && allInt && !hasNa) {
    return { name, dtype: "int64", values: BigInt64Array.from(cells, (c) => BigInt(c.trim())) };
  }
  if (allFloat) {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++)
      out[i] = NA_VALUES.has(cells[i]!) ? Number.NaN : (parsePyFloat(cells[i]!) as number);
    return { name, dtype: "float64", values: out };
  }
  return { name, dtype: "object", values: cells.map((c) => (NA_VALUES.has(c) ? null : c)) };
}
