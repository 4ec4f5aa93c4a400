/**
 * `application/vnd.apache.arrow.stream` bodies (the Arrow IPC streaming format)
 * on `/invocations`: a DataFrame whose columns keep the Arrow types (float64/float32/int… as typed arrays, bool,
 * strings and nested values as JS values; see inputs/arrow.ts), as Parquet bodies keep theirs. The signature is
 * enforced by `predict` as for every other body. apache-arrow is imported on the first Arrow body only.
 *
 * Bounds: the server's body limit caps the bytes; every message header is walked with bounds before
 * apache-arrow decodes it (vector lengths, buffers within the body, rows ≤ 8 per byte); a stream may not hold
 * more cells (rows × columns) than 4 per byte of it, fixed-width buffers must hold their rows, and `Null`-typed
 * columns (values without bytes) are refused, so a forged count cannot make the reader allocate or loop beyond
 * the body's size. Only the stream format is read (an IPC file is refused with a message naming the stream).
 * Anything the reader refuses is a typed MlflowException BAD_REQUEST (400).
 */
import type { DataType, Field, Table } from "apache-arrow";
import { isMlflowException } from "../errors/mlflow-exception.js";
import { dataFrameFromArrow } from "../inputs/arrow.js";
import type { DataFrame } from "../inputs/dataframe.js";
import { badRequest } from "./errors.js";

/** The Arrow format's type id of `Null` (Schema.fbs). */
const ARROW_NULL_TYPE = 1;
/** Deepest nesting of list/struct types accepted. */
const MAX_TYPE_DEPTH = 16;

type ArrowModule = typeof import("apache-arrow");
let arrow: Promise<ArrowModule> | undefined;

function checkType(type: DataType, depth: number): void {
  if (depth > MAX_TYPE_DEPTH) throw badRequest("Invalid input. The Arrow schema is nested too deeply.");
  if (type.typeId === ARROW_NULL_TYPE) {
    throw badRequest("Invalid input. Arrow columns of type Null are not accepted (they carry no values).");
  }
  const children = (type as { children?: Field[] }).children;
  if (Array.isArray(children)) for (const child of children) checkType(child.type, depth + 1);
  const dictionary = (type as { dictionary?: DataType }).dictionary;
  if (dictionary !== undefined) checkType(dictionary, depth + 1);
}

// ----------------------------------------------------------------------------- the stream's framing, checked
// apache-arrow decodes each message's flatbuffer header trusting its vector lengths (a forged length of 2^31
// field nodes builds 2^31 objects), so every message header is walked here first with bounds on every read.

class Flat {
  constructor(
    readonly b: Uint8Array,
    readonly v: DataView,
    readonly start: number,
    readonly end: number,
  ) {}

  fail(): never {
    throw badRequest("Failed to parse input as an Arrow IPC stream: a message header is malformed.");
  }

  u32(pos: number): number {
    if (pos < this.start || pos + 4 > this.end) this.fail();
    return this.v.getUint32(pos, true);
  }

  /** The table an offset at `pos` points to. */
  ref(pos: number): number {
    const target = pos + this.u32(pos);
    if (target + 4 > this.end) this.fail();
    return target;
  }

  /** Position of field `i` of the table at `t`, or 0 when absent. */
  field(t: number, i: number): number {
    const vt = t - this.v.getInt32(t, true);
    if (vt < this.start || vt + 4 > this.end) this.fail();
    const vtSize = this.v.getUint16(vt, true);
    if (vt + vtSize > this.end || 4 + 2 * i + 2 > vtSize) return 0;
    const off = this.v.getUint16(vt + 4 + 2 * i, true);
    if (off === 0) return 0;
    if (t + off > this.end) this.fail();
    return t + off;
  }

  /** A vector (or string) the offset at `pos` points to: its element count, checked against the bytes. */
  vector(pos: number, elemSize: number): { at: number; length: number } {
    const at = this.ref(pos);
    const length = this.u32(at);
    if (at + 4 + length * elemSize > this.end) this.fail();
    return { at: at + 4, length };
  }

  i64(pos: number): number {
    if (pos + 8 > this.end) this.fail();
    return Number(this.v.getBigInt64(pos, true));
  }
}

