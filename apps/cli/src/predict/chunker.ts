/**
 * Splitting large CSV and JSON Lines inputs into scoring payloads of at most N rows, without parsing them:
 * each chunk is a complete, self-contained request body (CSV: the header line plus whole records; JSON Lines:
 * a `dataframe_records` document), which the predictor parses exactly as the server parses a request body.
 */

export interface Chunk {
  /** The request body for this chunk. */
  body: Buffer;
  /** Data records in the chunk (CSV records after the header, non-blank JSON lines). */
  rows: number;
  /** Input bytes this chunk accounts for (for progress reporting). */
  bytes: number;
  /** 1-based line/record number of the chunk's first record in the input (for error messages). */
  firstRecord: number;
}

export interface Chunker {
  /** Feed input bytes; returns the chunks completed by them. */
  push(data: Buffer): Chunk[];
  /** End of input; returns the last chunk(s). */
  end(): Chunk[];
}

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

function isBlank(buf: Buffer): boolean {
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (c !== LF && c !== CR && c !== 0x20 && c !== 0x09) return false;
  }
  return true;
}

/**
 * RFC 4180 record splitter: a record ends at a line feed outside double quotes (quoted fields may contain
 * newlines; an escaped quote `""` toggles the state twice). The first non-blank record is the header and is
 * repeated at the top of every chunk.
 */
export class CsvChunker implements Chunker {
  readonly #chunkRows: number;
  #header: Buffer | undefined;
  /** Bytes since the end of the last emitted chunk (whole records, then a partial record). */
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #rows = 0;
  #inQuotes = false;
  #emitted = 0;
  #recordNo = 0;
  #chunkFirstRecord = 1;
  #headerBytes = 0;
  /** Whether bytes after the last record end (a final record without newline) are non-blank. */
  #tailNonBlank = false;

  /** @param chunkRows records per chunk; 0 or Infinity = the whole input in one chunk. */
  constructor(chunkRows: number) {
    this.#chunkRows = chunkRows > 0 ? chunkRows : Number.POSITIVE_INFINITY;
  }

