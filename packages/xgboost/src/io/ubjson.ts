import { modelError } from "../errors.js";
import type { DocObject, DocValue } from "./value.js";

const MAX_DEPTH = 64;
const utf8 = new TextDecoder("utf-8");

/**
 * A bounded UBJSON reader (draft 12 as XGBoost writes it: big-endian, optimized containers `$`/`#`).
 * Every count and length is checked against the bytes that remain before anything is allocated.
 */
export function parseUbjson(bytes: Uint8Array): DocValue {
  const r = new UbjReader(bytes);
  const v = r.value(0);
  return v;
}

class UbjReader {
  readonly #b: Uint8Array;
  readonly #dv: DataView;
  #p = 0;

  constructor(bytes: Uint8Array) {
    this.#b = bytes;
    this.#dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  #need(n: number): void {
    if (n < 0 || this.#p + n > this.#b.length) throw modelError(`UBJSON truncated at byte ${this.#p}`);
  }

  #byte(): number {
    this.#need(1);
    return this.#b[this.#p++]!;
  }

  #marker(): number {
    // skip no-op markers
    let m = this.#byte();
    while (m === 0x4e /* N */) m = this.#byte();
    return m;
  }

  #int(marker: number): number {
    const dv = this.#dv;
    let v: number;
    switch (marker) {
      case 0x69: // i
        this.#need(1);
        v = dv.getInt8(this.#p);
        this.#p += 1;
        return v;
      case 0x55: // U
        this.#need(1);
        v = dv.getUint8(this.#p);
        this.#p += 1;
        return v;
      case 0x49: // I
        this.#need(2);
        v = dv.getInt16(this.#p, false);
        this.#p += 2;
        return v;
      case 0x6c: // l
        this.#need(4);
        v = dv.getInt32(this.#p, false);
        this.#p += 4;
        return v;
      case 0x4c: {
        // L
        this.#need(8);
        const big = dv.getBigInt64(this.#p, false);
        this.#p += 8;
        return Number(big);
      }
      default:
        throw modelError(
          `UBJSON: expected an integer marker, got 0x${marker.toString(16)} at byte ${this.#p - 1}`,
        );
    }
  }

  #count(elementMinBytes: number): number {
    const n = this.#int(this.#marker());
    if (!Number.isSafeInteger(n) || n < 0) throw modelError(`UBJSON: invalid count ${n}`);
    const remaining = this.#b.length - this.#p;
    if (elementMinBytes > 0 && n > remaining / elementMinBytes) {
      throw modelError(`UBJSON: count ${n} exceeds the ${remaining} bytes that remain`);
    }
    return n;
  }

  #string(): string {
    const len = this.#count(1);
    this.#need(len);
    const s = utf8.decode(this.#b.subarray(this.#p, this.#p + len));
    this.#p += len;
    return s;
  }

  value(depth: number): DocValue {
    return this.#typed(this.#marker(), depth);
  }

  #typed(m: number, depth: number): DocValue {
    const dv = this.#dv;
    switch (m) {
      case 0x5a: // Z
        return null;
      case 0x54: // T
        return true;
      case 0x46: // F
        return false;
      case 0x69:
      case 0x55:
      case 0x49:
      case 0x6c:
      case 0x4c:
        return this.#int(m);
      case 0x64: {
        // d float32
        this.#need(4);
        const v = dv.getFloat32(this.#p, false);
        this.#p += 4;
        return v;
      }
      case 0x44: {
        // D float64
        this.#need(8);
        const v = dv.getFloat64(this.#p, false);
        this.#p += 8;
        return v;
      }
      case 0x48: {
        // H high precision number as string
        const s = this.#string();
        const v = Number(s);
        if (Number.isNaN(v) && s.trim() !== "NaN")
          throw modelError(`UBJSON: bad high-precision number '${s}'`);
        return v;
      }
      case 0x43: // C char
        return String.fromCharCode(this.#byte());
      case 0x53: // S
        return this.#string();
      case 0x5b: // [
        if (depth >= MAX_DEPTH) throw modelError("UBJSON nested too deeply");
        return this.#array(depth + 1);
      case 0x7b: // {
        if (depth >= MAX_DEPTH) throw modelError("UBJSON nested too deeply");
        return this.#object(depth + 1);
      default:
        throw modelError(`UBJSON: unknown marker 0x${m.toString(16)} at byte ${this.#p - 1}`);
    }
  }

  #array(depth: number): DocValue {
    let type = -1;
    let count = -1;
    const b = this.#b;
    if (this.#p < b.length && b[this.#p] === 0x24 /* $ */) {
      this.#p++;
      type = this.#byte();
      if (this.#byte() !== 0x23) throw modelError("UBJSON: '$' without '#' in an array");
    } else if (this.#p < b.length && b[this.#p] === 0x23 /* # */) {
      this.#p++;
    } else {
      count = -2; // unsized, ends at ']'
    }
    if (count !== -2) {
      const size = elementSize(type);
      count = this.#count(size);
      if (type !== -1) {
        const typed = this.#typedArray(type, count);
        if (typed !== undefined) return typed;
        if (type === 0x54 || type === 0x46 || type === 0x5a || type === 0x4e) {
          throw modelError("UBJSON: zero-length element types in typed arrays are not supported");
        }
        const out: DocValue[] = new Array(count);
        for (let i = 0; i < count; i++) out[i] = this.#typed(type, depth);
        return out;
      }
      const out: DocValue[] = [];
      for (let i = 0; i < count; i++) out.push(this.value(depth));
      return out;
    }
    const out: DocValue[] = [];
    for (;;) {
      const m = this.#marker();
      if (m === 0x5d /* ] */) return out;
      out.push(this.#typed(m, depth));
    }
  }

  #typedArray(type: number, count: number): DocValue | undefined {
    const dv = this.#dv;
    let p = this.#p;
    switch (type) {
      case 0x64: {
        this.#need(count * 4);
        const out = new Float32Array(count);
        for (let i = 0; i < count; i++, p += 4) out[i] = dv.getFloat32(p, false);
        this.#p = p;
        return out;
      }
      case 0x44: {
        this.#need(count * 8);
        const out = new Float64Array(count);
        for (let i = 0; i < count; i++, p += 8) out[i] = dv.getFloat64(p, false);
        this.#p = p;
        return out;
      }
      case 0x6c: {
        this.#need(count * 4);
        const out = new Int32Array(count);
        for (let i = 0; i < count; i++, p += 4) out[i] = dv.getInt32(p, false);
        this.#p = p;
        return out;
      }
      case 0x4c: {
        this.#need(count * 8);
        const out = new Float64Array(count);
        for (let i = 0; i < count; i++, p += 8) out[i] = Number(dv.getBigInt64(p, false));
        this.#p = p;
        return out;
      }
      case 0x49: {
        this.#need(count * 2);
        const out = new Int16Array(count);
        for (let i = 0; i < count; i++, p += 2) out[i] = dv.getInt16(p, false);
        this.#p = p;
        return out;
      }
      case 0x69: {
        this.#need(count);
        const out = new Int8Array(count);
        for (let i = 0; i < count; i++, p += 1) out[i] = dv.getInt8(p);
        this.#p = p;
        return out;
      }
      case 0x55: {
        this.#need(count);
        const out = this.#b.slice(p, p + count);
        this.#p = p + count;
        return out;
      }
      default:
        return undefined;
    }
  }

  #key(): string {
    const len = this.#int(this.#marker());
    if (!Number.isSafeInteger(len) || len < 0) throw modelError(`UBJSON: invalid key length ${len}`);
    this.#need(len);
    const s = utf8.decode(this.#b.subarray(this.#p, this.#p + len));
    this.#p += len;
    return s;
  }

  #object(depth: number): DocObject {
    const out: DocObject = Object.create(null) as DocObject;
    let type = -1;
    let count = -2;
    const b = this.#b;
    if (this.#p < b.length && b[this.#p] === 0x24) {
      this.#p++;
      type = this.#byte();
      if (this.#byte() !== 0x23) throw modelError("UBJSON: '$' without '#' in an object");
      count = this.#count(1);
    } else if (this.#p < b.length && b[this.#p] === 0x23) {
      this.#p++;
      count = this.#count(2);
    }
    if (count >= 0) {
      for (let i = 0; i < count; i++) {
        const k = this.#key();
        out[k] = type === -1 ? this.value(depth) : this.#typed(type, depth);
      }
      return out;
    }
    for (;;) {
      // keys have no marker; '}' ends the object
      if (this.#p < b.length && b[this.#p] === 0x7d) {
        this.#p++;
        return out;
      }
      if (this.#p < b.length && b[this.#p] === 0x4e) {
        this.#p++;
        continue;
      }
      const k = this.#key();
      out[k] = this.value(depth);
    }
  }
}

function elementSize(type: number): number {
  switch (type) {
    case 0x64:
    case 0x6c:
      return 4;
    case 0x44:
    case 0x4c:
      return 8;
    case 0x49:
      return 2;
    case 0x54:
    case 0x46:
    case 0x5a:
    case 0x4e:
      return 0;
    default:
      return 1;
  }
}