const HEADER_SCHEMA = 1;
const HEADER_DICTIONARY_BATCH = 2;
const HEADER_RECORD_BATCH = 3;

function checkKeyValues(f: Flat, pos: number): void {
  if (pos === 0) return;
  const kv = f.vector(pos, 4);
  for (let i = 0; i < kv.length; i++) {
    const t = f.ref(kv.at + 4 * i);
    for (const k of [0, 1]) {
      const p = f.field(t, k);
      if (p !== 0) f.vector(p, 1);
    }
  }
}

function checkFields(f: Flat, pos: number, depth: number, budget: { fields: number }): void {
  if (pos === 0) return;
  if (depth > MAX_TYPE_DEPTH) throw badRequest("Invalid input. The Arrow schema is nested too deeply.");
  const fields = f.vector(pos, 4);
  budget.fields -= fields.length;
  if (budget.fields < 0) f.fail();
  for (let i = 0; i < fields.length; i++) {
    const t = f.ref(fields.at + 4 * i);
    const name = f.field(t, 0);
    if (name !== 0) f.vector(name, 1);
    const type = f.field(t, 3);
    if (type !== 0) {
      const tt = f.ref(type);
      // the only type tables holding vectors: Timestamp's timezone (type 10) and Union's typeIds (type 14)
      for (const k of [1]) {
        const p = f.field(tt, k);
        const typeType = f.field(t, 2);
        const id = typeType === 0 ? 0 : f.b[typeType]!;
        if (p !== 0 && (id === 10 || id === 14)) f.vector(p, id === 10 ? 1 : 4);
      }
    }
    const dict = f.field(t, 4);
    if (dict !== 0) {
      const d = f.ref(dict);
      const index = f.field(d, 1);
      if (index !== 0) f.ref(index);
    }
    checkFields(f, f.field(t, 5), depth + 1, budget);
    checkKeyValues(f, f.field(t, 6));
  }
}

function checkRecordBatch(f: Flat, t: number, bodyLength: number, maxRows: number): void {
  const lengthPos = f.field(t, 0);
  const length = lengthPos === 0 ? 0 : f.i64(lengthPos);
  if (!(length >= 0 && length <= maxRows)) tooManyRows(length, f.b.byteLength);
  const nodesPos = f.field(t, 1);
  if (nodesPos !== 0) {
    const nodes = f.vector(nodesPos, 16);
    for (let i = 0; i < nodes.length; i++) {
      const n = f.i64(nodes.at + 16 * i);
      const nulls = f.i64(nodes.at + 16 * i + 8);
      if (!(n >= 0 && n <= maxRows && nulls >= 0 && nulls <= n)) tooManyRows(n, f.b.byteLength);
    }
  }
  const buffersPos = f.field(t, 2);
  if (buffersPos !== 0) {
    const buffers = f.vector(buffersPos, 16);
    for (let i = 0; i < buffers.length; i++) {
      const offset = f.i64(buffers.at + 16 * i);
      const len = f.i64(buffers.at + 16 * i + 8);
      if (!(offset >= 0 && len >= 0 && offset + len <= bodyLength)) f.fail();
    }
  }
  const variadic = f.field(t, 4);
  if (variadic !== 0) f.vector(variadic, 8);
}

function tooManyRows(rows: number, bytes: number): never {
  throw badRequest(
    `Invalid input. The Arrow IPC stream declares ${rows} rows, more than its ${bytes} bytes can hold.`,
  );
}

