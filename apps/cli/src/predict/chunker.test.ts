import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Chunk, type Chunker, CsvChunker, JsonLinesChunker, JsonLinesError } from "./chunker.js";

/** Feed `bytes` to a chunker cut at the given positions (as a stream would deliver it). */
function feed(chunker: Chunker, bytes: Buffer, cuts: number[]): Chunk[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Chunk[] = [];
  let prev = 0;
  for (const p of [...points, bytes.length]) {
    if (p > prev) out.push(...chunker.push(bytes.subarray(prev, p)));
    prev = Math.max(prev, p);
  }
  out.push(...chunker.end());
  return out;
}

const field = fc.oneof(
  fc.string({ unit: fc.constantFrom("a", "b", "1", ".", " ", "é") }),
  fc
    .string({ unit: fc.constantFrom("a", ",", '"', "\n", "\r\n", "x") })
    .map((s) => `"${s.replaceAll('"', '""')}"`),
);

function csvRecord(fields: string[]): string {
  return fields.map((f) => (f.length === 0 ? "" : f)).join(",");
}

describe("CsvChunker", () => {
  it("splits only at record boundaries, repeats the header and loses no byte (any stream cuts)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(field, { minLength: 2, maxLength: 2 }), { minLength: 0, maxLength: 40 }),
        fc.integer({ min: 1, max: 7 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.constantFrom("\n", "\r\n"),
        fc.boolean(),
        (records, size, cuts, eol, trailingNewline) => {
          const header = `a,"b${eol}c"`;
          const lines = records.map(csvRecord);
          const body = lines.map((l) => l + eol).join("");
          let text = `${header}${eol}${body}`;
          if (!trailingNewline && lines.length > 0 && !lines[lines.length - 1]!.trim()) return; // last blank line
          if (!trailingNewline && lines.length > 0) text = text.slice(0, -eol.length);
          const chunks = feed(new CsvChunker(size), Buffer.from(text), cuts);
          const headerBytes = Buffer.from(header + eol);
          let rebuilt = "";
          const recordsPerChunk: number[] = [];
          for (const c of chunks) {
            expect(c.body.subarray(0, headerBytes.length).equals(headerBytes)).toBe(true);
            rebuilt += c.body.subarray(headerBytes.length).toString();
            recordsPerChunk.push(c.rows);
          }
          expect(rebuilt).toBe(text.slice(header.length + eol.length));
          // Every chunk but the last holds exactly `size` records, the last one the rest (at least one chunk).
          const nonBlank = lines.filter((l) => l.trim().length > 0 || l.includes('"')).length;
          expect(chunks.length).toBeGreaterThanOrEqual(1);
          expect(recordsPerChunk.slice(0, -1).every((r) => r === size)).toBe(true);
          expect(recordsPerChunk.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(nonBlank);
          expect(recordsPerChunk.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(lines.length);
          // Chunk boundaries fall between records: each cumulative chunk end is a record end (in bytes).
          const ends = new Set<number>([0]);
          let at = 0;
          for (const l of lines) {
            at += Buffer.byteLength(l + eol);
            ends.add(at);
          }
          const total = Buffer.byteLength(text) - headerBytes.length;
          ends.add(total);
          let offset = 0;
          for (const c of chunks) {
            offset += c.body.length - headerBytes.length;
            expect(ends.has(offset)).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("counts records and their first record number, with newlines inside quoted fields", () => {
    const text = 'x,y\n1,"a\nb"\n2,"c""d"\n3,e\n4,f\n5,g\n';
    const chunks = feed(new CsvChunker(2), Buffer.from(text), [5, 9, 13]);
    expect(chunks.map((c) => [c.rows, c.firstRecord])).toEqual([
      [2, 1],
      [2, 3],
      [1, 5],
    ]);
    expect(chunks[0]!.body.toString()).toBe('x,y\n1,"a\nb"\n2,"c""d"\n');
    expect(chunks.reduce((a, c) => a + c.bytes, 0)).toBe(Buffer.byteLength(text));
  });

  it("emits one header-only chunk for a header-only input and one empty chunk for an empty input", () => {
    expect(
      feed(new CsvChunker(10), Buffer.from("a,b\n"), []).map((c) => [c.body.toString(), c.rows]),
    ).toEqual([["a,b\n", 0]]);
    expect(feed(new CsvChunker(10), Buffer.from("a,b"), []).map((c) => [c.body.toString(), c.rows])).toEqual([
      ["a,b", 0],
    ]);
    expect(feed(new CsvChunker(10), Buffer.alloc(0), []).map((c) => [c.body.toString(), c.rows])).toEqual([
      ["", 0],
    ]);
  });

  it("skips blank lines before the header, as pandas does", () => {
    const chunks = feed(new CsvChunker(10), Buffer.from("\n\r\nx\n1\n"), []);
    expect(chunks.map((c) => c.body.toString())).toEqual(["x\n1\n"]);
  });
});

describe("JsonLinesChunker", () => {
  it("turns lines into dataframe_records bodies holding the same records, for any stream cuts", () => {
    const record = fc.dictionary(
      fc.constantFrom("a", "b", "c"),
      fc.oneof(
        fc.integer(),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.string(),
        fc.constant(null),
      ),
    );
    fc.assert(
      fc.property(
        fc.array(record, { maxLength: 30 }),
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.constantFrom("\n", "\r\n", "\n\n"),
        (records, size, cuts, eol) => {
          const text = records.map((r) => JSON.stringify(r)).join(eol);
          const chunks = feed(new JsonLinesChunker(size), Buffer.from(text), cuts);
          const back = chunks.flatMap(
            (c) => (JSON.parse(c.body.toString()) as { dataframe_records: unknown[] }).dataframe_records,
          );
          expect(back).toEqual(records.map((r) => JSON.parse(JSON.stringify(r))));
          expect(chunks.map((c) => c.rows)).toEqual(
            chunks.map(
              (c) =>
                (JSON.parse(c.body.toString()) as { dataframe_records: unknown[] }).dataframe_records.length,
            ),
          );
          expect(chunks.slice(0, -1).every((c) => c.rows === size)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("rejects a line that is not one JSON object, with its line number", () => {
    expect(() => feed(new JsonLinesChunker(10), Buffer.from('{"a":1}\n\n[1]\n'), [])).toThrow(JsonLinesError);
    expect(() => feed(new JsonLinesChunker(10), Buffer.from('{"a":1}\n\n[1]\n'), [])).toThrow("line 3");
  });

  it("strips a UTF-8 byte order mark", () => {
    const chunks = feed(new JsonLinesChunker(10), Buffer.from('\ufeff{"a": 1}\n'), []);
    expect(JSON.parse(chunks[0]!.body.toString())).toEqual({ dataframe_records: [{ a: 1 }] });
  });
});