  push(data: Buffer): Chunk[] {
    const out: Chunk[] = [];
    let start = 0; // start of the not-yet-pending part of `data`
    let pos = 0;
    const n = data.length;
    let lastEnd = -1; // position after the last record end in `data`
    let nextQuote = -2; // cached position of the next quote at or after pos (-1: none, -2: unknown)
    while (pos < n) {
      if (this.#inQuotes) {
        const q = data.indexOf(QUOTE, pos);
        if (q === -1) {
          pos = n;
          break;
        }
        this.#inQuotes = false;
        pos = q + 1;
        nextQuote = -2;
        continue;
      }
      const nl = data.indexOf(LF, pos);
      if (nextQuote === -2 || (nextQuote !== -1 && nextQuote < pos)) nextQuote = data.indexOf(QUOTE, pos);
      if (nextQuote !== -1 && (nl === -1 || nextQuote < nl)) {
        this.#inQuotes = true;
        pos = nextQuote + 1;
        continue;
      }
      if (nl === -1) {
        pos = n;
        break;
      }
      // A record ends at nl.
      pos = nl + 1;
      lastEnd = pos;
      if (this.#header === undefined) {
        const candidate = this.#take(data, start, pos);
        start = pos;
        this.#headerBytes += candidate.length;
        if (!isBlank(candidate)) this.#header = candidate;
        continue;
      }
      this.#rows++;
      this.#recordNo++;
      if (this.#rows >= this.#chunkRows) {
        const body = this.#take(data, start, pos);
        start = pos;
        out.push(this.#chunk(body));
      }
    }
    if (lastEnd === -1) this.#tailNonBlank ||= !isBlank(data);
    else this.#tailNonBlank = !isBlank(data.subarray(lastEnd));
    if (start < n) {
      this.#pending.push(data.subarray(start));
      this.#pendingBytes += n - start;
    }
    return out;
  }

  end(): Chunk[] {
    const rest = this.#pendingBytes > 0 ? Buffer.concat(this.#pending, this.#pendingBytes) : Buffer.alloc(0);
    this.#pending = [];
    this.#pendingBytes = 0;
    if (this.#header === undefined) {
      // No complete non-blank line: the rest (maybe empty, maybe a header without a newline) is the one payload.
      const bytes = rest.length + this.#headerBytes;
      this.#header = Buffer.alloc(0);
      this.#headerBytes = 0;
      const chunk = this.#chunk(rest);
      chunk.bytes = bytes;
      return [chunk];
    }
    if (this.#tailNonBlank) {
      this.#rows++;
      this.#recordNo++;
    }
    if (this.#rows > 0 || this.#emitted === 0) return [this.#chunk(rest)];
    return [];
  }

  #take(data: Buffer, start: number, end: number): Buffer {
    const tail = data.subarray(start, end);
    if (this.#pendingBytes === 0) return Buffer.from(tail);
    this.#pending.push(tail);
    const all = Buffer.concat(this.#pending, this.#pendingBytes + tail.length);
    this.#pending = [];
    this.#pendingBytes = 0;
    return all;
  }

  #chunk(records: Buffer): Chunk {
    const header = this.#header ?? Buffer.alloc(0);
    const body = Buffer.concat([header, records], header.length + records.length);
    const bytes = records.length + (this.#emitted === 0 ? this.#headerBytes : 0);
    const chunk: Chunk = { body, rows: this.#rows, bytes, firstRecord: this.#chunkFirstRecord };
    this.#emitted++;
    this.#rows = 0;
    this.#chunkFirstRecord = this.#recordNo + 1;
    return chunk;
  }
}

const RECORDS_OPEN = Buffer.from('{"dataframe_records":[');
const RECORDS_CLOSE = Buffer.from("]}");
const COMMA = Buffer.from(",");

/** A JSON Lines input error (a line that is not a JSON object), with its line number. */
export class JsonLinesError extends Error {
  readonly line: number;
  constructor(line: number, message: string) {
    super(`JSON Lines input, line ${line}: ${message}`);
    this.line = line;
  }
}

/**
 * JSON Lines: one record (a JSON object) per line; blank lines are skipped. Each chunk becomes the body
 * `{"dataframe_records": [line, line, ...]}`, i.e. exactly what a client would POST for those rows.
 */
export class JsonLinesChunker implements Chunker {
  readonly #chunkRows: number;
  #partial: Buffer[] = [];
  #partialBytes = 0;
  #lines: Buffer[] = [];
  #lineBytes = 0;
  #consumed = 0;
  #lineNo = 0;
  #firstLine = 0;
  #emitted = 0;

  constructor(chunkRows: number) {
    this.#chunkRows = chunkRows > 0 ? chunkRows : Number.POSITIVE_INFINITY;
  }

  push(data: Buffer): Chunk[] {
    const out: Chunk[] = [];
    let start = 0;
    for (;;) {
      const nl = data.indexOf(LF, start);
      if (nl === -1) break;
      let line = data.subarray(start, nl);
      this.#consumed += nl + 1 - start;
      if (this.#partialBytes > 0) {
        this.#partial.push(line);
        line = Buffer.concat(this.#partial, this.#partialBytes + line.length);
        this.#partial = [];
        this.#partialBytes = 0;
      } else {
        line = Buffer.from(line);
      }
      start = nl + 1;
      this.#addLine(line, out);
    }
    if (start < data.length) {
      this.#partial.push(data.subarray(start));
      this.#partialBytes += data.length - start;
      this.#consumed += data.length - start;
    }
    return out;
  }

  end(): Chunk[] {
    const out: Chunk[] = [];
    if (this.#partialBytes > 0) {
      const line = Buffer.concat(this.#partial, this.#partialBytes);
      this.#partial = [];
      this.#partialBytes = 0;
      this.#addLine(line, out);
    }
    if (this.#lines.length > 0 || this.#emitted === 0) out.push(this.#flush());
    return out;
  }

  #addLine(raw: Buffer, out: Chunk[]): void {
    this.#lineNo++;
    let s = 0;
    let e = raw.length;
    if (this.#lineNo === 1 && raw[0] === 0xef && raw[1] === 0xbb && raw[2] === 0xbf) s = 3;
    while (s < e && (raw[s] === 0x20 || raw[s] === 0x09 || raw[s] === CR)) s++;
    while (e > s && (raw[e - 1] === 0x20 || raw[e - 1] === 0x09 || raw[e - 1] === CR)) e--;
    if (s === e) return;
    if (raw[s] !== 0x7b /* { */ || raw[e - 1] !== 0x7d /* } */) {
      throw new JsonLinesError(
        this.#lineNo,
        'each line must be one JSON object (a record), e.g. {"x": 1.5}.',
      );
    }
    if (this.#lines.length === 0) this.#firstLine = this.#lineNo;
    const line = raw.subarray(s, e);
    this.#lines.push(line);
    this.#lineBytes += line.length;
    if (this.#lines.length >= this.#chunkRows) out.push(this.#flush());
  }

  #flush(): Chunk {
    const parts: Buffer[] = [RECORDS_OPEN];
    this.#lines.forEach((l, i) => {
      if (i > 0) parts.push(COMMA);
      parts.push(l);
    });
    parts.push(RECORDS_CLOSE);
    const rows = this.#lines.length;
    const chunk: Chunk = {
      body: Buffer.concat(parts),
      rows,
      bytes: this.#consumed,
      firstRecord: rows > 0 ? this.#firstLine : this.#lineNo + 1,
    };
    this.#consumed = 0;
    this.#lines = [];
    this.#lineBytes = 0;
    this.#emitted++;
    return chunk;
  }
}
