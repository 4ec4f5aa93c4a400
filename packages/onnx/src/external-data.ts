import { isAbsolute, normalize, sep } from "node:path";
import { MlflowException } from "@pyfunc/core";

/**
 * A minimal, bounds-checked protobuf walk over an ONNX ModelProto that collects the `location` of every
 * tensor stored as external data (TensorProto.external_data), in the graph and in nested subgraphs
 * (Loop/If/Scan bodies, tensor attributes, sparse initializers). Used on save to copy sidecar weight
 * files next to model.onnx. Untrusted bytes: any malformed input raises MlflowException, never loops.
 */

// Field numbers from onnx/onnx.proto3
const MODEL_GRAPH = 7;
const GRAPH_NODE = 1;
const GRAPH_INITIALIZER = 5;
const GRAPH_SPARSE_INITIALIZER = 15;
const NODE_ATTRIBUTE = 5;
const ATTR_T = 5;
const ATTR_G = 6;
const ATTR_TENSORS = 10;
const ATTR_GRAPHS = 11;
const ATTR_SPARSE_TENSOR = 22;
const ATTR_SPARSE_TENSORS = 23;
const SPARSE_VALUES = 1;
const SPARSE_INDICES = 2;
const TENSOR_EXTERNAL_DATA = 13;
const ENTRY_KEY = 1;
const ENTRY_VALUE = 2;

const MAX_DEPTH = 64;

function malformed(what: string): MlflowException {
  return MlflowException.invalidParameter(`Malformed ONNX model: ${what}.`);
}

interface Field {
  num: number;
  wire: number;
  start: number;
  end: number;
}

function readVarint(buf: Uint8Array, pos: number, end: number): [number, number] {
  let result = 0;
  let mult = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) throw malformed("truncated varint");
    const b = buf[pos++]!;
    result += (b & 0x7f) * mult;
    if ((b & 0x80) === 0) return [result, pos];
    mult *= 128;
  }
  throw malformed("varint too long");
}

/** Iterate the fields of one message in buf[start, end). Length-delimited fields give their payload range. */
function* fields(buf: Uint8Array, start: number, end: number): Generator<Field> {
  let pos = start;
  while (pos < end) {
    const [key, p1] = readVarint(buf, pos, end);
    pos = p1;
    const num = Math.floor(key / 8);
    const wire = key % 8;
    if (num === 0) throw malformed("field number 0");
    switch (wire) {
      case 0: {
        const [, p2] = readVarint(buf, pos, end);
        pos = p2;
        break;
      }
      case 1:
        pos += 8;
        break;
      case 5:
        pos += 4;
        break;
      case 2: {
        const [len, p2] = readVarint(buf, pos, end);
        if (len > end - p2) throw malformed("length-delimited field runs past its message");
        yield { num, wire, start: p2, end: p2 + len };
        pos = p2 + len;
        continue;
      }
      default:
        throw malformed(`unsupported wire type ${wire}`);
    }
    if (pos > end) throw malformed("field runs past its message");
  }
}

const decoder = new TextDecoder("utf-8", { fatal: false });

function tensorLocations(buf: Uint8Array, start: number, end: number, out: Set<string>): void {
  for (const f of fields(buf, start, end)) {
    if (f.num !== TENSOR_EXTERNAL_DATA) continue;
    let key: string | undefined;
    let value: string | undefined;
    for (const e of fields(buf, f.start, f.end)) {
      if (e.num === ENTRY_KEY) key = decoder.decode(buf.subarray(e.start, e.end));
      else if (e.num === ENTRY_VALUE) value = decoder.decode(buf.subarray(e.start, e.end));
    }
    if (key === "location" && value !== undefined) out.add(value);
  }
}

function sparseLocations(buf: Uint8Array, start: number, end: number, out: Set<string>): void {
  for (const f of fields(buf, start, end)) {
    if (f.num === SPARSE_VALUES || f.num === SPARSE_INDICES) tensorLocations(buf, f.start, f.end, out);
  }
}

function graphLocations(buf: Uint8Array, start: number, end: number, out: Set<string>, depth: number): void {
  if (depth > MAX_DEPTH) throw malformed("subgraphs nested too deeply");
  for (const f of fields(buf, start, end)) {
    if (f.wire !== 2) continue;
    if (f.num === GRAPH_INITIALIZER) tensorLocations(buf, f.start, f.end, out);
    else if (f.num === GRAPH_SPARSE_INITIALIZER) sparseLocations(buf, f.start, f.end, out);
    else if (f.num === GRAPH_NODE) {
      for (const a of fields(buf, f.start, f.end)) {
        if (a.num !== NODE_ATTRIBUTE || a.wire !== 2) continue;
        for (const v of fields(buf, a.start, a.end)) {
          if (v.wire !== 2) continue;
          if (v.num === ATTR_T || v.num === ATTR_TENSORS) tensorLocations(buf, v.start, v.end, out);
          else if (v.num === ATTR_G || v.num === ATTR_GRAPHS)
            graphLocations(buf, v.start, v.end, out, depth + 1);
          else if (v.num === ATTR_SPARSE_TENSOR || v.num === ATTR_SPARSE_TENSORS)
            sparseLocations(buf, v.start, v.end, out);
        }
      }
    }
  }
}

/** The external-data file names an ONNX model refers to (relative to the model file), in first-seen order. */
export function externalDataLocations(model: Uint8Array): string[] {
  const out = new Set<string>();
  for (const f of fields(model, 0, model.length)) {
    if (f.num === MODEL_GRAPH && f.wire === 2) graphLocations(model, f.start, f.end, out, 0);
  }
  return [...out];
}

/** A location must stay beside the model: relative, without `..`, as onnxruntime requires. */
export function checkExternalLocation(location: string): string {
  const norm = normalize(location);
  if (
    location.length === 0 ||
    location.includes("\0") ||
    isAbsolute(location) ||
    norm === ".." ||
    norm.startsWith(`..${sep}`) ||
    norm.split(/[\\/]/).includes("..")
  ) {
    throw MlflowException.invalidParameter(
      `ONNX external data location '${location}' must be a relative path inside the model's directory.`,
    );
  }
  return norm;
}
