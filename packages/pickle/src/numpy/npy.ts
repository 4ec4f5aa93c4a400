import { malformed, PickleError } from "../errors.js";
import type { Budget } from "../limits.js";
import { isTuple } from "../values.js";
import { DType, type DTypeField } from "./dtype.js";
import { NdArray } from "./ndarray.js";
import { parsePyLiteral } from "./pyliteral.js";

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** A dtype from an .npy `descr`: a type string, or a list of (name, descr[, shape]) fields laid out in order. */
export function dtypeFromDescr(descr: unknown, depth = 0): DType {
  if (depth > 32) throw malformed("bad .npy header: dtype nested too deeply");
  if (typeof descr === "string") {
    if (/^[|<>=]?O\d*$/.test(descr)) {
      throw new PickleError(
        "refused",
        "the .npy data holds Python objects (a pickle inside); refusing to read it",
      );
    }
    return DType.fromCode(descr);
  }
  if (!Array.isArray(descr)) throw malformed("bad .npy header: descr must be a str or a list");
  const names: string[] = [];
  const fields = new Map<string, DTypeField>();
  let offset = 0;
  for (const f of descr) {
    if (!Array.isArray(f) || f.length < 2 || f.length > 3)
      throw malformed("bad .npy header: field must be (name, descr[, shape])");
    const rawName = f[0];
    const name = isTuple(rawName) ? rawName[1] : rawName;
    if (typeof name !== "string") throw malformed("bad .npy header: field name");
    let dt = dtypeFromDescr(f[1], depth + 1);
    if (f.length === 3) {
      const shape = isTuple(f[2]) ? (f[2] as number[]) : [f[2] as number];
      if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0))
        throw malformed("bad .npy header: field shape");
      const count = shape.reduce((a, b) => a * b, 1);
      const sub = new DType("V", dt.itemsize * count, "|");
      sub.subarray = { base: dt, shape: [...shape] };
      dt = sub;
    }
    // numpy writes padding as unnamed void fields; they only move the offset.
    if (name !== "") {
      if (fields.has(name)) throw malformed(`bad .npy header: field ${name} repeats`);
      names.push(name);
      fields.set(name, { dtype: dt, offset });
    }
    offset += dt.itemsize;
    if (offset > 2 ** 31) throw malformed("bad .npy header: structured dtype too large");
  }
  const out = new DType("V", offset, "|");
  out.names = names;
  out.fields = fields;
  return out;
}

export interface NpyFile {
  array: NdArray;
  version: [number, number];
}

/** Reads an .npy file (format 1.0, 2.0 or 3.0) without pickled objects: the array views the bytes when aligned. */
export function readNpy(bytes: Uint8Array, budget?: Budget): NpyFile {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b))
    throw malformed("not an .npy file (bad magic)");
  const major = bytes[6]!;
  const minor = bytes[7]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw malformed(".npy file truncated");
    headerLen = view.getUint32(8, true);
    start = 12;
  } else {
    throw malformed(`.npy format ${major}.${minor} is not supported (1.0-3.0 are)`);
  }
  if (start + headerLen > bytes.length) throw malformed(".npy header is longer than the file");
  if (headerLen > 1 << 20) throw malformed(".npy header is larger than 1 MiB");
  const raw = bytes.subarray(start, start + headerLen);
  const text =
    major === 3
      ? new TextDecoder("utf-8", { fatal: true }).decode(raw)
      : new TextDecoder("latin1").decode(raw);
  const header = parsePyLiteral(text.trim());
  if (!(header instanceof Map)) throw malformed("bad .npy header: not a dict");
  const descr = header.get("descr");
  const fortran = header.get("fortran_order");
  const shape = header.get("shape");
  if (typeof fortran !== "boolean" || !isTuple(shape))
    throw malformed("bad .npy header: fortran_order / shape");
  const dtype = dtypeFromDescr(descr);
  const data = bytes.subarray(start + headerLen);
  return { array: NdArray.fromBytes(dtype, shape, fortran, data, budget), version: [major, minor] };
}