/** Walks the stream's messages (bounds on every header read) before apache-arrow decodes them. */
function checkIpcStream(bytes: Uint8Array): void {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.byteLength;
  if (n >= 6 && String.fromCharCode(...bytes.subarray(0, 6)) === "ARROW1") {
    throw badRequest(
      "Invalid input. The body is an Arrow IPC file; send the IPC stream format (application/vnd.apache.arrow.stream).",
    );
  }
  const maxRows = 8 * n + 64;
  const budget = { fields: n };
  let p = 0;
  let messages = 0;
  while (p + 4 <= n) {
    let len = v.getInt32(p, true);
    p += 4;
    if (len === -1) {
      if (p + 4 > n) break;
      len = v.getInt32(p, true);
      p += 4;
    }
    if (len === 0) return; // end of stream
    if (len < 0 || p + len > n)
      throw badRequest("Failed to parse input as an Arrow IPC stream: a message is cut short.");
    const f = new Flat(bytes, v, p, p + len);
    const m = f.ref(p);
    const typePos = f.field(m, 1);
    const headerType = typePos === 0 ? 0 : bytes[typePos]!;
    const headerPos = f.field(m, 2);
    const bodyPos = f.field(m, 3);
    const bodyLength = bodyPos === 0 ? 0 : f.i64(bodyPos);
    if (!(bodyLength >= 0 && p + len + bodyLength <= n)) {
      throw badRequest("Failed to parse input as an Arrow IPC stream: a message body is cut short.");
    }
    checkKeyValues(f, f.field(m, 4));
    if (headerPos !== 0) {
      const h = f.ref(headerPos);
      if (headerType === HEADER_SCHEMA) {
        checkFields(f, f.field(h, 1), 0, budget);
        checkKeyValues(f, f.field(h, 2));
        const features = f.field(h, 3);
        if (features !== 0) f.vector(features, 8);
      } else if (headerType === HEADER_RECORD_BATCH) {
        checkRecordBatch(f, h, bodyLength, maxRows);
      } else if (headerType === HEADER_DICTIONARY_BATCH) {
        const data = f.field(h, 1);
        if (data !== 0) checkRecordBatch(f, f.ref(data), bodyLength, maxRows);
      } else {
        throw badRequest(
          "Invalid input. The Arrow IPC stream holds a message that is not a schema or a record batch.",
        );
      }
    }
    p += len + bodyLength;
    if (++messages > n) break;
  }
}

/** Each chunk of a fixed-width column has a values buffer that really holds its rows (a forged length does not). */
function buffersHoldRows(table: Table): boolean {
  for (let i = 0; i < table.numCols; i++) {
    for (const data of table.getChildAt(i)?.data ?? []) {
      const values = (data as { values?: ArrayLike<unknown> }).values;
      const offsets = (data as { valueOffsets?: ArrayLike<unknown> }).valueOffsets;
      const type = data.type.typeId;
      if (
        (type === 2 || type === 3) &&
        values !== undefined &&
        values.length < data.length * (data.stride ?? 1)
      )
        return false;
      if (offsets !== undefined && data.length > 0 && offsets.length < data.length + 1) return false;
    }
  }
  return true;
}

/** Parse an Arrow IPC stream body into a DataFrame. */
export async function parseArrowStreamBody(bytes: Uint8Array): Promise<DataFrame> {
  checkIpcStream(bytes);
  arrow ??= import("apache-arrow");
  const { tableFromIPC } = await arrow;
  let table: Table;
  try {
    table = tableFromIPC(bytes);
  } catch (error) {
    // the reader's own errors on garbage are internals (TypeErrors, RangeErrors): named only for readable causes
    const own =
      error instanceof Error && error.constructor === Error ? error.message.slice(0, 200) : undefined;
    throw badRequest(
      own === undefined
        ? "Failed to parse input as an Arrow IPC stream: the body is not a readable Arrow IPC stream."
        : `Failed to parse input as an Arrow IPC stream. Error: '${own}'`,
      error,
    );
  }
  const fields = table.schema.fields;
  if (fields.length === 0) throw badRequest("Invalid input. The Arrow IPC stream has no columns.");
  for (const field of fields) checkType(field.type, 0);
  const cells = table.numRows * fields.length;
  if (!(cells <= 4 * bytes.byteLength + 64) || !buffersHoldRows(table)) {
    throw badRequest(
      `Invalid input. The Arrow IPC stream declares ${table.numRows} rows of ${fields.length} columns, more ` +
        `values than its ${bytes.byteLength} bytes can hold.`,
    );
  }
  try {
    return dataFrameFromArrow(table);
  } catch (error) {
    // a schema naming one column twice, batches of unequal lengths…: the frame's own message, as a 400
    if (isMlflowException(error)) throw badRequest(`Invalid input. ${error.message}`, error);
    throw badRequest(
      "Failed to parse input as an Arrow IPC stream: its record batches do not match its schema.",
      error,
    );
  }
}
