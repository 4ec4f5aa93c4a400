import { parquetMetadata, parquetReadObjects, parquetSchema } from "hyparquet";
import { DataFrame, inferColumn } from "../inputs/dataframe.js";
import { badRequest } from "./errors.js";

/**
 * Parse an `application/vnd.apache.parquet` body into a DataFrame, as MLflow's `pd.read_parquet`
 * (no schema casting: the file's own column types are kept). INT64 columns stay int64.
 */
export async function parseParquetBody(bytes: Uint8Array): Promise<DataFrame> {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let names: string[];
  let rows: Record<string, unknown>[];
  try {
    const metadata = parquetMetadata(buffer);
    names = parquetSchema(metadata).children.map((c) => c.element.name);
    rows = (await parquetReadObjects({ file: buffer, metadata })) as Record<string, unknown>[];
  } catch (error) {
    // the reader's own errors (TypeErrors on a garbage footer …) are internals: named only for readable causes
    const own =
      error instanceof Error && error.constructor === Error ? error.message.slice(0, 200) : undefined;
    throw badRequest(
      own === undefined
        ? "Failed to parse input as a Parquet file: the body is not a readable Parquet file."
        : `Failed to parse input as a Parquet file. Error: '${own}'`,
      error,
    );
  }
  return new DataFrame(
    names.map((name) => {
      const values = rows.map((r) => r[name] ?? null);
      if (values.length > 0 && values.every((v) => typeof v === "bigint")) {
        return { name, dtype: "int64" as const, values: BigInt64Array.from(values as bigint[]) };
      }
      return inferColumn(
        name,
        values.map((v) => (typeof v === "bigint" ? Number(v) : v)),
      );
    }),
  );
}
