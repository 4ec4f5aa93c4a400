import {
  Bool,
  Float32,
  Int64,
  makeData,
  makeVector,
  Null,
  Table,
  tableFromArrays,
  tableToIPC,
  Utf8,
  vectorFromArray,
} from "apache-arrow";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isMlflowException, MlflowException } from "../errors/mlflow-exception.js";
import { DataFrame } from "../inputs/dataframe.js";
import { parseContentType } from "./content-type.js";
import { parseScoringRequest, parseScoringRequestAsync } from "./parse.js";

const ARROW = "application/vnd.apache.arrow.stream";

function sampleTable(): Table {
  return new Table({
    f64: makeVector(new Float64Array([1.5, -2, Number.NaN])),
    f32: makeVector(new Float32Array([0.25, 1, 2])),
    i64: makeVector(new BigInt64Array([1n, -(2n ** 62n), 3n])),
    i32: makeVector(new Int32Array([7, 8, 9])),
    flag: vectorFromArray([true, false, true], new Bool()),
    name: vectorFromArray(["a", "b", null], new Utf8()),
  });
}

async function parseArrow(bytes: Uint8Array) {
  return (await parseScoringRequestAsync(bytes, ARROW)).input;
}

describe("Arrow IPC stream bodies", () => {
  it("is a content type of its own (a charset parameter is accepted as for the others)", () => {
    expect(parseContentType(ARROW)).toBe("arrow");
    expect(parseContentType(`${ARROW}; charset=utf-8`)).toBe("arrow");
  });

  it("become a DataFrame whose columns keep the Arrow types", async () => {
    const parsed = await parseScoringRequestAsync(tableToIPC(sampleTable(), "stream"), ARROW);
    expect(parsed.format).toBe("arrow");
    const df = parsed.input as DataFrame;
    expect(df).toBeInstanceOf(DataFrame);
    expect(df.columns).toEqual(["f64", "f32", "i64", "i32", "flag", "name"]);
    expect(df.columnList.map((c) => c.dtype)).toEqual([
      "float64",
      "float32",
      "int64",
      "int32",
      "bool",
      "object",
    ]);
    expect(Array.from(df.column("f64").values as Float64Array)).toEqual([1.5, -2, Number.NaN]);
    expect(df.column("i64").values).toEqual(new BigInt64Array([1n, -(2n ** 62n), 3n]));
    expect(df.column("name").values).toEqual(["a", "b", null]);
  });

  it("reads a stream of several record batches, and refuses the IPC file format naming the stream", async () => {
    const t = sampleTable();
    await expect(parseArrow(tableToIPC(t, "file"))).rejects.toThrow(/IPC stream format/);
    const two = new Table([...t.batches, ...t.batches]);
    const df = (await parseArrow(tableToIPC(two, "stream"))) as DataFrame;
    expect(df.numRows).toBe(6);
    expect(Array.from(df.column("i32").values as Int32Array)).toEqual([7, 8, 9, 7, 8, 9]);
  });

  it("needs the asynchronous parser (as Parquet does)", () => {
    expect(() => parseScoringRequest(tableToIPC(sampleTable()), ARROW)).toThrow(/asynchronously/);
  });

  it("refuses garbage, empty bodies and streams without columns with a typed 400", async () => {
    for (const body of [
      new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]),
      new Uint8Array(0),
      new TextEncoder().encode("{}"),
    ]) {
      const error = await parseArrow(body).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MlflowException);
      expect((error as MlflowException).errorCode).toBe("BAD_REQUEST");
    }
  });

  it("refuses a stream whose rows carry no bytes (Null columns), however many rows it declares", async () => {
    const nulls = makeVector(makeData({ type: new Null(), length: 50_000_000, nullCount: 50_000_000 }));
    const bytes = tableToIPC(new Table({ n: nulls }), "stream");
    expect(bytes.byteLength).toBeLessThan(10_000);
    await expect(parseArrow(bytes)).rejects.toThrow(/declares 50000000 rows/);
    const few = makeVector(makeData({ type: new Null(), length: 100, nullCount: 100 }));
    await expect(parseArrow(tableToIPC(new Table({ n: few }), "stream"))).rejects.toThrow(/type Null/);
  });

  it("refuses a declared row count larger than the bytes can hold", async () => {
    // a batch header claiming 10^9 rows over 3 rows of data: rewrite the length field of the batch message
    const t = tableFromArrays({ x: new Float64Array([1, 2, 3]) });
    const bytes = tableToIPC(t, "stream");
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let patched = 0;
    for (let i = 0; i + 8 <= bytes.length; i++) {
      if (view.getBigInt64(i, true) === 3n) {
        view.setBigInt64(i, 1_000_000_000n, true); // the RecordBatch length (and the field node's length)
        patched++;
      }
    }
    expect(patched).toBeGreaterThan(0);
    const error = await parseArrow(bytes).catch((e: unknown) => e);
    expect(isMlflowException(error)).toBe(true);
    expect((error as MlflowException).errorCode).toBe("BAD_REQUEST");
  });

  it("property: mutated IPC bytes give a DataFrame or a typed 400, never another error", async () => {
    const base = tableToIPC(
      new Table({
        a: makeVector(new Float64Array([1, 2, 3, 4])),
        b: vectorFromArray(["x", "yy", "zzz", ""], new Utf8()),
        c: makeVector(new Int32Array([1, 2, 3, 4])),
        d: vectorFromArray([1n, 2n, 3n, 4n], new Int64()),
        e: vectorFromArray([0.5, 1.5, 2.5, 3.5], new Float32()),
      }),
      "stream",
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom("set", "drop", "insert")),
          {
            minLength: 1,
            maxLength: 6,
          },
        ),
        fc.nat(),
        async (edits, cut) => {
          let bytes: number[] = Array.from(base);
          for (const [at, value, op] of edits) {
            const i = at % bytes.length;
            if (op === "set") bytes[i] = value;
            else if (op === "drop") bytes.splice(i, 1);
            else bytes.splice(i, 0, value);
          }
          if (cut % 4 === 0) bytes = bytes.slice(0, cut % bytes.length);
          try {
            const df = await parseArrow(Uint8Array.from(bytes));
            expect(df).toBeInstanceOf(DataFrame);
          } catch (error) {
            expect(isMlflowException(error)).toBe(true);
            expect((error as MlflowException).errorCode).toBe("BAD_REQUEST");
          }
        },
      ),
      { numRuns: 1500 },
    );
  });
});
